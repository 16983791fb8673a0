package io.ferry.kafka.consume;

import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.mapper.Mapper;
import io.ferry.mapper.MapperStoppedException;
import io.ferry.mapper.Resolver;
import io.ferry.mapper.Worker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetch side of the consume engine on one cluster: {@link FetchWorker}s (one per lane and
 * partition) mapped by a {@link Mapper} to one {@link FetchExecutor} per partition leader. Every
 * public method is safe from any thread and never blocks on Kafka.
 *
 * <pre>{@code
 * FetchEngine fetch = FetchEngine.start(cluster, FetchSettings.defaults());
 * FetchWorker w = fetch.add(new FetchLane("g1", OffsetReset.EARLIEST), tp, committedOffset, sink);
 * ...
 * fetch.remove(w); // revoked: the sink is never called again
 * fetch.close();
 * }</pre>
 */
public final class FetchEngine implements AutoCloseable {
    /* Design notes
     * Threads, as the produce engine's: the mapper's owner thread, one thread per executor (each
     * owns its node's fetch channel), and callers adding and removing workers. In step mode
     * (stepped(...)) none of these threads exist: tests step the mapper (mapper().doWork()) and
     * each executor (runOnce()) with the cluster's fake clock.
     * The resolver answers from the metadata cache and never blocks: an unknown leader returns
     * null (the mapper retries after its backoff) and asks for a refresh; a known one hands the
     * worker the leader's epoch and the topic id it fetches with.
     */
    private static final Logger LOG = LoggerFactory.getLogger(FetchEngine.class);
    static final long STOP_WAIT_MS = 10_000;

    private record Key(FetchLane lane, TopicPartition tp) {}

    private final FetchCluster cluster;
    private final FetchSettings settings;
    private final boolean stepped;
    private final Mapper<Node, FetchExecutor> mapper;
    private final Map<Key, FetchWorker> workers = new ConcurrentHashMap<>();
    private final Map<Node, FetchExecutor> executors = new ConcurrentHashMap<>();
    private final Set<FetchExecutor> stopping = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AutoCloseable metadataSubscription;
    private final AtomicLong leaderMovesFollowed = new AtomicLong();

    private FetchEngine(FetchCluster cluster, FetchSettings settings, boolean stepped) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.stepped = stepped;
        Mapper.Builder<Node, FetchExecutor> b =
                Mapper.builder(new FetchResolver())
                        .retryBackoffMs(settings.retryBackoffMs())
                        .threadName("ferry-fetch-mapper");
        this.mapper = stepped ? b.nanoClock(() -> cluster.nowMs() * 1_000_000L).build() : b.start();
        this.metadataSubscription = cluster.onMetadataChange(this::metadataChanged);
    }

    /**
     * Starts a fetch engine on {@code cluster}'s shared core: its metadata cache, control loop and
     * channel factory ({@link io.ferry.kafka.EngineAccess}).
     *
     * @return the engine; close it before the cluster
     */
    public static FetchEngine start(io.ferry.kafka.KafkaCluster cluster, FetchSettings settings) {
        return start(view(io.ferry.kafka.EngineAccess.of(cluster)), settings);
    }

    /** {@code a}'s cluster as the engine sees it. */
    static FetchCluster view(io.ferry.kafka.EngineAccess a) {
        return new FetchCluster() {
            @Override
            public long nowMs() {
                return a.nowMs();
            }

            @Override
            public PartitionLeader leader(TopicPartition tp) {
                PartitionLeader p = a.leader(tp);
                return p == null || p.leader() == null ? null : p;
            }

            @Override
            public boolean topicMissing(String topic) {
                return a.topicMissing(topic);
            }

            @Override
            @SuppressWarnings("FutureReturnValueIgnored") // its effect is the cache's update
            public void refresh(String topic) {
                a.refresh(Set.of(topic));
            }

            @Override
            public void hint(TopicPartition tp, Node leader, int leaderEpoch) {
                a.hint(tp, leader, leaderEpoch);
            }

            @Override
            public io.ferry.kafka.wire.NodeChannel open(
                    Node node, String purpose, int maxInFlight) {
                return a.open(node, purpose, maxInFlight);
            }

            @Override
            public AutoCloseable onMetadataChange(Runnable onChange) {
                return a.onMetadataChange(onChange);
            }
        };
    }

    /**
     * Starts fetching from {@code cluster}: a mapper thread, and a thread per node once a worker
     * needs it.
     *
     * @return the engine; close it
     */
    public static FetchEngine start(FetchCluster cluster, FetchSettings settings) {
        return new FetchEngine(cluster, settings, false);
    }

    /** An engine without threads: the caller steps {@link #mapper()} and every executor. */
    static FetchEngine stepped(FetchCluster cluster, FetchSettings settings) {
        return new FetchEngine(cluster, settings, true);
    }

    /** The settings. */
    public FetchSettings settings() {
        return settings;
    }

    FetchCluster cluster() {
        return cluster;
    }

    long nowMs() {
        return cluster.nowMs();
    }

    /**
     * Starts fetching {@code tp} for {@code lane} from {@code position}.
     *
     * @param position the next offset to read, or {@link FetchWorker#UNKNOWN_POSITION} (any
     *     negative value) to start where the lane's reset policy says
     * @param sink where the records go (on an executor thread)
     * @return the worker; {@link #remove} it when the partition is revoked
     * @throws IllegalArgumentException when the lane already fetches {@code tp}
     * @throws IllegalStateException once the engine is closed
     */
    public FetchWorker add(FetchLane lane, TopicPartition tp, long position, FetchSink sink) {
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(tp, "tp");
        Objects.requireNonNull(sink, "sink");
        if (closed.get()) {
            throw new IllegalStateException("the fetch engine is closed; it takes no partitions");
        }
        FetchWorker w = new FetchWorker(lane, tp, position, sink, this);
        if (workers.putIfAbsent(new Key(lane, tp), w) != null) {
            throw new IllegalArgumentException(
                    "lane " + lane.name() + " already fetches " + tp + "; remove it first");
        }
        try {
            mapper.onWorkerSpawned(w);
        } catch (MapperStoppedException e) {
            workers.remove(new Key(lane, tp), w);
            throw new IllegalStateException(
                    "the fetch engine is closing; it takes no partitions", e);
        }
        return w;
    }

    /**
     * Stops fetching {@code w}'s partition for its lane (revoked, or the reader is done): once this
     * returns its sink is never called again. Idempotent.
     */
    public void remove(FetchWorker w) {
        if (!workers.remove(new Key(w.lane(), w.partition()), w)) {
            return;
        }
        w.stop();
        try {
            mapper.onWorkerStopped(w);
        } catch (MapperStoppedException e) {
            // closed: nothing to retire
        }
    }

    /** The worker fetching {@code tp} for {@code lane}, or null. */
    public FetchWorker worker(FetchLane lane, TopicPartition tp) {
        return workers.get(new Key(lane, tp));
    }

    /**
     * Moves the workers of {@code tp} (every lane) to the partition's leader now; for a metadata
     * listener that saw the leader change. Harmless when nothing changed.
     */
    public void leaderChanged(TopicPartition tp) {
        for (FetchWorker w : workers.values()) {
            if (w.partition().equals(tp)) {
                reassign(w);
            }
        }
    }

    /**
     * Workers moved because the metadata cache named another leader (or a newer leader epoch) than
     * the one they fetch from, before any fetch error said so.
     */
    public long leaderMovesFollowed() {
        return leaderMovesFollowed.get();
    }

    /**
     * The metadata changed (on the cache writer's thread): every worker whose leader, as the cache
     * knows it now, is not the node of its executor, or has a newer epoch than the one it fetches
     * with, is moved through the mapper at once, before the old leader answers with an error. Only
     * compares and posts to the mapper: quick, never blocks.
     */
    private void metadataChanged() {
        if (closed.get()) {
            return;
        }
        for (FetchWorker w : workers.values()) {
            FetchExecutor e = w.assignedExecutor();
            PartitionLeader now = cluster.leader(w.partition());
            if (now == null || now.leader() == null) {
                continue; // no leader now: the fetch errors say so, and the resolver retries
            }
            if (e == null) {
                // unassigned: its resolve found no leader (or has not run); the answer is here,
                // so it is resolved now, not at the end of the mapper's backoff
                resolveNow(w);
                continue;
            }
            if (now.leader().id() != e.node().id() || now.leaderEpoch() > w.leaderEpoch()) {
                leaderMovesFollowed.incrementAndGet();
                reassign(w);
            }
        }
    }

    /**
     * Per node id, what its executor sent: rounds, Fetch requests (one per lane with something to
     * read per round) and the requests of its last round.
     *
     * @param rounds rounds sent
     * @param fetchRequests Fetch requests sent
     * @param partitionsSent partition entries those requests carried
     * @param lastRoundRequests the Fetch requests of the last round
     */
    public record NodeStats(
            long rounds, long fetchRequests, long partitionsSent, int lastRoundRequests) {}

    /** The live executors' counters by node id. */
    public Map<Integer, NodeStats> nodeStats() {
        Map<Integer, NodeStats> m = new HashMap<>();
        executors.forEach(
                (n, e) ->
                        m.put(
                                n.id(),
                                new NodeStats(
                                        e.rounds(),
                                        e.fetchRequests(),
                                        e.partitionsSent(),
                                        e.lastRoundRequests())));
        return m;
    }

    // ---- for workers and executors ------------------------------------------------------------

    void reassign(FetchWorker w) {
        try {
            mapper.triggerReassign(w);
        } catch (MapperStoppedException e) {
            // closing: nothing to move
        }
    }

    private void resolveNow(FetchWorker w) {
        try {
            mapper.resolveNow(w);
        } catch (MapperStoppedException e) {
            // closing: nothing to move
        }
    }

    void refresh(String topic) {
        cluster.refresh(topic);
    }

    void nodeFailed(Node node) {
        try {
            mapper.nodeFailed(node);
        } catch (MapperStoppedException e) {
            return;
        }
        workers.values().stream()
                .map(w -> w.partition().topic())
                .distinct()
                .forEach(cluster::refresh);
    }

    void executorStopped(FetchExecutor e) {
        executors.remove(e.node(), e);
        stopping.add(e);
    }

    /** The mapper, for tests that step it. */
    Mapper<Node, FetchExecutor> mapper() {
        return mapper;
    }

    /** The live executor of {@code nodeId}, or null; for tests that step it. */
    FetchExecutor executor(int nodeId) {
        for (FetchExecutor e : executors.values()) {
            if (e.node().id() == nodeId) {
                return e;
            }
        }
        return null;
    }

    /** The live executors. */
    List<FetchExecutor> executors() {
        return List.copyOf(executors.values());
    }

    /**
     * Stops every worker, the mapper and the executors; waits up to 10 s for the executor threads
     * and logs the ones that did not stop. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            metadataSubscription.close();
        } catch (Exception e) {
            LOG.warn("the fetch engine's metadata listener did not close", e);
        }
        for (FetchWorker w : List.copyOf(workers.values())) {
            remove(w);
        }
        mapper.stop(); // in step mode this thread steps it until it has stopped
        long deadline = System.nanoTime() + STOP_WAIT_MS * 1_000_000L;
        for (FetchExecutor e : List.copyOf(stopping)) {
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                if (!e.awaitStopped(left)) {
                    LOG.warn(
                            "the fetch executor of node {} did not stop within {} ms",
                            e.node().id(),
                            STOP_WAIT_MS);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Resolves workers to partition leaders from the cache; spawns executors. Mapper thread. */
    private final class FetchResolver implements Resolver<Node, FetchExecutor> {
        @Override
        public Node resolveNode(Worker<FetchExecutor> worker) {
            FetchWorker w = (FetchWorker) worker;
            TopicPartition tp = w.partition();
            PartitionLeader leader = cluster.leader(tp);
            if (leader == null || leader.leader() == null) {
                cluster.refresh(tp.topic());
                w.unresolved(
                        cluster.topicMissing(tp.topic())
                                ? new FetchStatus(
                                        FetchStatus.Code.TOPIC_MISSING,
                                        "Kafka says topic '"
                                                + tp.topic()
                                                + "' does not exist; asked again every "
                                                + settings.retryBackoffMs()
                                                + " ms")
                                : new FetchStatus(
                                        FetchStatus.Code.LEADER_MOVED,
                                        tp + " has no known leader; asking for metadata"));
                return null;
            }
            w.leaderKnown(leader);
            return leader.leader();
        }

        @Override
        public FetchExecutor spawnExecutor(Node node) {
            FetchExecutor e =
                    new FetchExecutor(
                                    node,
                                    FetchEngine.this,
                                    cluster.open(node, "fetch", FetchExecutor.MAX_IN_FLIGHT),
                                    !stepped)
                            .start();
            executors.put(node, e);
            return e;
        }
    }
}
