package io.ferry.kafka;

import io.ferry.broker.Event;

/**
 * Told of each event's outcome: where Kafka stored it, or why it failed for good. Pass one where a
 * {@link DeliveryFailureListener} is taken ({@link FerryPipeline#start}, {@link
 * ProduceEngine#start}) to hear successes too. Called from engine threads, before the event's
 * broker batch is acknowledged; must be quick and thread-safe.
 */
public interface DeliveryListener extends DeliveryFailureListener {
    /**
     * Kafka acknowledged {@code event} at {@code offset} of {@code partition}; {@code offset} is -1
     * when Kafka does not say ({@code acks=0}).
     */
    void onDelivered(Event event, int partition, long offset);

    /**
     * Kafka acknowledged {@code event}, which its broker numbered {@code sequence} (broker-spec
     * rule 1.8; -1 when unknown); the engine calls this one. By default it calls {@link
     * #onDelivered(Event, int, long)}.
     */
    default void onDelivered(Event event, long sequence, int partition, long offset) {
        onDelivered(event, partition, offset);
    }
}
