package io.ferry.gateway;

import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.BufferConfig;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.DeadLetterSink;
import io.ferry.kafka.DeadLetters;
import io.ferry.kafka.DeliveryFailure;
import io.ferry.kafka.DeliveryListener;
import io.ferry.kafka.FerryPipeline;
import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaOutput;
import io.ferry.kafka.TopicConfigs;
import io.ferry.kafka.consume.ConsumeEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured Kafka cluster inside the gateway: its {@link FerryPipeline} (broker + engine,
 * whose metadata cache answers the topic checks and endpoints), and the records waiting for Kafka's
 * answer. {@link #publish} is called on Vert.x event-loop threads (each gets its own broker
 * producer); the delivery callbacks come from engine threads.
 */
final class ClusterRuntime implements ClusterBackend, DeliveryListener, AutoCloseable {
    /* Design notes
     * Producers: a broker Producer is used by one thread at a time, so each event-loop thread gets
     * its own (a ThreadLocal; event-loop threads live as long as the gateway). ack=kafka is the
     * engine's per-record DeliveryListener. ack=local is "tryPublish returned true" for a broker
     * that acks producers only after Kafka (memory); for one that acks on durable store (disk) it
     * waits for the producer's ack count to pass the request's last event (acks come in publish
     * order). Only then do producers have an ack listener, so the memory broker keeps no per-event
     * ack bookkeeping for the gateway.
     * Waiting records: AwaitingRecords registers an ack=kafka waiter under the sequence the
     * broker gives its event (tryPublishSeq; broker-spec rule 1.8), and the engine reports every
     * record by that sequence (onDelivered/onFailure and the drop listener), for both brokers
     * alike: a waiter is answered by its own record's outcome only, never by an equal record's
     * (issue 12). An outcome that comes before the registration is kept for it (AwaitingRecords).
     * Refusal: when the cluster's status says Kafka refuses this gateway (authentication, ACLs,
     * versions), every waiting ack=kafka answer fails at once with the reason (Waiter answers
     * once, whichever comes first); the records stay queued.
     * Close: FerryPipeline.close drains what the broker holds; the memory broker reports what it
     * still held to the producers' drop listeners: those are counted, logged and failed.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

    final String name;
    final FerryPipeline pipeline;

    /** Kafka's max.request.size: a larger record is refused with 413 before it is accepted. */
    final int maxRecordBytes;

    private final boolean uncompressed;

    /** Kafka's delivery.timeout.ms: the longest an ack=kafka answer waits. */
    private final long deliveryTimeoutMs;

    /**
     * The ack=kafka records waiting for Kafka's answer. Null until the pipeline has started (its
     * mode depends on the broker): the engine may report records a durable broker recovered before
     * that, and nobody waits for those.
     */
    private volatile AwaitingRecords waiting;

    private final ThreadLocal<LoopProducer> producers;

    /**
     * The broker acks producers once events are stored durably (the disk broker): ack=local waits
     * for that.
     */
    final boolean durableAcks;

    final LongAdder bytesSent = new LongAdder();
    final LongAdder dropped = new LongAdder();

    /** Records failed for good, by DeliveryFailure.Code name. */
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    /** The dead letter; null when the configuration turned it off. */
    private final DeadLetters deadLetters;

    /** Events the memory broker still held at shutdown, kept in the local dead letter. */
    final LongAdder undeliveredKept = new LongAdder();

    /** Refusing conditions raised by the cluster, by ClusterCondition.Kind name. */
    final Map<String, LongAdder> conditions = new ConcurrentHashMap<>();

    /** The answers waiting for Kafka now (ack=kafka), so a refusal can fail them at once. */
    private final Set<Waiter> live = ConcurrentHashMap.newKeySet();

    private final Map<String, AtomicLong> lastLoggedMs = new ConcurrentHashMap<>();

    ClusterRuntime(String name, GatewayConfig.Cluster config) {
        this.name = name;
        this.maxRecordBytes = config.kafka().maxRequestSizeBytes();
        this.uncompressed = "none".equalsIgnoreCase(config.kafka().compressionType().trim());
        this.deliveryTimeoutMs = config.kafka().deliveryTimeoutMs();
        LOG.info(
                "cluster {}: connecting to Kafka at {} in the background",
                name,
                config.kafka().bootstrapServers());
        GatewayConfig.DeadLetter dl = config.deadLetter();
        if (dl.enabled()) {
            this.deadLetters =
                    DeadLetters.of(
                            name,
                            dl.directoryFor(name, config.broker()),
                            dl.maxBytes(),
                            dl.topic());
            LOG.info(
                    "cluster {}: events Kafka refuses for good go to the dead letter ({}{})",
                    name,
                    dl.topic() == null ? "" : "topic '" + dl.topic() + "', else ",
                    deadLetters.directory());
        } else {
            this.deadLetters = null;
            LOG.warn(
                    "cluster {}: the dead letter is off (dead-letter.enabled: false): events Kafka"
                            + " refuses for good are logged, counted and dropped",
                    name);
        }
        this.pipeline =
                FerryPipeline.start(
                        withFlushDefaults(config.broker()),
                        KafkaCluster.builder(config.kafka()).name(name),
                        this,
                        deadLetters == null ? DeadLetterSink.NONE : deadLetters,
                        this::dropped);
        this.durableAcks =
                pipeline.broker().capabilities().contains(BrokerCapability.ACKS_ON_DURABLE_STORE);
        this.waiting = new AwaitingRecords();
        this.producers =
                ThreadLocal.withInitial(
                        () -> new LoopProducer(pipeline, this::dropped, durableAcks));
        pipeline.cluster().addStatusListener(this::onStatus);
    }

    /**
     * Where the consume engine puts messages past their redelivery limit: this cluster's local dead
     * letter (the one undeliverable events go to), or only a log line when it is off.
     */
    ConsumeEngine.ConsumeDeadLetter consumeDeadLetter() {
        DeadLetters dl = deadLetters;
        if (dl == null) {
            return ConsumeEngine.ConsumeDeadLetter.logOnly();
        }
        return r -> {
            try {
                return ConsumeEngine.ConsumeDeadLetter.local(dl.localStore()).store(r);
            } catch (java.io.IOException e) {
                logLimited(
                        "consume-dead-letter",
                        "cluster {}: the dead letter in {} cannot be opened ({}); messages past"
                                + " their redelivery limit stay unacknowledged until it can",
                        name,
                        dl.directory(),
                        e.toString());
                return false;
            }
        };
    }

    /** The cluster's engine: its status, topics and metadata (the gateway's one source). */
    KafkaCluster kafka() {
        return pipeline.cluster();
    }

    /**
     * Kafka refuses this gateway (credentials, ACLs, versions): every answer waiting for Kafka
     * fails now with the reason, instead of waiting for delivery.timeout.ms; the records stay
     * queued, and are delivered once an operator fixes the cause. Engine threads.
     */
    private void onStatus(ClusterStatus status) {
        ClusterCondition refusal = status.refusal();
        if (refusal == null) {
            return;
        }
        conditions.computeIfAbsent(refusal.kind().name(), k -> new LongAdder()).increment();
        DeliveryFailure f = refusalFailure(refusal);
        for (Waiter w : live) {
            w.failed(f);
        }
    }

    /** The failure an answer that waits for Kafka gets while Kafka refuses this gateway. */
    static DeliveryFailure refusalFailure(ClusterCondition refusal) {
        DeliveryFailure.Code code =
                switch (refusal.kind()) {
                    case AUTHENTICATION -> DeliveryFailure.Code.AUTHENTICATION;
                    case AUTHORIZATION -> DeliveryFailure.Code.AUTHORIZATION;
                    case UNSUPPORTED_VERSION -> DeliveryFailure.Code.UNSUPPORTED_VERSION;
                    default -> DeliveryFailure.Code.KAFKA_ERROR;
                };
        return DeliveryFailure.of(
                code,
                "Kafka refuses this gateway ("
                        + refusal.message()
                        + "); the record is kept and sent once an operator fixes it");
    }

    /**
     * The gateway's flush defaults for a memory broker: {@value #FLUSH_MIN_EVENTS} events or
     * {@value #FLUSH_TIMEOUT}.
     */
    static final int FLUSH_MIN_EVENTS = 2048;

    static final String FLUSH_TIMEOUT = "1ms";

    /**
     * A memory broker without flush settings gets the gateway's: the engine then takes events in
     * batches of up to 2048 or after 1 ms, instead of being woken for almost every HTTP request's
     * event (a lock and a futex call on the event loop each time). Measured in docs/gateway.md.
     */
    static BrokerConfig withFlushDefaults(BrokerConfig broker) {
        if (!broker.type().equals("memory")
                || broker.settings().containsKey("flush.min_events")
                || broker.settings().containsKey("flush.timeout")) {
            return broker;
        }
        Map<String, Object> settings = new LinkedHashMap<>(broker.settings());
        settings.put("flush.min_events", FLUSH_MIN_EVENTS);
        settings.put("flush.timeout", FLUSH_TIMEOUT);
        return BrokerConfig.of(broker.type(), settings);
    }

    // ---- ClusterBackend: what the services use -------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    @Override
    public long deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    @Override
    public boolean durableAcks() {
        return durableAcks;
    }

    @Override
    public ClusterStatus status() {
        return kafka().status();
    }

    @Override
    public ClusterCondition refusal() {
        return kafka().refusal();
    }

    @Override
    public TopicConfigs topicConfigs(String topic) {
        return kafka().topicConfigs(topic);
    }

    @Override
    public boolean uncompressed() {
        return uncompressed;
    }

    @Override
    public long nowMs() {
        return kafka().nowMs();
    }

    @Override
    public boolean covers(String topic, int maxPartition) {
        return kafka().covers(topic, maxPartition);
    }

    @Override
    public TopicMeta topic(String topic) {
        return TopicMeta.of(kafka().topic(topic));
    }

    @Override
    public CompletableFuture<TopicMeta> refreshTopic(String topic) {
        return kafka().refreshTopic(topic).thenApply(TopicMeta::of);
    }

    @Override
    public CompletableFuture<List<String>> listTopics() {
        return kafka().listTopics();
    }

    @Override
    public List<String> lastTopicListing() {
        return kafka().lastTopicListing();
    }

    @Override
    public int nodeCount() {
        return kafka().nodeCount();
    }

    /**
     * Hands {@code e} to the broker without blocking (ack none/local). Event-loop threads only.
     *
     * @return false when the broker is full (or closed): nothing was accepted
     */
    @Override
    public boolean publish(Event e) {
        if (overBound()) {
            return false;
        }
        return waiting.publish(e, null, producers.get()) >= 0;
    }

    /**
     * True while events are parked aside and the broker and the lanes together hold its capacity:
     * the bound counts what is parked (docs/kafka-engine.md, "Parking"). Cheap while nothing is
     * parked, the common case.
     */
    private boolean overBound() {
        return pipeline.output().anyParked() && fillRatio() >= 1;
    }

    /**
     * Hands {@code e} to the broker without blocking; {@code outcome} hears the record's fate in
     * Kafka once (unless the returned waiter expires first). Event-loop threads only.
     *
     * @return null when the broker is full (or closed): nothing was accepted, outcome not called
     */
    @Override
    public Awaiting publish(Event e, RecordOutcome outcome) {
        if (overBound()) {
            return null;
        }
        Waiter w = new Waiter(outcome);
        live.add(w);
        boolean ok = false;
        try {
            long seq = waiting.publish(e, w, producers.get());
            ok = seq >= 0;
            w.sequence = seq;
        } finally {
            if (!ok) {
                live.remove(w); // nothing was accepted: nobody answers w
            }
        }
        return ok ? w : null;
    }

    /**
     * An answer waiting for Kafka: answered once, by the engine's outcome or by a refusal of the
     * cluster, whichever comes first, or given up by {@link #expire}; tracked while it waits. An
     * expired waiter leaves {@code waiting} at once; its record's outcome then answers nobody.
     */
    private final class Waiter implements RecordOutcome, Awaiting {
        /** Read and cleared only by whoever wins {@code done} (the CAS orders it). */
        private RecordOutcome outcome;

        private final AtomicBoolean done = new AtomicBoolean();

        /** Its record's broker sequence, set once published (before expire can run). */
        volatile long sequence = -1;

        Waiter(RecordOutcome outcome) {
            this.outcome = outcome;
        }

        @Override
        public void delivered(int partition, long offset) {
            if (done.compareAndSet(false, true)) {
                live.remove(this);
                RecordOutcome o = outcome;
                outcome = null;
                o.delivered(partition, offset);
            }
        }

        @Override
        public void failed(DeliveryFailure failure) {
            if (done.compareAndSet(false, true)) {
                live.remove(this);
                RecordOutcome o = outcome;
                outcome = null;
                o.failed(failure);
            }
        }

        @Override
        public boolean expire() {
            if (done.compareAndSet(false, true)) {
                live.remove(this);
                outcome = null; // the request it answered is free now; a late answer is ignored
                waiting.forget(sequence, this);
                return true;
            }
            return false;
        }
    }

    /** The waiters answered neither by the engine nor expired; for tests. */
    int liveWaiters() {
        return live.size();
    }

    /**
     * Runs {@code stored} (on the broker's ack thread) once the broker has durably stored every
     * event this thread published so far; only when {@link #durableAcks}. Event-loop threads only.
     */
    @Override
    public void whenStored(Runnable stored) {
        producers.get().whenStored(stored);
    }

    /**
     * How full the broker is, 0..1: the larger of its events and bytes, with what is parked aside,
     * over their capacities (a capacity it cannot state counts as 0).
     */
    @Override
    public double fillRatio() {
        BufferConfig cap = pipeline.broker().bufferConfig();
        BrokerStats s = pipeline.broker().stats();
        KafkaOutput out = pipeline.output();
        boolean parked = out.anyParked();
        long events = s.bufferedEvents() + (parked ? out.parkedEvents() : 0);
        long bytes = s.bufferedBytes() + (parked ? out.parkedBytes() : 0);
        double ev = cap.events() > 0 ? (double) events / cap.events() : 0;
        double by = cap.bytes() > 0 ? (double) bytes / cap.bytes() : 0;
        return Math.min(1, Math.max(ev, by));
    }

    /** Events the broker holds now. */
    @Override
    public long bufferedEvents() {
        return pipeline.broker().stats().bufferedEvents();
    }

    @Override
    public void onDelivered(Event event, int partition, long offset) {
        onDelivered(event, -1, partition, offset);
    }

    @Override
    public void onDelivered(Event event, long sequence, int partition, long offset) {
        bytesSent.add(event.sizeBytes());
        AwaitingRecords w = waiting;
        if (w != null) {
            w.delivered(sequence, partition, offset);
        }
    }

    @Override
    public void onFailure(Event event, DeliveryFailure reason) {
        onFailure(event, -1, reason);
    }

    @Override
    public void onFailure(Event event, long sequence, DeliveryFailure reason) {
        String code = reason.code().name();
        failures.computeIfAbsent(code, k -> new LongAdder()).increment();
        AwaitingRecords w = waiting;
        if (w != null) {
            w.failed(sequence, reason);
        }
        logLimited(
                code,
                "cluster {}: a record for topic {} will not reach Kafka: {}",
                name,
                event.topic(),
                reason);
    }

    private void dropped(Event event, long sequence) {
        // the memory broker closed with Kafka away: the event goes to the local dead letter
        DeliveryFailure why =
                DeliveryFailure.of(
                        DeliveryFailure.Code.NOT_DELIVERED,
                        "the gateway shut down before the record reached Kafka");
        if (deadLetters != null && deadLetters.storeLocally(event, why)) {
            undeliveredKept.increment();
        } else {
            dropped.increment();
        }
        AwaitingRecords w = waiting;
        if (w != null) {
            w.failed(sequence, why);
        }
    }

    @Override
    public void warnLimited(String code, String format, Object... args) {
        logLimited(code, format, args);
    }

    /** Logs at most one line per code every 5 s, so a flood of failures stays readable. */
    void logLimited(String code, String format, Object... args) {
        long now = System.currentTimeMillis();
        AtomicLong last = lastLoggedMs.computeIfAbsent(code, k -> new AtomicLong());
        long prev = last.get();
        if (now - prev >= 5_000 && last.compareAndSet(prev, now)) {
            LOG.warn(format, args);
        }
    }

    /**
     * Drains the broker into Kafka within {@code timeout} and closes; logs what could not be
     * delivered.
     *
     * @return true when everything the broker held reached Kafka (or failed for good) in time
     */
    boolean close(Duration timeout) {
        long buffered = bufferedEvents();
        long start = System.nanoTime();
        boolean settled = pipeline.close(timeout);
        if (deadLetters != null) {
            deadLetters.close();
        }
        if (undeliveredKept.sum() > 0) {
            LOG.warn(
                    "cluster {}: {} events not delivered before the shutdown timeout are kept in the"
                            + " dead letter in {} (ferry dead-letter replay sends them)",
                    name,
                    undeliveredKept.sum(),
                    deadLetters.directory());
        }
        long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
        if (settled && dropped.sum() == 0) {
            LOG.info(
                    "cluster {}: drained {} buffered events into Kafka in {} ms; {} records failed for good since start {}",
                    name,
                    buffered,
                    (System.nanoTime() - start) / 1_000_000,
                    failed,
                    failures);
        } else {
            LOG.error(
                    "cluster {}: {} events could not be delivered before the shutdown timeout of {} ms (dropped from the "
                            + "memory broker; a durable broker keeps them for its next start); {} records failed for good since start {}",
                    name,
                    dropped.sum(),
                    timeout.toMillis(),
                    failed,
                    failures);
        }
        return settled && dropped.sum() == 0;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * The broker producer of one event-loop thread: that thread publishes; with durable acks the
     * broker's ack thread reports stored counts and completes the waiters in publish order.
     */
    private static final class LoopProducer implements AwaitingRecords.Publisher {
        private final Producer producer;
        private long published; // event-loop thread only
        private long stored; // guarded by this
        private final ArrayDeque<Object[]> waiters =
                new ArrayDeque<>(); // {Long seq, Runnable}; guarded by this

        LoopProducer(
                FerryPipeline pipeline, ProducerConfig.DropListener dropped, boolean durableAcks) {
            ProducerConfig pc = ProducerConfig.DEFAULT.dropListener(dropped);
            // without durable acks no ack listener: the broker keeps no per-event ack bookkeeping
            // (rule 1.5)
            this.producer = pipeline.producer(durableAcks ? pc.ackListener(this::onAck) : pc);
        }

        @Override
        public long tryPublishSeq(Event e) {
            long seq = producer.tryPublishSeq(e);
            if (seq >= 0) {
                published++;
            }
            return seq;
        }

        void whenStored(Runnable r) {
            long seq = published;
            synchronized (this) {
                if (stored >= seq) {
                    r.run();
                } else {
                    waiters.add(new Object[] {seq, r});
                }
            }
        }

        private synchronized void onAck(int n) {
            stored += n;
            while (!waiters.isEmpty() && (Long) waiters.peek()[0] <= stored) {
                ((Runnable) waiters.poll()[1]).run();
            }
        }
    }
}
