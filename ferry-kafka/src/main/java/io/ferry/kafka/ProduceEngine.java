package io.ferry.kafka;

import io.ferry.kafka.wire.RecordBatchEncoder;
import io.ferry.mapper.Mapper;
import io.ferry.mapper.MapperStoppedException;
import io.ferry.mapper.Resolver;
import io.ferry.mapper.Worker;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The produce engine of one {@link KafkaCluster}: partition workers mapped by a {@link Mapper} to
 * one {@link ProduceExecutor} per node, the idempotent producer identity, and the outcomes. Every
 * public method is safe from any thread; {@link #start} returns at once (no producer id is awaited:
 * events wait in their workers until there is one).
 */
public final class ProduceEngine implements AutoCloseable {
    /* Design notes
     * Threads: the mapper's owner thread, one thread per executor, and the cluster's control
     * thread (metadata listener, expiry sweep, producer ids); callers (KafkaOutput's router)
     * append to workers. In step mode (a stepped cluster) none of these threads exist and tests
     * step the mapper (mapper().doWork()) and each executor (runOnce()).
     * The resolver answers from the metadata cache and never blocks: an unknown leader returns
     * null (the mapper retries after its backoff) and asks the control loop for a refresh. The
     * metadata listener reassigns exactly the workers whose partition changed leader.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ProduceEngine.class);
    static final long STOP_WAIT_MS = 10_000;

    final KafkaCluster cluster;
    final KafkaSettings settings;
    final MetadataCache metadata;
    final RecordBatchEncoder encoder;
    private final ProducerIdManager ids;
    private final Mapper<Node, ProduceExecutor> mapper;
    private final Map<TopicPartition, PartitionWorker> workers = new ConcurrentHashMap<>();
    private final Map<Node, ProduceExecutor> executors = new ConcurrentHashMap<>();
    private final Set<ProduceExecutor> stopping = ConcurrentHashMap.newKeySet();
    private final DeliveryFailureListener failures;
    private final boolean ownsCluster;
    private final DeliveryListener deliveries; // null unless failures is one: no per-record cost
    private final MetadataCache.Listener leaderMoves = this::onMetadata;
    private final Runnable sweep = this::sweep;
    private final DeadLetterSink deadLetter;

    /** Failed events the dead letter could not take yet, asked again by the sweep. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Undelivered> undelivered =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Topics Kafka says are missing while their workers hold events: since when (sweep). */
    private final Map<String, Long> missingSinceMs = new ConcurrentHashMap<>();

    /** Partitions whose records Kafka refuses for a reason an operator can fix. */
    private final Set<TopicPartition> parked = ConcurrentHashMap.newKeySet();

    private final LongAdder deadLettered = new LongAdder();
    private final Map<DeliveryFailure.Code, LongAdder> deadLetteredByCode =
            new EnumMap<>(DeliveryFailure.Code.class);

    /** Routes dead-letter records to the dead-letter topic; null without one. */
    private final Router deadLetterRouter;

    private final MetadataCache.Listener deadLetterMetadata;
    private final Runnable deadLetterSweep;
    private final java.util.function.LongUnaryOperator waiting = this::oldestWaitMs;
    private volatile boolean flushing;
    private final java.util.concurrent.CompletableFuture<Void> ready =
            new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final LongAdder ackedRecords = new LongAdder();
    private final Map<DeliveryFailure.Code, LongAdder> failuresByCode =
            new EnumMap<>(DeliveryFailure.Code.class);

    private ProduceEngine(
            KafkaCluster cluster,
            DeliveryFailureListener failures,
            DeadLetterSink deadLetter,
            boolean ownsCluster) {
        this.cluster = cluster;
        this.deadLetter = deadLetter == null ? DeadLetterSink.NONE : deadLetter;
        this.ownsCluster = ownsCluster;
        this.settings = cluster.settings();
        this.metadata = cluster.metadata();
        this.failures = failures == null ? DeliveryFailureListener.NONE : failures;
        this.deliveries = failures instanceof DeliveryListener d ? d : null;
        this.encoder = new RecordBatchEncoder(settings.compressionType());
        for (DeliveryFailure.Code c : DeliveryFailure.Code.values()) {
            failuresByCode.put(c, new LongAdder());
            deadLetteredByCode.put(c, new LongAdder());
        }
        this.ids = new ProducerIdManager(cluster, this::identityObtained);
        if (!settings.idempotence()) {
            cluster.addStatusListener(
                    s -> {
                        if (s.ready()) {
                            ready.complete(null);
                        }
                    });
            if (cluster.status().ready()) {
                ready.complete(null);
            }
        }
        Mapper.Builder<Node, ProduceExecutor> b =
                Mapper.builder(new ProduceResolver())
                        .retryBackoffMs(settings.retryBackoffMs())
                        .threadName("ferry-produce-mapper-" + cluster.name());
        if (cluster.stepped()) {
            b.nanoClock(() -> cluster.clockMs() * 1_000_000L);
            this.mapper = b.build();
        } else {
            this.mapper = b.start();
        }
        metadata.addListener(leaderMoves);
        if (this.deadLetter.topic() != null) {
            this.deadLetterRouter = new Router(this);
            this.deadLetterMetadata = (before, after) -> report(deadLetterRouter.onMetadata(after));
            this.deadLetterSweep = () -> report(deadLetterRouter.sweep(cluster.clockMs()));
            metadata.addListener(deadLetterMetadata);
            cluster.control().onTick(deadLetterSweep);
        } else {
            this.deadLetterRouter = null;
            this.deadLetterMetadata = null;
            this.deadLetterSweep = null;
        }
        // Once a second: fail what waits for a topic Kafka says is gone, and ask the dead letter
        // again for what it could not take. Nothing else leaves: the engine is a spool.
        cluster.control().onTick(sweep);
        cluster.addWaitingRequests(waiting);
    }

    /**
     * Starts producing to {@code cluster}; returns at once.
     *
     * @param failures told of each event that fails for good; a {@link DeliveryListener} hears
     *     every success too
     * @return the engine; close it before the cluster
     */
    public static ProduceEngine start(KafkaCluster cluster, DeliveryFailureListener failures) {
        return start(cluster, failures, DeadLetterSink.NONE);
    }

    /**
     * Starts producing to {@code cluster}; returns at once.
     *
     * @param failures told of each event that fails for good; a {@link DeliveryListener} hears
     *     every success too
     * @param deadLetter where an event that fails for good goes before it leaves its broker
     * @return the engine; close it before the cluster
     */
    public static ProduceEngine start(
            KafkaCluster cluster, DeliveryFailureListener failures, DeadLetterSink deadLetter) {
        ProduceEngine e = new ProduceEngine(cluster, failures, deadLetter, false);
        e.ids.start();
        return e;
    }

    /**
     * Starts producing to a cluster of its own, closed with the engine; returns at once.
     *
     * @param settings the cluster's settings
     * @param failures told of each event that fails for good
     * @return the engine; close it
     */
    public static ProduceEngine start(KafkaSettings settings, DeliveryFailureListener failures) {
        KafkaCluster cluster = KafkaCluster.start(settings);
        try {
            ProduceEngine e = new ProduceEngine(cluster, failures, DeadLetterSink.NONE, true);
            e.ids.start();
            return e;
        } catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /** The cluster this engine produces to. */
    public KafkaCluster cluster() {
        return cluster;
    }

    long clockMs() {
        return cluster.clockMs();
    }

    ProducerIdentity identity() {
        return ids.identity();
    }

    boolean flushing() {
        return flushing;
    }

    /** Sends every queued event now, ignoring linger.ms (used by a graceful close). */
    public void flush() {
        flushing = true;
        wakeExecutors();
    }

    private void identityObtained() {
        ready.complete(null);
        wakeExecutors();
    }

    /**
     * Completes once the engine can send: the cluster answered and, with idempotence, Kafka gave a
     * producer id. Events published before wait in their workers; this is for callers that want to
     * start a clock (benchmarks) or a readiness check after it.
     */
    public java.util.concurrent.CompletableFuture<Void> ready() {
        return ready.copy();
    }

    private void wakeExecutors() {
        executors.values().forEach(ProduceExecutor::wakeup);
    }

    private long oldestWaitMs(long nowMs) {
        long w = 0;
        for (ProduceExecutor e : executors.values()) {
            w = Math.max(w, e.oldestWaitMs(nowMs));
        }
        return w;
    }

    /**
     * The control thread, once a second: workers of a topic Kafka has said is missing for {@link
     * Router#UNKNOWN_TOPIC_WAIT_MS} fail what they hold (it was deleted: the dead letter takes it),
     * and failed events the dead letter could not take are offered again.
     */
    private void sweep() {
        long now = cluster.clockMs();
        MetadataCache.Snapshot snap = metadata.snapshot();
        Set<String> gone = new HashSet<>();
        for (PartitionWorker w : workers.values()) {
            String topic = w.tp.topic();
            MetadataCache.Topic t = snap.topic(topic);
            if (t == null || !t.missing() || w.outstanding() == 0) {
                continue;
            }
            Long since = missingSinceMs.putIfAbsent(topic, now);
            if (since != null && now - since >= Router.UNKNOWN_TOPIC_WAIT_MS) {
                gone.add(topic);
                w.failAll(
                        new DeliveryFailure(
                                DeliveryFailure.Code.UNKNOWN_TOPIC,
                                t.error().isNone() ? null : t.error().name(),
                                "topic '"
                                        + topic
                                        + "' no longer exists (deleted while its records waited)"));
            }
        }
        missingSinceMs.keySet().removeIf(topic -> gone.contains(topic) || !missingIn(snap, topic));
        for (int n = undelivered.size(); n > 0; n--) {
            Undelivered u = undelivered.poll();
            if (u == null) {
                break;
            }
            settleLocally(u.pending(), u.partition(), u.failure(), u.attempts(), u.through());
        }
    }

    private static boolean missingIn(MetadataCache.Snapshot snap, String topic) {
        MetadataCache.Topic t = snap.topic(topic);
        return t != null && t.missing();
    }

    /** Kafka refuses {@code tp}'s records for a reason an operator can fix; its events stay. */
    void parked(TopicPartition tp, io.ferry.kafka.wire.WireError e) {
        parked.add(tp);
        cluster.health()
                .raise(
                        ClusterCondition.Kind.PARKED,
                        "produce:" + tp.topic(),
                        "Kafka refuses writes to topic '"
                                + tp.topic()
                                + "' ("
                                + e.name()
                                + "); its records are kept and retried every "
                                + PartitionWorker.PARKED_RETRY_MS / 1000
                                + " s until an operator grants the ACL");
    }

    /** {@code tp} is written to again. */
    void unparked(TopicPartition tp) {
        parked.remove(tp);
        String topic = tp.topic();
        for (TopicPartition other : parked) {
            if (other.topic().equals(topic)) {
                return;
            }
        }
        cluster.health().clear("produce:" + topic);
    }

    /** Partitions parked now (Kafka refuses their records until an operator acts). */
    public int parkedPartitions() {
        return parked.size();
    }

    /** Events parked now: waiting in partitions Kafka refuses until an operator acts. */
    public long parkedEvents() {
        long n = 0;
        for (TopicPartition tp : parked) {
            PartitionWorker w = workers.get(tp);
            n += w == null ? 0 : w.outstanding();
        }
        return n;
    }

    /** When the oldest event the workers hold reached the engine (engine clock), or MAX_VALUE. */
    long oldestEnqueuedMs() {
        long t = Long.MAX_VALUE;
        for (PartitionWorker w : workers.values()) {
            t = Math.min(t, w.oldestEnqueuedMs());
        }
        return t;
    }

    /** Events dead-lettered so far. */
    public long deadLettered() {
        return deadLettered.sum();
    }

    /** Failed events the dead letter could not take yet (kept, asked again each second). */
    public int awaitingDeadLetter() {
        return undelivered.size();
    }

    // ---- routing ------------------------------------------------------------------------------

    /** The worker of {@code tp}, spawned on first use. */
    PartitionWorker worker(TopicPartition tp) {
        PartitionWorker w = workers.get(tp);
        if (w != null) {
            return w;
        }
        return workers.computeIfAbsent(
                tp,
                k -> {
                    PartitionWorker nw = new PartitionWorker(k, this);
                    mapper.onWorkerSpawned(nw);
                    return nw;
                });
    }

    /**
     * A metadata change: moves the workers whose partition changed leader, and resolves at once
     * those whose partition had none (their resolve failed for want of it). Any thread.
     */
    private void onMetadata(MetadataCache.Snapshot before, MetadataCache.Snapshot after) {
        for (PartitionWorker w : workers.values()) {
            Node was = before.leader(w.tp);
            Node now = after.leader(w.tp);
            if (now == null) {
                continue;
            }
            if (was == null) {
                resolveNow(w); // the leader its failed resolve lacked: not after the backoff
            } else if (was.id() != now.id()) {
                reassign(w);
            }
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    void refreshMetadata(String topic) {
        cluster.control().refresh(Set.of(topic));
    }

    void reassign(PartitionWorker w) {
        try {
            mapper.triggerReassign(w);
        } catch (MapperStoppedException e) {
            // closing: nothing to move
        }
    }

    private void resolveNow(PartitionWorker w) {
        try {
            mapper.resolveNow(w);
        } catch (MapperStoppedException e) {
            // closing: nothing to move
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    void nodeFailed(Node node) {
        try {
            mapper.nodeFailed(node);
        } catch (MapperStoppedException e) {
            return;
        }
        Set<String> topics = new HashSet<>();
        workers.keySet().forEach(tp -> topics.add(tp.topic()));
        if (!topics.isEmpty()) {
            cluster.control().refresh(topics);
        }
    }

    /** Asks for a new producer id/epoch once per generation (the broker lost our state). */
    void resetIdentity(int observedGeneration, String why) {
        ids.reset(observedGeneration, why);
    }

    // ---- outcomes -----------------------------------------------------------------------------

    void acked(PartitionWorker.InFlight b, int partition, long baseOffset) {
        ackedRecords.add(b.records.size());
        if (deliveries != null) {
            // a batch's records sit at consecutive offsets from its base offset, in batch order
            long offset = baseOffset;
            for (PartitionWorker.Pending p : b.records) {
                long at = baseOffset < 0 ? -1 : offset++;
                if (p.tracker().deadLetterOf != null) {
                    continue; // a dead-letter record: nobody published it
                }
                try {
                    deliveries.onDelivered(p.event(), p.sequence(), partition, at);
                } catch (RuntimeException e) {
                    LOG.warn("delivery listener failed", e);
                }
            }
        }
        DeliveryTracker last = null;
        int run = 0;
        for (PartitionWorker.Pending p : b.records) {
            if (p.tracker() != last) {
                if (last != null) {
                    last.done(run);
                }
                last = p.tracker();
                run = 0;
            }
            run++;
        }
        if (last != null) {
            last.done(run);
        }
    }

    void fail(PartitionWorker.Pending p, DeliveryFailure f) {
        fail(p, -1, f, 0);
    }

    /**
     * {@code p} failed for good: the listener is told, the dead letter stores it, and only then
     * does it leave its broker batch.
     */
    void fail(PartitionWorker.Pending p, int partition, DeliveryFailure f, int attempts) {
        DeliveryTracker.DeadLetterOf of = p.tracker().deadLetterOf;
        if (of != null) {
            // the dead-letter topic refused a dead-letter record for good: the local fallback
            LOG.warn(
                    "cluster {}: the dead-letter topic '{}' refused a record ({}); it goes to the"
                            + " local dead letter",
                    cluster.name(),
                    deadLetter.topic(),
                    f);
            settleLocally(of.original(), of.partition(), of.failure(), of.attempts(), p);
            return;
        }
        failuresByCode.get(f.code()).increment();
        try {
            failures.onFailure(p.event(), p.sequence(), f);
        } catch (RuntimeException e) {
            LOG.warn("delivery failure listener failed", e);
        }
        settleFailed(p, partition, f, attempts);
    }

    /** Puts failed {@code p} into the dead letter; it leaves its broker batch once stored. */
    private void settleFailed(
            PartitionWorker.Pending p, int partition, DeliveryFailure f, int attempts) {
        if (deadLetterRouter == null) {
            settleLocally(p, partition, f, attempts, null);
            return;
        }
        DeliveryTracker.DeadLetterOf of =
                new DeliveryTracker.DeadLetterOf(p, partition, f, attempts);
        io.ferry.broker.Event record;
        try {
            record =
                    io.ferry.deadletter.DeadLetterHeaders.toDeadLetterEvent(
                            deadLetter.topic(),
                            io.ferry.deadletter.DeadLetterRecord.forProduce(
                                    p.event(),
                                    cluster.name(),
                                    partition,
                                    f.code().name(),
                                    f.kafkaError(),
                                    f.message(),
                                    System.currentTimeMillis(),
                                    attempts));
        } catch (RuntimeException e) {
            LOG.error("cannot build the dead-letter record; it goes to the local dead letter", e);
            settleLocally(p, partition, f, attempts, null);
            return;
        }
        DeliveryTracker t =
                DeliveryTracker.forDeadLetter(
                        of,
                        () -> {
                            deadLettered.increment();
                            deadLetteredByCode.get(f.code()).increment();
                            p.tracker().done(1);
                        });
        report(deadLetterRouter.route(List.of(record), t, cluster.clockMs()));
    }

    /**
     * Stores {@code p} in the local dead letter; then settles {@code through} (a dead-letter
     * record's tracker, which settles {@code p}) or {@code p} itself. Kept and offered again when
     * it cannot be stored now.
     */
    private void settleLocally(
            PartitionWorker.Pending p,
            int partition,
            DeliveryFailure f,
            int attempts,
            PartitionWorker.Pending through) {
        boolean stored;
        try {
            stored = deadLetter.store(p.event(), partition, f, attempts);
        } catch (RuntimeException e) {
            LOG.error("the dead letter failed; the event is kept and offered again", e);
            stored = false;
        }
        if (!stored) {
            undelivered.add(new Undelivered(p, partition, f, attempts, through));
            return;
        }
        if (through != null) {
            through.tracker().done(1); // its runnable counts and settles p
            return;
        }
        if (deadLetter != DeadLetterSink.NONE) {
            deadLettered.increment();
            deadLetteredByCode.get(f.code()).increment();
        }
        p.tracker().done(1);
    }

    private void report(List<Router.Failed> failed) {
        for (Router.Failed x : failed) {
            fail(x.pending(), x.failure());
        }
    }

    /** Events dead-lettered so far with {@code code}. */
    public long deadLettered(DeliveryFailure.Code code) {
        return deadLetteredByCode.get(code).sum();
    }

    /** A failed event waiting for the dead letter to take it. */
    private record Undelivered(
            PartitionWorker.Pending pending,
            int partition,
            DeliveryFailure failure,
            int attempts,
            PartitionWorker.Pending through) {}

    // ---- stats --------------------------------------------------------------------------------

    /** Records acknowledged by Kafka so far. */
    public long ackedRecords() {
        return ackedRecords.sum();
    }

    /** Failed records so far, by code (only codes that occurred). */
    public Map<DeliveryFailure.Code, Long> failuresByCode() {
        Map<DeliveryFailure.Code, Long> m = new EnumMap<>(DeliveryFailure.Code.class);
        failuresByCode.forEach(
                (k, v) -> {
                    long n = v.sum();
                    if (n > 0) {
                        m.put(k, n);
                    }
                });
        return m;
    }

    /** The live executors by node id, with the number of workers attached to each. */
    public Map<Integer, Integer> executorsByNode() {
        Map<Integer, Integer> m = new HashMap<>();
        executors.forEach((n, e) -> m.put(n.id(), e.workerCount()));
        return m;
    }

    /**
     * Produce requests sent so far and the partitions they carried (aggregation = partitions /
     * requests).
     */
    public long[] requestsAndPartitionsSent() {
        long r = 0;
        long p = 0;
        for (ProduceExecutor e : executors.values()) {
            r += e.requestsSent();
            p += e.partitionsSent();
        }
        return new long[] {r, p};
    }

    /** The node currently serving {@code topic}-{@code partition}, or -1. */
    public int nodeOf(String topic, int partition) {
        Node n = metadata.leader(new TopicPartition(topic, partition));
        return n == null ? -1 : n.id();
    }

    /** Events queued or in flight in the workers. */
    public long outstanding() {
        long n = 0;
        for (PartitionWorker w : workers.values()) {
            n += w.outstanding();
        }
        return n;
    }

    /**
     * The node of the executor {@code topic}-{@code partition}'s worker is assigned to now, or -1.
     */
    public int assignedNode(String topic, int partition) {
        PartitionWorker w = workers.get(new TopicPartition(topic, partition));
        ProduceExecutor e = w == null ? null : w.assignedExecutor();
        return e == null ? -1 : e.node().id();
    }

    List<PartitionWorker> workers() {
        return List.copyOf(workers.values());
    }

    /** The mapper, for tests that step it. */
    Mapper<Node, ProduceExecutor> mapper() {
        return mapper;
    }

    /** The live executor of {@code nodeId}, or null; for tests that step it. */
    ProduceExecutor executor(int nodeId) {
        for (ProduceExecutor e : executors.values()) {
            if (e.node().id() == nodeId) {
                return e;
            }
        }
        return null;
    }

    /** Removes a stopped executor from the live map (called by the executor's stop). */
    void executorStopped(ProduceExecutor e) {
        executors.remove(e.node(), e);
        stopping.add(e);
    }

    /**
     * Stops the workers, the mapper and the executors; waits up to 10 s for each executor thread
     * and logs the ones that did not stop. Close the cluster after (an engine started on settings
     * closes its own).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            stopAll();
        } finally {
            if (ownsCluster) {
                cluster.close();
            }
        }
    }

    private void stopAll() {
        metadata.removeListener(leaderMoves);
        if (deadLetterRouter != null) {
            metadata.removeListener(deadLetterMetadata);
            cluster.control().removeTick(deadLetterSweep);
        }
        cluster.control().removeTick(sweep);
        cluster.removeWaitingRequests(waiting);
        workers.values().forEach(mapper::onWorkerStopped);
        mapper.stop(); // in step mode this thread steps it until it has stopped
        long deadline = System.nanoTime() + STOP_WAIT_MS * 1_000_000L;
        for (ProduceExecutor e : List.copyOf(stopping)) {
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                if (!e.awaitStopped(left)) {
                    LOG.warn(
                            "cluster {}: the produce executor of node {} did not stop within {} ms",
                            cluster.name(),
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
    private final class ProduceResolver implements Resolver<Node, ProduceExecutor> {
        @Override
        public Node resolveNode(Worker<ProduceExecutor> worker) {
            TopicPartition tp = ((PartitionWorker) worker).tp;
            Node leader = metadata.leader(tp);
            if (leader == null) {
                refreshMetadata(tp.topic());
            }
            return leader;
        }

        @Override
        public ProduceExecutor spawnExecutor(Node node) {
            ProduceExecutor e =
                    new ProduceExecutor(
                                    node,
                                    ProduceEngine.this,
                                    cluster.channels()
                                            .open(
                                                    node,
                                                    "produce",
                                                    settings.maxInFlightPerPartition()),
                                    !cluster.stepped())
                            .start();
            executors.put(node, e);
            return e;
        }
    }
}
