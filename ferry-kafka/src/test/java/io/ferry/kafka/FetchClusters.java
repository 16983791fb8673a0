package io.ferry.kafka;

import io.ferry.kafka.consume.FetchCluster;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.PartitionLeader;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * The fetch engine's view of a {@link KafkaCluster}: its metadata cache, control loop and channel
 * factory, which are package-private here. Test support until the consume engine's entry point (in
 * this package) provides it: the body can move there as it is.
 */
public final class FetchClusters {
    private FetchClusters() {}

    /** {@code cluster} as a {@link FetchCluster}. */
    public static FetchCluster of(KafkaCluster cluster) {
        return new FetchCluster() {
            @Override
            public long nowMs() {
                return cluster.clockMs();
            }

            @Override
            public PartitionLeader leader(TopicPartition tp) {
                MetadataCache.Topic t = cluster.metadata().snapshot().topic(tp.topic());
                if (t == null || tp.partition() < 0 || tp.partition() >= t.partitionCount()) {
                    return null;
                }
                PartitionLeader p = t.partitions().get(tp.partition());
                return p.leader() == null ? null : p;
            }

            @Override
            public boolean topicMissing(String topic) {
                MetadataCache.Topic t = cluster.metadata().snapshot().topic(topic);
                return t != null && t.missing();
            }

            @Override
            @SuppressWarnings("FutureReturnValueIgnored") // its effect is the cache's update
            public void refresh(String topic) {
                cluster.refreshTopic(topic);
            }

            @Override
            public void hint(TopicPartition tp, Node leader, int leaderEpoch) {
                cluster.metadata().hint(tp, leader, leaderEpoch);
            }

            @Override
            public NodeChannel open(Node node, String purpose, int maxInFlight) {
                return cluster.channels().open(node, purpose, maxInFlight);
            }
        };
    }
}
