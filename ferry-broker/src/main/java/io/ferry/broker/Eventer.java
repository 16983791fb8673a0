package io.ferry.broker;

/**
 * Listens to a broker's acknowledgement totals; called by the broker's one ack thread, never
 * concurrently.
 *
 * <p>{@link #onAck(int)} receives the number of consecutively acknowledged events across all
 * producers, before those producers' own ack listeners are told (rule 3.2). Implementations must be
 * quick and must not call back into the broker.
 */
@FunctionalInterface
public interface Eventer {
    /** An eventer that ignores everything. */
    Eventer NONE = count -> {};

    /** {@code count} more events, consecutive in publish order, were acknowledged. */
    void onAck(int count);
}
