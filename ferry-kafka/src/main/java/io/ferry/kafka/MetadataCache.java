package io.ferry.kafka;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.kafka.wire.WireError;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * Ferry's own cache of partition leaders, leader epochs, topic ids and node endpoints; safe for any
 * thread. Updated from metadata responses and from the leader hints in produce errors.
 */
final class MetadataCache {
    /* Design notes
     * A hint never moves a partition back: an update is taken only when its leader epoch is not
     * older than the cached one (-1, unknown, is always taken), so a late metadata response cannot
     * undo a newer hint.
     */
    private final Map<TopicPartition, PartitionLeader> leaders = new ConcurrentHashMap<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final Map<String, Uuid> topicIds = new ConcurrentHashMap<>();
    private final Map<String, WireError> topicErrors = new ConcurrentHashMap<>();
    private final Map<Integer, Node> nodes = new ConcurrentHashMap<>();
    private final Consumer<TopicPartition> leaderMoved;

    /**
     * @param leaderMoved told (on the updating thread) when a known partition's leader changes node
     */
    MetadataCache(Consumer<TopicPartition> leaderMoved) {
        this.leaderMoved = leaderMoved;
    }

    /** Takes a metadata response. */
    void update(ClusterView view) {
        nodes.putAll(view.nodes());
        view.topicErrors()
                .forEach(
                        (topic, error) -> {
                            if (error.isNone()) {
                                topicErrors.remove(topic);
                            } else {
                                topicErrors.put(topic, error);
                            }
                        });
        view.partitions()
                .forEach(
                        (topic, ps) -> {
                            if (ps.isEmpty()) {
                                return;
                            }
                            partitionCounts.put(topic, ps.size());
                            topicIds.put(topic, ps.get(0).topicId());
                            for (PartitionLeader p : ps) {
                                take(new TopicPartition(topic, p.partition()), p);
                            }
                        });
    }

    /** Takes a leader hint from a produce error. */
    void hint(TopicPartition tp, Node leader, int epoch) {
        nodes.put(leader.id(), leader);
        PartitionLeader old = leaders.get(tp);
        Uuid id = old != null ? old.topicId() : topicIds.getOrDefault(tp.topic(), Uuid.ZERO_UUID);
        take(
                tp,
                new PartitionLeader(tp.topic(), id, tp.partition(), leader, epoch, WireError.NONE));
    }

    /** Forgets a partition's leader (after an error without a hint). */
    void invalidate(TopicPartition tp) {
        leaders.computeIfPresent(
                tp,
                (k, old) ->
                        new PartitionLeader(
                                old.topic(),
                                old.topicId(),
                                old.partition(),
                                null,
                                old.leaderEpoch(),
                                old.error()));
    }

    private void take(TopicPartition tp, PartitionLeader p) {
        PartitionLeader[] before = new PartitionLeader[1];
        PartitionLeader now =
                leaders.merge(
                        tp,
                        p,
                        (old, neu) -> {
                            before[0] = old;
                            return neu.leaderEpoch() < 0
                                            || old.leaderEpoch() < 0
                                            || neu.leaderEpoch() >= old.leaderEpoch()
                                    ? neu
                                    : old;
                        });
        PartitionLeader old = before[0];
        if (old != null
                && now.leader() != null
                && (old.leader() == null || old.leader().id() != now.leader().id())) {
            leaderMoved.accept(tp);
        }
    }

    /** The partition's leader, or null when unknown. */
    Node leader(TopicPartition tp) {
        PartitionLeader p = leaders.get(tp);
        return p == null ? null : p.leader();
    }

    /** The topic's partition count, or -1 when unknown. */
    int partitionCount(String topic) {
        return partitionCounts.getOrDefault(topic, -1);
    }

    /** The topic's id, or null when unknown. */
    Uuid topicId(String topic) {
        return topicIds.get(topic);
    }

    /** The topic's last metadata error, or null. */
    WireError topicError(String topic) {
        return topicErrors.get(topic);
    }

    /** Known nodes. */
    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }
}
