package io.ferry.broker;

/**
 * A snapshot of a broker's counters, for metrics; immutable. Counters are read without stopping the
 * broker, so fields may be a few events apart from each other.
 *
 * @param publishedEvents events accepted since start
 * @param ackedEvents events acknowledged and released since start
 * @param droppedEvents events dropped since start (cancel with dropOnCancel, close)
 * @param bufferedEvents events held now (not yet released)
 * @param bufferedBytes bytes held now, as {@link Event#sizeBytes()} counts them
 * @param outstandingBatches batches handed out and not yet acknowledged
 * @param oldestEventAgeNanos the age of the oldest event held, 0 when empty
 */
public record BrokerStats(
        long publishedEvents,
        long ackedEvents,
        long droppedEvents,
        long bufferedEvents,
        long bufferedBytes,
        long outstandingBatches,
        long oldestEventAgeNanos) {}
