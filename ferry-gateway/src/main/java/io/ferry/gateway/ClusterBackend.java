package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.TopicConfigs;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the transport-neutral services ({@link ProduceService}, {@link ClusterQueries}) need of one
 * configured Kafka cluster: its engine's status and metadata cache, and its broker. {@link
 * ClusterRuntime} is the real one; the services' unit tests use a fake. The publish methods and
 * {@link #whenStored} are called on the caller's thread only (each thread has its own broker
 * producer); the rest from any thread, never blocking.
 */
interface ClusterBackend {
    /** A record published at ack=kafka, waiting for Kafka's answer. */
    interface Awaiting {
        /**
         * Gives up waiting: true when no answer came before (the outcome will never be called, and
         * the cluster keeps no reference to it); false when it was answered already. Any thread;
         * the record itself stays queued.
         */
        boolean expire();
    }

    /** The cluster's configured name. */
    String name();

    /** Kafka's max.request.size: a larger record is refused before it is accepted. */
    int maxRecordBytes();

    /** Kafka's delivery.timeout.ms: how long an ack=kafka answer waits at most. */
    long deliveryTimeoutMs();

    /** The broker acknowledges producers once it stored events durably (ack=local waits). */
    boolean durableAcks();

    /**
     * How full the broker is, 0..1 (the larger of events and bytes over their capacities); {@code
     * /readyz} says "degraded" from {@link ClusterQueries#DEGRADED_FILL}.
     */
    default double fillRatio() {
        return 0;
    }

    /**
     * What the engine knows of {@code topic}'s configs, or null when nothing is (then no record is
     * checked against them); never waits for Kafka.
     */
    TopicConfigs topicConfigs(String topic);

    /**
     * True when the engine sends batches uncompressed ({@code compression.type=none}): only then is
     * a record's size at the broker certain before it is sent.
     */
    boolean uncompressed();

    /** The engine's clock, in milliseconds since the epoch (the time records are checked at). */
    long nowMs();

    /** What the engine can do now (never waits for Kafka). */
    ClusterStatus status();

    /** The condition by which Kafka refuses this gateway now, or null; cheap. */
    ClusterCondition refusal();

    /** True when the cache knows {@code topic} with more than {@code maxPartition} partitions. */
    boolean covers(String topic, int maxPartition);

    /** What the cache knows of {@code topic} now; never asks Kafka. */
    TopicMeta topic(String topic);

    /** Asks Kafka for {@code topic}, then completes with what the cache knows. */
    CompletableFuture<TopicMeta> refreshTopic(String topic);

    /** The names of the cluster's topics (not internal ones), from Kafka. */
    CompletableFuture<List<String>> listTopics();

    /** The names of the last full listing, or null when none was taken yet. */
    List<String> lastTopicListing();

    /** The number of nodes the metadata names. */
    int nodeCount();

    /** Hands {@code e} to the broker (ack none/local); false when the broker is full or closed. */
    boolean publish(Event e);

    /**
     * Hands {@code e} to the broker and has {@code outcome} answered once with its fate in Kafka
     * (from any thread), unless {@link Awaiting#expire expired} first; null when the broker is full
     * or closed (then nothing was accepted and {@code outcome} is never called).
     */
    Awaiting publish(Event e, RecordOutcome outcome);

    /**
     * Runs {@code stored} (on any thread) once the broker durably stored every event this thread
     * published so far; only when {@link #durableAcks()}.
     */
    void whenStored(Runnable stored);

    /** Events the broker holds now. */
    long bufferedEvents();

    /** Logs a warning at most once per {@code code} every few seconds. */
    void warnLimited(String code, String format, Object... args);
}
