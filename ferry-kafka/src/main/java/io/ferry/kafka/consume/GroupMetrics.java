package io.ferry.kafka.consume;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * One group's consumption counters at one moment, as plain values (the gateway maps them to its
 * metrics registry); immutable. From {@link GroupConsumer#metrics()} or {@link
 * ConsumeEngine#metrics()}.
 *
 * @param group the group
 * @param offered messages offered since the consumer subscribed (redeliveries included)
 * @param acknowledged messages acknowledged (by {@code ack} or {@code ackRange})
 * @param redelivered offers that were redeliveries
 * @param deadLettered messages the dead letter stored after {@code max-retries}
 * @param pending messages offered and not settled now, over the owned partitions
 * @param partitions per owned partition, its own counters
 */
public record GroupMetrics(
        String group,
        long offered,
        long acknowledged,
        long redelivered,
        long deadLettered,
        long pending,
        Map<TopicPartition, PartitionMetrics> partitions) {
    /** Copies the map. */
    public GroupMetrics {
        partitions = Map.copyOf(partitions);
    }

    /**
     * One owned partition's counters since this member started it (a partition revoked and assigned
     * again starts from 0); immutable.
     *
     * @param lag the high watermark minus the lowest unacknowledged offset; -1 while not known
     * @param offered messages offered (redeliveries included)
     * @param acknowledged messages acknowledged
     * @param redelivered offers that were redeliveries
     * @param deadLettered messages sent to the dead letter
     * @param pending messages offered and not settled now
     */
    public record PartitionMetrics(
            long lag,
            long offered,
            long acknowledged,
            long redelivered,
            long deadLettered,
            long pending) {}
}
