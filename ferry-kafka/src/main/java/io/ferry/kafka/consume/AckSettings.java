package io.ferry.kafka.consume;

/**
 * The per-partition acknowledgement settings of a group, as kafka-pixy has them; immutable, safe to
 * share between threads.
 *
 * @param ackTimeoutMs how long an offer may stay unacknowledged before it is offered again
 *     (kafka-pixy's {@code ack_timeout}); default {@value #DEFAULT_ACK_TIMEOUT_MS}, at least 1
 * @param maxPending the most offered-but-unsettled messages per partition; at it, no fresh message
 *     is offered (redeliveries still are) and the fetch side is told to pause (kafka-pixy's {@code
 *     max_pending_messages}); default {@value #DEFAULT_MAX_PENDING}, at least 1
 * @param maxRetries how many redeliveries a message gets after timeouts or releases before it goes
 *     to the dead letter; -1 means no limit (kafka-pixy's {@code max_retries}); default {@value
 *     #DEFAULT_MAX_RETRIES}, at least -1
 */
public record AckSettings(long ackTimeoutMs, int maxPending, int maxRetries) {
    /** The default {@link #ackTimeoutMs()}: 5 minutes. */
    public static final long DEFAULT_ACK_TIMEOUT_MS = 300_000;

    /** The default {@link #maxPending()}. */
    public static final int DEFAULT_MAX_PENDING = 300;

    /** The default {@link #maxRetries()}: no limit. */
    public static final int DEFAULT_MAX_RETRIES = -1;

    /** The defaults. */
    public static final AckSettings DEFAULTS =
            new AckSettings(DEFAULT_ACK_TIMEOUT_MS, DEFAULT_MAX_PENDING, DEFAULT_MAX_RETRIES);

    /** Checks every setting, naming the one that is wrong and what is accepted. */
    public AckSettings {
        if (ackTimeoutMs < 1) {
            throw new IllegalArgumentException(
                    "ack-timeout must be at least 1 ms, got " + ackTimeoutMs + " ms");
        }
        if (maxPending < 1) {
            throw new IllegalArgumentException("max-pending must be at least 1, got " + maxPending);
        }
        if (maxRetries < -1) {
            throw new IllegalArgumentException(
                    "max-retries must be -1 (no limit) or at least 0, got " + maxRetries);
        }
    }

    /** Whether redeliveries are limited. */
    public boolean retriesLimited() {
        return maxRetries >= 0;
    }
}
