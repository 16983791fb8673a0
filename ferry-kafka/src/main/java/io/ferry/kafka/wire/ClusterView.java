package io.ferry.kafka.wire;

import java.util.Map;
import org.apache.kafka.common.Node;

/**
 * What one MetadataResponse said about the cluster and the topics asked for; immutable.
 *
 * @param nodes the live nodes by id
 * @param topics per topic asked for (or every topic of the cluster), what Kafka said of it
 * @param allTopics true when the request asked for every topic
 */
public record ClusterView(
        Map<Integer, Node> nodes, Map<String, TopicView> topics, boolean allTopics) {
    /** Copies the maps. */
    public ClusterView {
        nodes = Map.copyOf(nodes);
        topics = Map.copyOf(topics);
    }
}
