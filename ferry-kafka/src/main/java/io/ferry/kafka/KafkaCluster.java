package io.ferry.kafka;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.NetworkNodeChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One Kafka cluster as the engine sees it: its settings and client id, the channel factory, one
 * metadata cache with listeners, the control loop (metadata, coordinator lookups, requests any node
 * may answer), the topics' configs, the topics in use and the cluster's health. The produce engine
 * and, beside it, the consume engine sit on one of these. Every public method is safe from any
 * thread and never blocks on Kafka.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start(KafkaSettings.defaults("localhost:9092"));
 *         ProduceEngine produce = ProduceEngine.start(cluster, listener)) {
 *     ...
 * }
 * }</pre>
 */
public final class KafkaCluster implements AutoCloseable {
    /* Design notes
     * Threads: the control loop's own thread (none in step mode: tests call control().runOnce()).
     * start() returns at once; connecting happens in the background, and status() says how it
     * goes (CONNECTING, READY, UNAVAILABLE, REFUSED). Nothing here waits for Kafka: readers get
     * the cache's answer, and refreshes return futures the caller bounds.
     */
    private final String name;
    private final KafkaSettings settings;
    private final LongSupplier clockMs;
    private final ChannelFactory channels;
    private final MetadataCache metadata = new MetadataCache();
    private final TopicInterest interest = new TopicInterest();
    private final ClusterHealth health;
    private final ControlLoop control;
    private final TopicConfigCache topicConfigs;
    private final Thread controlThread; // null in step mode
    private final List<java.util.function.LongUnaryOperator> waitingRequests =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    private KafkaCluster(Builder b) {
        this.name = b.name == null ? b.settings.bootstrapServers() : b.name;
        this.settings = b.settings;
        this.clockMs = b.clockMs;
        this.channels =
                b.channels != null
                        ? b.channels
                        : NetworkNodeChannel.factory(
                                b.settings.connectionSettings(),
                                b.settings.clientId(),
                                b.settings.requestTimeoutMs());
        this.health = new ClusterHealth(name, clockMs);
        this.control = new ControlLoop(settings, metadata, health, channels, interest, clockMs);
        this.topicConfigs =
                new TopicConfigCache(
                        control, clockMs, settings.metadataMaxAgeMs(), CONFIGS_RETRY_MS);
        if (b.stepped) {
            controlThread = null;
        } else {
            controlThread = new Thread(control, "ferry-kafka-control-" + name);
            controlThread.setDaemon(true);
            controlThread.start();
        }
    }

    /**
     * Starts the cluster's control loop; returns at once (see {@link #status()}).
     *
     * @param settings the settings (validated by {@link KafkaSettings#from})
     * @return the cluster; close it
     */
    public static KafkaCluster start(KafkaSettings settings) {
        return builder(settings).start();
    }

    /** A builder, for a name, or (tests) another clock, fake channels and step mode. */
    public static Builder builder(KafkaSettings settings) {
        return new Builder(settings);
    }

    /** The cluster's name in log lines (the bootstrap servers unless named). */
    public String name() {
        return name;
    }

    /** The settings. */
    public KafkaSettings settings() {
        return settings;
    }

    /** The engine's clock, in milliseconds since the epoch; any thread. */
    public long nowMs() {
        return clockMs.getAsLong();
    }

    /** The {@code client.id} every connection presents. */
    public String clientId() {
        return settings.clientId();
    }

    /**
     * A control request that has waited this long means Kafka does not answer now (frozen, or
     * overloaded): the status says UNAVAILABLE at once, before any request timeout.
     */
    public static final long UNRESPONSIVE_MS = 3_000;

    /**
     * What the engine can do now, and why not. Ready means metadata was fetched, nothing refuses
     * this client, and no request to Kafka has waited more than {@link #UNRESPONSIVE_MS}.
     */
    public ClusterStatus status() {
        ClusterStatus s = health.status();
        long now = clockMs.getAsLong();
        long waiting = control.waitingMs(now);
        for (java.util.function.LongUnaryOperator w : waitingRequests) {
            waiting = Math.max(waiting, w.applyAsLong(now));
        }
        if (s.ready() && waiting > UNRESPONSIVE_MS) {
            return new ClusterStatus(
                    ClusterStatus.State.UNAVAILABLE,
                    List.of(
                            new ClusterCondition(
                                    ClusterCondition.Kind.UNREACHABLE,
                                    "control",
                                    "Kafka has not answered a request for " + waiting / 1000 + " s",
                                    now - waiting)));
        }
        return s;
    }

    /** Tells {@code listener} of every change of {@link #status()}, on the engine's threads. */
    public void addStatusListener(Consumer<ClusterStatus> listener) {
        health.addListener(listener);
    }

    /** The number of nodes the metadata names (0 before the first answer). */
    public int nodeCount() {
        return metadata.snapshot().nodes().size();
    }

    /**
     * True when the cache knows {@code topic} with more than {@code maxPartition} partitions (an
     * answer that needs nothing more); never asks Kafka, allocates nothing: the produce path's
     * check per request.
     */
    public boolean covers(String topic, int maxPartition) {
        MetadataCache.Topic t = metadata.snapshot().topic(topic);
        int n = t == null ? 0 : t.partitionCount(); // 0: missing, failed or never asked
        return n > 0 && n > maxPartition;
    }

    /** The condition by which Kafka refuses this client now, or null; cheap, any thread. */
    public ClusterCondition refusal() {
        return health.status().refusal();
    }

    /** What the cache knows of {@code topic} now; never asks Kafka. */
    public TopicInfo topic(String topic) {
        MetadataCache.Topic t = metadata.snapshot().topic(topic);
        return t == null ? TopicInfo.unknown(topic) : TopicInfo.of(t, clockMs.getAsLong());
    }

    /**
     * Asks Kafka for {@code topic} (which puts it in use), then completes with what the cache
     * knows; exceptionally when Kafka cannot be asked now. Bound the wait with {@link
     * CompletableFuture#orTimeout}.
     */
    public CompletableFuture<TopicInfo> refreshTopic(String topic) {
        interest.use(topic, clockMs.getAsLong());
        return control.refresh(Set.of(topic)).thenApply(v -> topic(topic));
    }

    /**
     * A topic whose configs could not be described is asked about again after this long (or after
     * {@code metadata.max.age.ms} when that is shorter).
     */
    static final long CONFIGS_RETRY_MS = 5_000;

    /**
     * What is known of {@code topic}'s configs ({@code max.message.bytes}, the timestamp rules), or
     * null when nothing is: not fetched yet, Kafka away, or not authorized to describe them. Never
     * blocks: for a topic the metadata knows to exist, the first call asks Kafka in the background
     * and later ones refresh at most every {@code metadata.max.age.ms}; any thread.
     */
    public TopicConfigs topicConfigs(String topic) {
        MetadataCache.Topic t = metadata.snapshot().topic(topic);
        if (t == null || t.partitionCount() == 0) {
            return topicConfigs.peek(topic); // never asks about a topic not known to exist
        }
        return topicConfigs.get(topic);
    }

    /** The names of every topic of the cluster (not internal ones), from Kafka. */
    public CompletableFuture<List<String>> listTopics() {
        return control.listTopics();
    }

    /** The topic names of the last full listing, or null when none was taken yet. */
    public List<String> lastTopicListing() {
        return metadata.snapshot().allTopics();
    }

    /**
     * Keeps {@code topic}'s metadata refreshed until {@link #releaseTopic} (a consumer that
     * subscribes holds its topics).
     */
    public void holdTopic(String topic) {
        interest.hold(topic, clockMs.getAsLong());
    }

    /** Ends one {@link #holdTopic}. */
    public void releaseTopic(String topic) {
        interest.release(topic);
    }

    // ---- for the engines (package-private) -----------------------------------------------------

    /**
     * Adds a source of "how long has my oldest request to Kafka waited, at this time" (an engine's
     * executors), for {@link #status()}; any thread.
     */
    void addWaitingRequests(java.util.function.LongUnaryOperator oldestWaitMs) {
        waitingRequests.add(oldestWaitMs);
    }

    void removeWaitingRequests(java.util.function.LongUnaryOperator oldestWaitMs) {
        waitingRequests.remove(oldestWaitMs);
    }

    long clockMs() {
        return clockMs.getAsLong();
    }

    LongSupplier clock() {
        return clockMs;
    }

    ChannelFactory channels() {
        return channels;
    }

    MetadataCache metadata() {
        return metadata;
    }

    TopicInterest interest() {
        return interest;
    }

    ClusterHealth health() {
        return health;
    }

    ControlLoop control() {
        return control;
    }

    boolean stepped() {
        return controlThread == null;
    }

    /** Stops the control loop and closes its channel; what waits on it fails. */
    @Override
    public void close() {
        if (controlThread == null) {
            control.stopStepped();
            return;
        }
        control.stop();
        try {
            controlThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (controlThread.isAlive()) {
            org.slf4j.LoggerFactory.getLogger(KafkaCluster.class)
                    .warn("cluster {}: the control thread did not stop within 10 s", name);
        }
    }

    /** Builds a {@link KafkaCluster}; one thread. */
    public static final class Builder {
        private final KafkaSettings settings;
        private String name;
        private LongSupplier clockMs = System::currentTimeMillis;
        private ChannelFactory channels;
        private boolean stepped;

        private Builder(KafkaSettings settings) {
            this.settings = java.util.Objects.requireNonNull(settings, "settings");
        }

        /** The cluster's name in log lines. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Another clock (milliseconds); real channels need the system clock. */
        Builder clock(LongSupplier clockMs) {
            this.clockMs = clockMs;
            return this;
        }

        /** Another channel factory (a fake, in tests). */
        Builder channels(ChannelFactory channels) {
            this.channels = channels;
            return this;
        }

        /** No threads: the caller steps every loop. */
        Builder stepped() {
            this.stepped = true;
            return this;
        }

        /** Starts the cluster. */
        public KafkaCluster start() {
            return new KafkaCluster(this);
        }
    }
}
