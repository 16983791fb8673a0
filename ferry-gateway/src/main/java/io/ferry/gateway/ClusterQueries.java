package io.ferry.gateway;

import io.ferry.kafka.ClusterStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The questions a front end asks about the configured clusters, transport neutral: topic listings,
 * topic descriptions, readiness. Any thread; the stages complete on the caller's {@link
 * CallContext#executor()}, and never wait for Kafka longer than {@link TopicCheck#TIMEOUT_MS} (then
 * from the engine's cache, marked stale). Refusals use {@link ProduceRefusal.Code}s.
 */
final class ClusterQueries {
    /**
     * An answer: exactly one of {@code value} and {@code refusal} is set.
     *
     * @param value the answer
     * @param refusal why there is none
     */
    record Answer<T>(T value, ProduceRefusal refusal) {
        static <T> Answer<T> of(T value) {
            return new Answer<>(value, null);
        }

        static <T> Answer<T> refused(ProduceRefusal.Code code, String message) {
            return new Answer<>(null, new ProduceRefusal(code, message));
        }
    }

    /**
     * The topics of a cluster.
     *
     * @param cluster the cluster
     * @param topics their names, as Kafka listed them
     * @param stale true when Kafka did not answer in time: the last listing
     */
    record TopicListing(String cluster, List<String> topics, boolean stale) {}

    /**
     * One topic of a cluster, known to exist.
     *
     * @param cluster the cluster
     * @param topic what the engine's cache knows (state {@code KNOWN})
     * @param stale true when Kafka did not answer in time: from the cache, {@code topic.ageMs()}
     *     old
     */
    record TopicDescription(String cluster, TopicMeta topic, boolean stale) {}

    /**
     * One cluster's readiness, from its engine's status.
     *
     * @param cluster the cluster
     * @param status the engine's status
     * @param nodes the number of nodes its metadata names
     */
    record ClusterReadiness(String cluster, ClusterStatus status, int nodes, double fill) {
        /**
         * Why the cluster is ready but holding some events back, or null: a condition such as a
         * topic Kafka refuses (parked), or a broker at least {@link #DEGRADED_FILL} full.
         */
        String degraded() {
            if (!status.ready()) {
                return null;
            }
            if (status.degraded()) {
                return status.reason();
            }
            if (fill >= DEGRADED_FILL) {
                return "the broker is "
                        + Math.round(fill * 100)
                        + "% full: Kafka is not taking events as fast as they arrive; requests get"
                        + " 429 when it is full";
            }
            return null;
        }
    }

    /** A broker at least this full makes {@code /readyz} say "degraded" (still 200). */
    static final double DEGRADED_FILL = 0.8;

    /**
     * Readiness of the clusters asked about.
     *
     * @param shuttingDown the gateway is shutting down: not ready, whatever the clusters say
     * @param clusters each cluster asked about, in configuration order (empty when shutting down)
     */
    record Readiness(boolean shuttingDown, List<ClusterReadiness> clusters) {
        /** Ready: not shutting down, every cluster asked about ready. */
        boolean ready() {
            if (shuttingDown) {
                return false;
            }
            for (ClusterReadiness c : clusters) {
                if (!c.status().ready()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Map<String, ? extends ClusterBackend> clusters;
    private final BooleanSupplier shuttingDown;
    private final Authorizer authorizer;

    /**
     * @param clusters the configured clusters by name, in configuration order
     * @param shuttingDown true once the gateway is shutting down
     * @param authorizer who may describe what: a description is refused, a listing filtered
     */
    ClusterQueries(
            Map<String, ? extends ClusterBackend> clusters,
            BooleanSupplier shuttingDown,
            Authorizer authorizer) {
        this.clusters = clusters;
        this.shuttingDown = shuttingDown;
        this.authorizer = authorizer;
    }

    /** Everybody may describe everything (tests). */
    ClusterQueries(Map<String, ? extends ClusterBackend> clusters, BooleanSupplier shuttingDown) {
        this(clusters, shuttingDown, Authorizer.ALLOW_ALL);
    }

    /** The topics of {@code names} that {@code caller} may describe (all, usually: no copy). */
    private List<String> describable(CallContext caller, String cluster, List<String> names) {
        List<String> out = null;
        for (int i = 0; i < names.size(); i++) {
            boolean may = authorizer.mayDescribe(caller, cluster, names.get(i));
            if (!may && out == null) {
                out = new ArrayList<>(names.subList(0, i));
            } else if (may && out != null) {
                out.add(names.get(i));
            }
        }
        return out == null ? names : List.copyOf(out);
    }

    private ProduceRefusal unknown(String cluster) {
        return new ProduceRefusal(
                ProduceRefusal.Code.UNKNOWN_CLUSTER,
                "no cluster '" + cluster + "'; configured: " + new TreeSet<>(clusters.keySet()));
    }

    private static <T> CompletionStage<Answer<T>> now(Answer<T> a) {
        return CompletableFuture.completedFuture(a);
    }

    private static ProduceRefusal kafkaUnavailable(ClusterBackend c, String what) {
        return new ProduceRefusal(
                ProduceRefusal.Code.KAFKA_UNAVAILABLE,
                what
                        + " needs Kafka of cluster '"
                        + c.name()
                        + "', which does not answer now: "
                        + c.status().reason());
    }

    /**
     * Lists the cluster's topics from Kafka; while Kafka does not answer (within {@link
     * TopicCheck#TIMEOUT_MS}), the last listing, saying so; {@code KAFKA_UNAVAILABLE} when there is
     * none. Only the topics {@code caller} may describe are listed.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    CompletionStage<Answer<TopicListing>> listTopics(CallContext caller, String cluster) {
        ClusterBackend c = clusters.get(cluster);
        if (c == null) {
            return now(new Answer<>(null, unknown(cluster)));
        }
        CompletableFuture<Answer<TopicListing>> out = new CompletableFuture<>();
        Executor back = caller.executor();
        c.listTopics()
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (names, err) ->
                                back.execute(
                                        () -> {
                                            List<String> got =
                                                    err == null ? names : c.lastTopicListing();
                                            out.complete(
                                                    got == null
                                                            ? new Answer<>(
                                                                    null,
                                                                    kafkaUnavailable(
                                                                            c, "listing topics"))
                                                            : Answer.of(
                                                                    new TopicListing(
                                                                            c.name(),
                                                                            describable(
                                                                                    caller,
                                                                                    c.name(), got),
                                                                            err != null)));
                                        }));
        return out;
    }

    /**
     * Describes a topic from Kafka (one bounded refresh); while Kafka does not answer, from the
     * engine's cache, saying how old it is. Refusals: {@code UNKNOWN_CLUSTER}, {@code
     * NOT_AUTHORIZED} (before anything about the topic: the same for a missing topic), {@code
     * INVALID_TOPIC}, {@code UNKNOWN_TOPIC}, {@code KAFKA_UNAVAILABLE}, {@code KAFKA_ERROR}.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    CompletionStage<Answer<TopicDescription>> describeTopic(
            CallContext caller, String cluster, String topic) {
        ClusterBackend c = clusters.get(cluster);
        if (c == null) {
            return now(new Answer<>(null, unknown(cluster)));
        }
        ProduceRefusal denied = authorizer.authorizeDescribe(caller, c.name(), topic);
        if (denied != null) {
            return now(new Answer<>(null, denied));
        }
        if (!RecordReader.validTopic(topic)) {
            return now(
                    Answer.refused(
                            ProduceRefusal.Code.INVALID_TOPIC,
                            "topic name '"
                                    + topic
                                    + "' is not valid: use 1 to 249 of the "
                                    + "characters a-z A-Z 0-9 . _ - (and not '.' or '..')"));
        }
        CompletableFuture<Answer<TopicDescription>> out = new CompletableFuture<>();
        Executor back = caller.executor();
        c.refreshTopic(topic)
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (fresh, err) ->
                                back.execute(
                                        () ->
                                                out.complete(
                                                        describe(
                                                                c,
                                                                err == null
                                                                        ? fresh
                                                                        : c.topic(topic),
                                                                err != null))));
        return out;
    }

    private static Answer<TopicDescription> describe(
            ClusterBackend c, TopicMeta info, boolean stale) {
        String topic = info.name();
        return switch (info.state()) {
            case MISSING ->
                    Answer.refused(
                            ProduceRefusal.Code.UNKNOWN_TOPIC,
                            "topic '" + topic + "' does not exist in cluster '" + c.name() + "'");
            case UNKNOWN ->
                    new Answer<>(null, kafkaUnavailable(c, "describing topic '" + topic + "'"));
            case FAILED ->
                    Answer.refused(
                            ProduceRefusal.Code.KAFKA_ERROR,
                            "Kafka answered " + info.kafkaError() + " for topic '" + topic + "'");
            case KNOWN -> Answer.of(new TopicDescription(c.name(), info, stale));
        };
    }

    /**
     * Ready when every cluster asked about (all when {@code cluster} is null) is ready and the
     * gateway is not shutting down; from the engines' status at once, never waiting for Kafka.
     */
    Answer<Readiness> readiness(String cluster) {
        List<ClusterBackend> check;
        if (cluster == null) {
            check = List.copyOf(clusters.values());
        } else {
            ClusterBackend c = clusters.get(cluster);
            if (c == null) {
                return new Answer<>(null, unknown(cluster));
            }
            check = List.of(c);
        }
        if (shuttingDown.getAsBoolean()) {
            return Answer.of(new Readiness(true, List.of()));
        }
        List<ClusterReadiness> out = new ArrayList<>(check.size());
        for (ClusterBackend c : check) {
            out.add(new ClusterReadiness(c.name(), c.status(), c.nodeCount(), c.fillRatio()));
        }
        return Answer.of(new Readiness(false, List.copyOf(out)));
    }
}
