package io.ferry.kafka.wire;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Node;

/**
 * What one MetadataResponse said about the cluster and the topics asked for; immutable.
 *
 * @param nodes the live nodes by id
 * @param partitions per topic, its partitions in order (empty for a topic with an error)
 * @param topicErrors per topic asked for, its error ({@link WireError#NONE} when fine)
 */
public record ClusterView(
        Map<Integer, Node> nodes,
        Map<String, List<PartitionLeader>> partitions,
        Map<String, WireError> topicErrors) {}
