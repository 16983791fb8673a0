package io.ferry.kafka;

import io.ferry.broker.Event;

/**
 * Told of each event that failed for good (not retriable, or past {@code delivery.timeout.ms});
 * called from engine threads, must be quick and thread-safe.
 */
@FunctionalInterface
public interface DeliveryFailureListener {
    /** Ignores failures (they are still counted). */
    DeliveryFailureListener NONE = (event, failure) -> {};

    /** {@code event} will not reach Kafka because of {@code failure}. */
    void onFailure(Event event, DeliveryFailure failure);

    /**
     * {@code event}, which its broker numbered {@code sequence} (broker-spec rule 1.8; -1 when
     * unknown), will not reach Kafka because of {@code failure}; the engine calls this one. By
     * default it calls {@link #onFailure(Event, DeliveryFailure)}.
     */
    default void onFailure(Event event, long sequence, DeliveryFailure failure) {
        onFailure(event, failure);
    }
}
