package io.ferry.gateway;

import io.ferry.kafka.DeliveryFailure;

/**
 * Waits for one record's outcome in Kafka (ack level {@code kafka}); exactly one method is called,
 * once, from an engine thread (or the thread closing the broker).
 */
interface RecordOutcome {
    /** Kafka stored the record at {@code offset} of {@code partition}. */
    void delivered(int partition, long offset);

    /**
     * No answer about the record can be given: it failed for good, or Kafka refuses this gateway
     * (the record is then kept), because of {@code reason}.
     */
    void failed(DeliveryFailure reason);
}
