package io.ferry.broker;

/**
 * A broker's buffer limits; immutable.
 *
 * @param events the capacity in events, or {@code <= 0} when the broker cannot say (rule 3.1)
 * @param bytes the capacity in bytes, or {@code <= 0} when not bounded by bytes
 */
public record BufferConfig(int events, long bytes) {
    /** True when the buffer is bounded by bytes. */
    public boolean hasByteLimit() {
        return bytes > 0;
    }
}
