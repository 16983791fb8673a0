package io.ferry.kafka.consume;

import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.PartitionLeader;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * What the fetch engine needs of the cluster it reads (a {@code KafkaCluster}'s metadata cache,
 * channel factory and clock); every method is safe from any thread and never blocks on Kafka.
 */
public interface FetchCluster {
    /** The engine's clock, in milliseconds. */
    long nowMs();

    /**
     * The partition's leader as the metadata cache knows it now, or null when unknown (never asked,
     * no leader now, the topic missing).
     */
    PartitionLeader leader(TopicPartition tp);

    /** True when Kafka said the topic does not exist (not merely "not asked yet"). */
    boolean topicMissing(String topic);

    /** Asks, in the background, for fresh metadata of {@code topic}. */
    void refresh(String topic);

    /**
     * A node named {@code leader} as the partition's leader in an error answer; the cache may take
     * it. Default: nothing (the next refresh tells).
     */
    default void hint(TopicPartition tp, Node leader, int leaderEpoch) {}

    /**
     * Opens a channel of its own to {@code node} (lazily connected).
     *
     * @param node the node
     * @param purpose what for, in log lines
     * @param maxInFlight the most requests in flight on it
     * @return the channel, owned by the caller
     */
    NodeChannel open(Node node, String purpose, int maxInFlight);

    /**
     * Runs {@code onChange} after every change of the metadata cache (on the cache writer's thread:
     * it must be quick and must not block); closing the result stops it. Default: never called
     * (leader moves are then found only through fetch errors).
     */
    default AutoCloseable onMetadataChange(Runnable onChange) {
        return () -> {};
    }
}
