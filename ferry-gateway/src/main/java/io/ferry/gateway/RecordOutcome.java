package io.ferry.gateway;

/**
 * Waits for one record's outcome in Kafka (ack level {@code kafka}); exactly one method is called,
 * once, from an engine thread (or the thread closing the broker).
 */
interface RecordOutcome {
    /** Kafka stored the record at {@code offset} of {@code partition}. */
    void delivered(int partition, long offset);

    /** The record will not reach Kafka, because of {@code reason} ({@code CODE: detail}). */
    void failed(String reason);
}
