package io.ferry.kafka;

import io.ferry.kafka.wire.ProducerIdAndEpoch;
import io.ferry.kafka.wire.RecordBatchEncoder;
import io.ferry.mapper.Mapper;
import io.ferry.mapper.MapperStoppedException;
import io.ferry.mapper.Resolver;
import io.ferry.mapper.Worker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka engine: partition workers mapped by a {@link Mapper} to one {@link ProduceExecutor} per
 * node, Ferry's own metadata cache and the idempotent producer identity. Every public method is
 * safe to call from any thread.
 */
public final class KafkaEngine implements AutoCloseable {
    /* Design notes
     * Threads: the control loop (metadata, InitProducerId), the mapper's owner thread, one thread
     * per executor; callers (KafkaOutput's threads) append to workers. The resolver answers from
     * the cache and never blocks: an unknown leader returns null (the mapper retries after its
     * backoff) and asks the control loop for a refresh.
     */
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEngine.class);

    /** How long the router waits for a topic it has never seen to appear in metadata. */
    static final long UNKNOWN_TOPIC_WAIT_MS = 5_000;

    /**
     * After that, how long events of a still-missing topic fail at once, before it is asked about
     * again.
     */
    static final long MISSING_TOPIC_RECHECK_MS = 10_000;

    final KafkaSettings settings;
    final MetadataCache metadata = new MetadataCache(this::leaderMoved);
    final RecordBatchEncoder encoder;
    final String clientId;
    private final LongSupplier clockMs;
    private final ControlLoop control;
    private final Thread controlThread;
    private final Mapper<Node, ProduceExecutor> mapper;
    private final Map<TopicPartition, PartitionWorker> workers = new ConcurrentHashMap<>();
    private final Map<Node, ProduceExecutor> executors = new ConcurrentHashMap<>();
    private final DeliveryFailureListener failures;
    private final DeliveryListener
            deliveries; // null unless failures is one: no per-record cost then
    private final AtomicBoolean resetting = new AtomicBoolean();
    private volatile ProducerIdentity identity = ProducerIdentity.NONE;
    private volatile boolean flushing;
    private final LongAdder ackedRecords = new LongAdder();
    private final Map<String, LongAdder> failuresByReason = new ConcurrentHashMap<>();

    private KafkaEngine(
            KafkaSettings settings, DeliveryFailureListener failures, LongSupplier clockMs) {
        this.settings = settings;
        this.failures = failures;
        this.deliveries = failures instanceof DeliveryListener d ? d : null;
        this.clockMs = clockMs;
        this.encoder = new RecordBatchEncoder(settings.compressionType());
        this.clientId = "ferry-" + Long.toHexString(System.nanoTime() & 0xffffff);
        this.control = new ControlLoop(settings, metadata, clockMs);
        // A worker whose executor cannot send, or which has none (no leader known), still expires
        // its events after delivery.timeout.ms: nothing waits forever.
        control.onTick(
                () -> {
                    long now = clockMs.getAsLong();
                    workers.values().forEach(w -> w.expire(now));
                });
        this.controlThread = new Thread(control, "ferry-kafka-control");
        controlThread.setDaemon(true);
        controlThread.start();
        this.mapper =
                Mapper.builder(new KafkaResolver())
                        .retryBackoffMs(settings.retryBackoffMs())
                        .threadName("ferry-kafka-mapper")
                        .start();
    }

    /**
     * Starts an engine: connects, and with idempotence fetches a producer id (waiting at most
     * {@code delivery.timeout.ms}).
     *
     * @throws IllegalStateException when Kafka cannot be reached in time, saying why
     */
    public static KafkaEngine start(KafkaSettings settings, DeliveryFailureListener failures) {
        KafkaEngine engine =
                new KafkaEngine(
                        settings,
                        failures == null ? DeliveryFailureListener.NONE : failures,
                        System::currentTimeMillis);
        if (settings.idempotence()) {
            try {
                ProducerIdAndEpoch id =
                        engine.control
                                .initProducerId()
                                .get(settings.deliveryTimeoutMs(), TimeUnit.MILLISECONDS);
                engine.identity = new ProducerIdentity(id.producerId(), id.epoch(), 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                engine.close();
                throw new IllegalStateException("interrupted while connecting to Kafka", e);
            } catch (ExecutionException | TimeoutException e) {
                engine.close();
                throw new IllegalStateException(
                        "cannot get an idempotent producer id from Kafka at "
                                + settings.bootstrapServers()
                                + " within delivery.timeout.ms="
                                + settings.deliveryTimeoutMs()
                                + ": "
                                + e,
                        e);
            }
        }
        return engine;
    }

    long clockMs() {
        return clockMs.getAsLong();
    }

    ProducerIdentity identity() {
        return identity;
    }

    boolean flushing() {
        return flushing;
    }

    /** Sends every queued event now, ignoring linger.ms (used by a graceful close). */
    public void flush() {
        flushing = true;
        executors.values().forEach(ProduceExecutor::wakeup);
    }

    // ---- routing -------------------------------------------------------------------------------

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
     * The partition count of {@code topic}, refreshing metadata (which creates the topic when the
     * cluster auto-creates) for at most {@code request.timeout.ms}; -1 when it does not exist.
     */
    int partitionCount(String topic) {
        int n = metadata.partitionCount(topic);
        if (n > 0) {
            return n;
        }
        // A topic created a moment ago may not have reached the node we ask yet: ask again, with
        // backoff, for up to UNKNOWN_TOPIC_WAIT_MS (capped by request.timeout.ms).
        long deadline = clockMs() + Math.min(settings.requestTimeoutMs(), UNKNOWN_TOPIC_WAIT_MS);
        while (true) {
            long left = deadline - clockMs();
            try {
                control.refresh(Set.of(topic)).get(Math.max(1, left), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return metadata.partitionCount(topic);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("metadata for topic {} not available: {}", topic, e.toString());
            }
            n = metadata.partitionCount(topic);
            if (n > 0 || clockMs() + settings.retryBackoffMs() >= deadline) {
                return n;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(
                    TimeUnit.MILLISECONDS.toNanos(Math.max(10, settings.retryBackoffMs())));
        }
    }

    /** Why {@code topic} has no metadata, for error messages. */
    String topicProblem(String topic) {
        var e = metadata.topicError(topic);
        return e == null
                ? "UNKNOWN_TOPIC_OR_PARTITION: no metadata for topic '" + topic + "'"
                : e.name() + ": topic '" + topic + "' (" + e.message() + ")";
    }

    /**
     * The cache saw a partition's leader change (metadata or hint): move its worker. Any thread.
     */
    private void leaderMoved(TopicPartition tp) {
        PartitionWorker w = workers.get(tp);
        Mapper<Node, ProduceExecutor> m = mapper;
        if (w != null && m != null) {
            try {
                m.triggerReassign(w);
            } catch (MapperStoppedException e) {
                // closing: nothing to move
            }
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // completion is all a caller waits for
    void refreshMetadata(String topic) {
        control.refresh(Set.of(topic));
    }

    void reassign(PartitionWorker w) {
        mapper.triggerReassign(w);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // completion is all a caller waits for
    void nodeFailed(Node node) {
        mapper.nodeFailed(node);
        Set<String> topics = new java.util.HashSet<>();
        workers.keySet().forEach(tp -> topics.add(tp.topic()));
        if (!topics.isEmpty()) {
            control.refresh(topics);
        }
    }

    /**
     * Asks for a new producer id/epoch once per generation (the broker lost our producer state).
     */
    @SuppressWarnings("FutureReturnValueIgnored") // completion is all a caller waits for
    void resetIdentity(int observedGeneration, String why) {
        if (!settings.idempotence()
                || identity.generation() != observedGeneration
                || !resetting.compareAndSet(false, true)) {
            return;
        }
        LOG.warn(
                "idempotent producer state lost ({}); getting a new producer id, sequences restart",
                why);
        control.initProducerId()
                .whenComplete(
                        (id, err) -> {
                            if (id != null) {
                                identity =
                                        new ProducerIdentity(
                                                id.producerId(),
                                                id.epoch(),
                                                identity.generation() + 1);
                            }
                            resetting.set(false);
                            executors.values().forEach(ProduceExecutor::wakeup);
                        });
    }

    // ---- outcomes ------------------------------------------------------------------------------

    void acked(PartitionWorker.InFlight b, int partition, long baseOffset) {
        ackedRecords.add(b.records.size());
        if (deliveries != null) {
            // a batch's records sit at consecutive offsets from its base offset, in batch order
            long offset = baseOffset;
            for (PartitionWorker.Pending p : b.records) {
                try {
                    deliveries.onDelivered(p.event(), partition, baseOffset < 0 ? -1 : offset++);
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

    void fail(PartitionWorker.Pending p, String reason) {
        String key = reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason;
        failuresByReason.computeIfAbsent(key, k -> new LongAdder()).increment();
        try {
            failures.onFailure(p.event(), reason);
        } catch (RuntimeException e) {
            LOG.warn("delivery failure listener failed", e);
        }
        p.tracker().done(1);
    }

    // ---- stats ---------------------------------------------------------------------------------

    /** Records acknowledged by Kafka so far. */
    public long ackedRecords() {
        return ackedRecords.sum();
    }

    /** Failed records so far, by reason (Kafka's error name or DELIVERY_TIMEOUT ...). */
    public Map<String, Long> failuresByReason() {
        Map<String, Long> m = new HashMap<>();
        failuresByReason.forEach((k, v) -> m.put(k, v.sum()));
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
            r += e.requestsSent;
            p += e.partitionsSent;
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

    @Override
    public void close() {
        try {
            if (mapper != null) {
                workers.values().forEach(mapper::onWorkerStopped);
                mapper.stop();
            }
        } finally {
            control.close();
            try {
                controlThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Resolves workers to partition leaders from the cache; spawns executors. Mapper thread only.
     */
    private final class KafkaResolver implements Resolver<Node, ProduceExecutor> {
        @Override
        @SuppressWarnings("FutureReturnValueIgnored") // a refresh: the mapper retries
        public Node resolveNode(Worker<ProduceExecutor> worker) {
            TopicPartition tp = ((PartitionWorker) worker).tp;
            Node leader = metadata.leader(tp);
            if (leader == null) {
                control.refresh(Set.of(tp.topic()));
            }
            return leader;
        }

        @Override
        public ProduceExecutor spawnExecutor(Node node) {
            ProduceExecutor e = new ProduceExecutor(node, KafkaEngine.this).start();
            executors.put(node, e);
            return e;
        }
    }

    /** Removes a stopped executor from the live map (called by the executor's stop). */
    void executorStopped(ProduceExecutor e) {
        executors.remove(e.node(), e);
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
}
