package io.ferry.kafka;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.kafka.wire.TopicView;
import io.ferry.kafka.wire.WireError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's one cache of the cluster's metadata: topics by name and by id, partition leaders and
 * epochs, node endpoints; readers on any thread see an immutable {@link Snapshot}, writers (the
 * control loop, executors taking leader hints) are serialized by the cache's monitor.
 */
final class MetadataCache {
    /* Design notes
     * Copy on write: every change publishes a new Snapshot through one volatile field, with a
     * version one higher, then tells the listeners (on the writer's thread, after leaving the
     * cache's monitor, in registration order) the snapshots before and after. Two writers'
     * notifications may interleave: a listener acts on the snapshot it is given or on the latest. Readers on hot paths (the
     * router, the resolver) read the field once and never lock. Changes are rare (a refresh every
     * metadata.max.age.ms, hints on leader moves), so copying a topic's partition list or the topic
     * map is cheap next to them.
     * A hint never moves a partition back: a partition update is taken only when its leader epoch
     * is not older than the cached one (-1, unknown, is always taken), so a late metadata response
     * cannot undo a newer hint. A topic whose id changed was deleted and created again: its new
     * partitions replace the old ones whatever their epochs.
     * A topic Kafka says is unknown is kept as MISSING (no partitions), so "does not exist" is an
     * answer of the cache, distinct from "not asked yet".
     */
    private static final Logger LOG = LoggerFactory.getLogger(MetadataCache.class);

    /** What the cache knows of one topic; immutable. */
    record Topic(
            String name,
            Uuid id,
            boolean internal,
            WireError error,
            List<PartitionLeader> partitions,
            long updatedMs) {
        /** The number of partitions; 0 when the topic is missing or its metadata failed. */
        int partitionCount() {
            return partitions.size();
        }

        /** True when Kafka said the topic does not exist. */
        boolean missing() {
            return error.name().equals("UNKNOWN_TOPIC_OR_PARTITION")
                    || error.name().equals("UNKNOWN_TOPIC_ID");
        }
    }

    /**
     * One version of the cache; immutable.
     *
     * @param version increases with every change
     * @param topics the topics asked about, by name
     * @param names topic names by id
     * @param nodes the nodes by id
     * @param allTopics the names of every topic of the cluster at the last full listing, or null
     * @param allTopicsMs when that listing was taken
     */
    record Snapshot(
            long version,
            Map<String, Topic> topics,
            Map<Uuid, String> names,
            Map<Integer, Node> nodes,
            List<String> allTopics,
            long allTopicsMs) {
        static final Snapshot EMPTY = new Snapshot(0, Map.of(), Map.of(), Map.of(), null, 0);

        /** The topic, or null when never asked about. */
        Topic topic(String name) {
            return topics.get(name);
        }

        /** The partition's leader, or null when unknown or none. */
        Node leader(TopicPartition tp) {
            Topic t = topics.get(tp.topic());
            if (t == null || tp.partition() >= t.partitions.size() || tp.partition() < 0) {
                return null;
            }
            return t.partitions.get(tp.partition()).leader();
        }
    }

    /** Told of every change, on the writer's thread; must be quick and not call back in. */
    @FunctionalInterface
    interface Listener {
        void onMetadata(Snapshot before, Snapshot after);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    /** Adds a listener; any thread. */
    void addListener(Listener l) {
        listeners.add(l);
    }

    /** Removes a listener; any thread. */
    void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** The current version; any thread, never blocks. */
    Snapshot snapshot() {
        return snapshot;
    }

    /** Takes a metadata response received at {@code nowMs}. */
    void update(ClusterView view, long nowMs) {
        Snapshot[] change;
        synchronized (this) {
            change = updateLocked(view, nowMs);
        }
        notifyListeners(change);
    }

    private Snapshot[] updateLocked(ClusterView view, long nowMs) {
        Snapshot old = snapshot;
        Map<String, Topic> topics = new HashMap<>(old.topics);
        Map<Integer, Node> nodes = new HashMap<>(old.nodes);
        nodes.putAll(view.nodes());
        for (TopicView tv : view.topics().values()) {
            Topic before = topics.get(tv.name());
            if (view.allTopics() && before == null) {
                continue; // a listing: only the names are kept for topics nobody uses
            }
            topics.put(tv.name(), merge(before, tv, nowMs));
        }
        List<String> all = old.allTopics;
        long allMs = old.allTopicsMs;
        if (view.allTopics()) {
            List<String> names = new ArrayList<>();
            for (TopicView tv : view.topics().values()) {
                if (tv.error().isNone()) {
                    names.add(tv.name());
                }
            }
            names.sort(null);
            all = List.copyOf(names);
            allMs = nowMs;
        }
        return publish(old, topics, nodes, all, allMs);
    }

    private static Topic merge(Topic before, TopicView tv, long nowMs) {
        WireError e = tv.error();
        if (e.isNone() && !tv.partitions().isEmpty()) {
            List<PartitionLeader> ps = tv.partitions();
            if (before != null && before.id.equals(tv.topicId()) && !before.partitions.isEmpty()) {
                List<PartitionLeader> merged = new ArrayList<>(ps.size());
                for (PartitionLeader p : ps) {
                    PartitionLeader old =
                            p.partition() < before.partitions.size()
                                    ? before.partitions.get(p.partition())
                                    : null;
                    merged.add(old == null || newer(p, old) ? p : old);
                }
                ps = merged;
            }
            return new Topic(tv.name(), tv.topicId(), tv.internal(), e, List.copyOf(ps), nowMs);
        }
        boolean missing =
                e.name().equals("UNKNOWN_TOPIC_OR_PARTITION")
                        || e.name().equals("UNKNOWN_TOPIC_ID");
        if (missing || before == null) {
            return new Topic(tv.name(), tv.topicId(), tv.internal(), e, List.of(), nowMs);
        }
        // A transient error (no leader yet, a coordinator moving): keep what was known, with it.
        return new Topic(before.name, before.id, before.internal, e, before.partitions, nowMs);
    }

    private static boolean newer(PartitionLeader neu, PartitionLeader old) {
        return neu.leaderEpoch() < 0
                || old.leaderEpoch() < 0
                || neu.leaderEpoch() >= old.leaderEpoch();
    }

    /** Takes a leader hint from a produce error. */
    void hint(TopicPartition tp, Node leader, int epoch) {
        Snapshot[] change = null;
        synchronized (this) {
            Snapshot old = snapshot;
            Topic t = old.topics.get(tp.topic());
            if (t != null && tp.partition() < t.partitions.size()) {
                PartitionLeader p = t.partitions.get(tp.partition());
                PartitionLeader hinted = p.withLeader(leader, epoch);
                if (newer(hinted, p)) {
                    Map<Integer, Node> nodes = new HashMap<>(old.nodes);
                    nodes.put(leader.id(), leader);
                    change = replacePartition(old, t, hinted, nodes);
                }
            }
        }
        notifyListeners(change);
    }

    /** Forgets a partition's leader (after an error without a hint). */
    void invalidate(TopicPartition tp) {
        Snapshot[] change = null;
        synchronized (this) {
            Snapshot old = snapshot;
            Topic t = old.topics.get(tp.topic());
            if (t != null && tp.partition() < t.partitions.size()) {
                PartitionLeader p = t.partitions.get(tp.partition());
                if (p.leader() != null) {
                    change =
                            replacePartition(
                                    old, t, p.withLeader(null, p.leaderEpoch()), old.nodes);
                }
            }
        }
        notifyListeners(change);
    }

    private Snapshot[] replacePartition(
            Snapshot old, Topic t, PartitionLeader p, Map<Integer, Node> nodes) {
        List<PartitionLeader> ps = new ArrayList<>(t.partitions);
        ps.set(p.partition(), p);
        Map<String, Topic> topics = new HashMap<>(old.topics);
        topics.put(
                t.name, new Topic(t.name, t.id, t.internal, t.error, List.copyOf(ps), t.updatedMs));
        return publish(old, topics, nodes, old.allTopics, old.allTopicsMs);
    }

    /** Drops {@code names} (topics nobody uses any more). */
    void forget(Collection<String> names) {
        Snapshot[] change = null;
        synchronized (this) {
            Snapshot old = snapshot;
            Map<String, Topic> topics = new HashMap<>(old.topics);
            if (topics.keySet().removeAll(names)) {
                change = publish(old, topics, old.nodes, old.allTopics, old.allTopicsMs);
            }
        }
        notifyListeners(change);
    }

    /** Publishes a new snapshot; under the monitor. Returns {before, after}. */
    private Snapshot[] publish(
            Snapshot old,
            Map<String, Topic> topics,
            Map<Integer, Node> nodes,
            List<String> all,
            long allMs) {
        Map<Uuid, String> names = new HashMap<>();
        topics.values()
                .forEach(
                        t -> {
                            if (!Uuid.ZERO_UUID.equals(t.id)) {
                                names.put(t.id, t.name);
                            }
                        });
        Snapshot now =
                new Snapshot(
                        old.version + 1,
                        Map.copyOf(topics),
                        Map.copyOf(names),
                        Map.copyOf(nodes),
                        all,
                        allMs);
        snapshot = now;
        return new Snapshot[] {old, now};
    }

    private void notifyListeners(Snapshot[] change) {
        if (change == null) {
            return;
        }
        for (Listener l : listeners) {
            try {
                l.onMetadata(change[0], change[1]);
            } catch (RuntimeException e) {
                LOG.error("a metadata listener failed; the cache goes on", e);
            }
        }
    }

    // ---- reads (any thread) -------------------------------------------------------------------

    /** The partition's leader, or null when unknown. */
    Node leader(TopicPartition tp) {
        return snapshot.leader(tp);
    }

    /** The topic's partition count, or -1 when unknown or missing. */
    int partitionCount(String topic) {
        Topic t = snapshot.topics.get(topic);
        return t == null || t.partitions.isEmpty() ? -1 : t.partitions.size();
    }

    /** The topic's id, or null when unknown. */
    Uuid topicId(String topic) {
        Topic t = snapshot.topics.get(topic);
        return t == null || Uuid.ZERO_UUID.equals(t.id) ? null : t.id;
    }

    /**
     * The name of the topic with {@code id}, or null when unknown (KIP-848 assignments use ids).
     */
    String topicName(Uuid id) {
        return snapshot.names.get(id);
    }

    /** Known nodes. */
    List<Node> nodes() {
        return List.copyOf(snapshot.nodes.values());
    }
}
