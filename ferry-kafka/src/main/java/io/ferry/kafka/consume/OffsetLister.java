package io.ferry.kafka.consume;

import io.ferry.kafka.wire.ListedOffset;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.OffsetQuery;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up partitions' earliest or latest offsets (ListOffsets) on their leaders, for the offsets
 * API (kafka-pixy's {@code begin} and {@code end}); {@link #list} may be called from any thread,
 * everything else runs on the lister's own thread ({@link #runOnce()}; a test steps it instead).
 *
 * <p>One ListOffsets per leader node per lookup, carrying every partition of the lookup led there,
 * on a connection of its own ({@code offsets} purpose), so a lookup never queues behind a long-poll
 * fetch.
 */
final class OffsetLister implements AutoCloseable {
    /* Design notes
     * Threads: callers post a Lookup to the mailbox and unpark the thread; the thread is the single
     * writer of `active` and of the channels (one per node, opened on first use, kept until close:
     * an operator asking for offsets tends to ask again). Channel callbacks run inside poll, on
     * the same thread.
     * Per partition: a leader from the cache (none: refresh, try again after the backoff; the
     * topic missing: the lookup fails UNKNOWN_TOPIC); a leader-change error (NOT_LEADER_OR_FOLLOWER
     * ...) refreshes and tries again; any other partition error fails the lookup with Kafka's
     * error; a transport failure tries the node's partitions again after the backoff. A lookup
     * not finished by its deadline fails with a TimeoutException naming what is missing.
     */
    private static final Logger LOG = LoggerFactory.getLogger(OffsetLister.class);
    static final long RETRY_BACKOFF_MS = 100;
    static final long IDLE_MS = 100;
    static final long BUSY_MS = 5;
    static final int MAX_IN_FLIGHT = 5;

    /** One lookup: the same timestamp for every partition. */
    private static final class Lookup {
        final Set<TopicPartition> wanted;
        final long timestamp;
        final long deadlineMs;
        final CompletableFuture<Map<TopicPartition, Long>> done = new CompletableFuture<>();

        // Lister thread only.
        final Map<TopicPartition, Long> found = new HashMap<>();
        final Set<TopicPartition> inFlight = new HashSet<>();
        long retryAtMs;

        Lookup(Set<TopicPartition> wanted, long timestamp, long deadlineMs) {
            this.wanted = wanted;
            this.timestamp = timestamp;
            this.deadlineMs = deadlineMs;
        }
    }

    private final FetchCluster cluster;
    private final IsolationLevel isolation;
    private final ConcurrentLinkedQueue<Lookup> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread; // null when stepped
    private volatile boolean stopped;

    // Lister thread only.
    private final List<Lookup> active = new ArrayList<>();
    private final Map<Integer, NodeChannel> channels = new HashMap<>();
    private long requestsSent;

    OffsetLister(FetchCluster cluster, IsolationLevel isolation, String name, boolean ownThread) {
        this.cluster = cluster;
        this.isolation = isolation;
        if (ownThread) {
            thread = new Thread(this::run, "ferry-offsets-" + name);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /**
     * The offsets of {@code partitions} at {@code timestamp} ({@link OffsetQuery#EARLIEST}, {@link
     * OffsetQuery#LATEST}: the last stable offset under {@code read_committed}); any thread.
     *
     * @return completes with every partition's offset, or fails: {@link ConsumeException} ({@code
     *     UNKNOWN_TOPIC}) for a topic Kafka says does not exist, {@link IllegalStateException} with
     *     Kafka's error for a partition it refused, {@link TimeoutException} after {@code
     *     timeoutMs}
     */
    CompletableFuture<Map<TopicPartition, Long>> list(
            Collection<TopicPartition> partitions, long timestamp, long timeoutMs) {
        Lookup l = new Lookup(Set.copyOf(partitions), timestamp, cluster.nowMs() + timeoutMs);
        if (stopped) {
            l.done.completeExceptionally(
                    new ConsumeException(
                            ConsumeException.Reason.CLOSED, "the consume engine is closed"));
            return l.done;
        }
        if (l.wanted.isEmpty()) {
            l.done.complete(Map.of());
            return l.done;
        }
        mailbox.add(l);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return l.done;
    }

    /** ListOffsets requests sent so far. Lister thread (or the test stepping it). */
    long requestsSent() {
        return requestsSent;
    }

    /** One duty cycle: new lookups, answers, deadlines, then what can be sent. */
    void runOnce() {
        long now = cluster.nowMs();
        for (Lookup l; (l = mailbox.poll()) != null; ) {
            active.add(l);
        }
        for (NodeChannel c : List.copyOf(channels.values())) {
            c.poll(0, now);
        }
        for (Iterator<Lookup> it = active.iterator(); it.hasNext(); ) {
            Lookup l = it.next();
            if (l.done.isDone()) {
                it.remove();
            } else if (now >= l.deadlineMs) {
                Set<TopicPartition> missing = new HashSet<>(l.wanted);
                missing.removeAll(l.found.keySet());
                l.done.completeExceptionally(
                        new TimeoutException("ListOffsets not answered in time for " + missing));
                it.remove();
            } else if (now >= l.retryAtMs) {
                send(l, now);
            }
        }
    }

    private void send(Lookup l, long now) {
        Map<Node, Map<TopicPartition, OffsetQuery>> byNode = new HashMap<>();
        for (TopicPartition tp : l.wanted) {
            if (l.found.containsKey(tp) || l.inFlight.contains(tp)) {
                continue;
            }
            PartitionLeader p = cluster.leader(tp);
            if (p == null || p.leader() == null) {
                if (cluster.topicMissing(tp.topic())) {
                    l.done.completeExceptionally(
                            new ConsumeException(
                                    ConsumeException.Reason.UNKNOWN_TOPIC,
                                    "Kafka says topic '" + tp.topic() + "' does not exist"));
                    return;
                }
                cluster.refresh(tp.topic());
                l.retryAtMs = now + RETRY_BACKOFF_MS;
                continue;
            }
            byNode.computeIfAbsent(p.leader(), n -> new HashMap<>())
                    .put(tp, new OffsetQuery(l.timestamp, p.leaderEpoch()));
        }
        byNode.forEach(
                (node, queries) -> {
                    NodeChannel c =
                            channels.computeIfAbsent(
                                    node.id(), id -> cluster.open(node, "offsets", MAX_IN_FLIGHT));
                    if (!c.ready(now) || !c.canSend(now)) {
                        WireFailure f = c.connectionFailure();
                        if (f != null) {
                            LOG.warn(
                                    "offsets connection to node {} failed ({}); trying again",
                                    node.id(),
                                    f);
                        }
                        l.retryAtMs = now + (f == null ? BUSY_MS : RETRY_BACKOFF_MS);
                        return;
                    }
                    l.inFlight.addAll(queries.keySet());
                    requestsSent++;
                    c.send(
                            new WireRequest.ListOffsets(isolation, queries),
                            now,
                            o -> answered(l, node, queries.keySet(), o));
                });
    }

    private void answered(
            Lookup l,
            Node node,
            Set<TopicPartition> asked,
            Outcome<Map<TopicPartition, ListedOffset>> o) {
        l.inFlight.removeAll(asked);
        if (l.done.isDone()) {
            return;
        }
        long now = cluster.nowMs();
        if (!o.succeeded()) {
            LOG.debug("ListOffsets to node {} failed ({}); trying again", node.id(), o.failure());
            l.retryAtMs = now + RETRY_BACKOFF_MS;
            return;
        }
        for (TopicPartition tp : asked) {
            ListedOffset r = o.response().get(tp);
            if (r != null && r.error().isNone() && r.offset() >= 0) {
                l.found.put(tp, r.offset());
            } else if (r == null
                    || r.error().isLeaderChange()
                    || r.error().name().equals("UNKNOWN_LEADER_EPOCH")
                    || r.error().name().equals("UNKNOWN_TOPIC_OR_PARTITION")) {
                cluster.refresh(tp.topic()); // asked again once the cache knows better
                l.retryAtMs = now + RETRY_BACKOFF_MS;
            } else {
                l.done.completeExceptionally(
                        new IllegalStateException(
                                "ListOffsets for " + tp + " refused: " + r.error()));
                return;
            }
        }
        if (l.found.size() == l.wanted.size()) {
            l.done.complete(Map.copyOf(l.found));
        }
    }

    private void run() {
        while (!stopped) {
            try {
                runOnce();
                boolean busy = !active.isEmpty();
                if (mailbox.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(busy ? BUSY_MS : IDLE_MS));
                }
            } catch (RuntimeException e) {
                LOG.error("the offset lister failed a step; it goes on", e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(IDLE_MS));
            }
        }
        shut();
    }

    private void shut() {
        ConsumeException closed =
                new ConsumeException(
                        ConsumeException.Reason.CLOSED, "the consume engine is closed");
        for (Lookup l; (l = mailbox.poll()) != null; ) {
            active.add(l);
        }
        active.forEach(l -> l.done.completeExceptionally(closed));
        active.clear();
        channels.values().forEach(NodeChannel::close);
        channels.clear();
    }

    /** Stops the thread, fails what is waiting (CLOSED) and closes the connections. */
    @Override
    public void close() {
        stopped = true;
        if (thread == null) {
            shut();
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
