package io.ferry.kafka.wire;

import java.util.List;
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
 * @param replicas the ids of the replicas' nodes
 * @param isr the ids of the in-sync replicas' nodes
 */
public record PartitionLeader(
        String topic,
        Uuid topicId,
        int partition,
        Node leader,
        int leaderEpoch,
        WireError error,
        List<Integer> replicas,
        List<Integer> isr) {
    /** Copies the lists. */
    public PartitionLeader {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** This partition with another leader (a hint from a produce error, or none). */
    public PartitionLeader withLeader(Node newLeader, int newEpoch) {
        return new PartitionLeader(
                topic, topicId, partition, newLeader, newEpoch, error, replicas, isr);
    }
}
