package io.ferry.kafka.wire;

import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * One partition's leadership as the metadata said; immutable.
 *
 * @param topic the topic name
 * @param topicId the topic id (needed by Produce v13)
 * @param partition the partition
 * @param leader the leader node, or null when there is none now
 * @param leaderEpoch the leader epoch, or -1 when unknown
 * @param error the partition's metadata error
 */
public record PartitionLeader(
        String topic, Uuid topicId, int partition, Node leader, int leaderEpoch, WireError error) {}
