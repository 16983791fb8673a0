package io.ferry.kafka;

import io.ferry.broker.Event;

/**
 * Where the engine puts an event that cannot be delivered (a failure that cannot heal), before the
 * event leaves its broker; called from engine threads, must be thread-safe.
 *
 * <p>The engine takes an event out of its broker only once it is in Kafka or stored here: when
 * {@link #store} returns false (the dead letter is full or cannot be written now), the engine keeps
 * the event and asks again about once a second.
 */
@FunctionalInterface
public interface DeadLetterSink {
    /**
     * No dead letter: a failed event leaves the broker once its failure listener was told. A choice
     * to make explicitly (the gateway's default is a local directory).
     */
    DeadLetterSink NONE = (event, partition, failure, attempts) -> true;

    /**
     * Stores {@code event} durably with why it failed.
     *
     * @param partition the partition it was bound for, or -1 when none was chosen yet
     * @param attempts the produce requests that carried it (0: refused before sending)
     * @return true once stored (the event may leave the broker); false when it cannot be stored now
     */
    boolean store(Event event, int partition, DeliveryFailure failure, int attempts);

    /**
     * A Kafka topic of the same cluster that the engine writes dead-letter records to first
     * (original key, value and headers plus {@code ferry.dlq.*} headers, {@code
     * docs/dead-letter.md}); this sink is then the fallback for what that topic refuses for good.
     * Null (the default): this sink only.
     */
    default String topic() {
        return null;
    }
}
