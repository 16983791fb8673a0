package io.ferry.gateway;

import io.ferry.kafka.TopicInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * kafka-pixy's metadata calls over {@link ClusterQueries}: {@code GET /topics} and {@code GET
 * /topics/{topic}}, in kafka-pixy's JSON; event-loop threads of the kafka-pixy listener only.
 *
 * <pre>
 * GET /topics                         ["a","b"]
 * GET /topics?withPartitions          {"a":{"partitions":[{"partition":0,"leader":1,"replicas":[1],"isr":[1]}]}, ...}
 * GET /topics/a?withPartitions        {"partitions":[...]}
 * </pre>
 *
 * Topic configs ({@code withConfig}, and the {@code config} kafka-pixy adds to {@code GET
 * /topics/{topic}}) are not served: kafka-pixy read them from ZooKeeper, and the engine fetches
 * only the few it checks records against (docs/gateway.md, "kafka-pixy compatibility").
 */
final class PixyTopics {
    private final PixyRestApi api;
    private final ClusterQueries queries;

    PixyTopics(PixyRestApi api, ClusterQueries queries) {
        this.api = api;
        this.queries = queries;
    }

    /**
     * {@code GET /topics[?withPartitions]}: the names; with {@code withPartitions} each topic's
     * partitions (one metadata refresh per topic, answered together).
     */
    void list(Exchange ex) {
        boolean withPartitions = flag(ex, "withPartitions");
        boolean withConfig = flag(ex, "withConfig");
        String cluster = api.clusterName(ex);
        answer(
                ex,
                queries.listTopics(ex.caller, cluster),
                listing -> {
                    List<String> names = listing.topics();
                    if (!withPartitions && !withConfig) {
                        PixyRestApi.json(ex, 200, new JsonArray(List.copyOf(names)).toBuffer());
                    } else if (!withPartitions) {
                        JsonObject body = new JsonObject();
                        names.forEach(n -> body.put(n, new JsonObject()));
                        PixyRestApi.json(ex, 200, body);
                    } else {
                        describeAll(ex, cluster, names);
                    }
                });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void describeAll(Exchange ex, String cluster, List<String> names) {
        List<CompletableFuture<ClusterQueries.Answer<ClusterQueries.TopicDescription>>> all =
                new ArrayList<>(names.size());
        for (String n : names) {
            all.add(queries.describeTopic(ex.caller, cluster, n).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .whenComplete(
                        (v, err) ->
                                ex.caller
                                        .executor()
                                        .execute(
                                                () -> {
                                                    try {
                                                        answerAll(ex, names, all, err);
                                                    } catch (RuntimeException e) {
                                                        api.fail(ex, e);
                                                    }
                                                }));
    }

    private void answerAll(
            Exchange ex,
            List<String> names,
            List<CompletableFuture<ClusterQueries.Answer<ClusterQueries.TopicDescription>>> all,
            Throwable err) {
        if (err != null) {
            throw new IllegalStateException(err);
        }
        JsonObject body = new JsonObject();
        for (int i = 0; i < names.size(); i++) {
            ClusterQueries.Answer<ClusterQueries.TopicDescription> a = all.get(i).join();
            if (a.refusal() != null) {
                if (a.refusal().code() == ProduceRefusal.Code.UNKNOWN_TOPIC) {
                    continue; // deleted since the listing
                }
                api.refused(ex, a.refusal());
                return;
            }
            body.put(names.get(i), partitions(a.value().topic()));
        }
        PixyRestApi.json(ex, 200, body);
    }

    /**
     * {@code GET /topics/{topic}[?withPartitions]}: {@code {"partitions":[...]}} with {@code
     * withPartitions}, else {@code {}}; an unknown topic is a 404 (kafka-pixy answers 500).
     */
    void describe(Exchange ex) {
        boolean withPartitions = flag(ex, "withPartitions");
        answer(
                ex,
                queries.describeTopic(ex.caller, api.clusterName(ex), ex.topic),
                d ->
                        PixyRestApi.json(
                                ex,
                                200,
                                withPartitions ? partitions(d.topic()) : new JsonObject()));
    }

    /** {@code {"partitions":[{"partition":..,"leader":..,"replicas":[..],"isr":[..]}]}}. */
    private static JsonObject partitions(TopicMeta topic) {
        JsonArray parts = new JsonArray();
        for (TopicInfo.Partition p : topic.partitions()) {
            parts.add(
                    new JsonObject()
                            .put("partition", p.partition())
                            .put("leader", p.leader() < 0 ? -1 : p.leader())
                            .put("replicas", new JsonArray(p.replicas()))
                            .put("isr", new JsonArray(p.isr())));
        }
        return new JsonObject().put("partitions", parts);
    }

    /** A kafka-pixy flag: present with any value, or none ({@code ?withPartitions}). */
    private static boolean flag(Exchange ex, String name) {
        return PixyForm.parse(ex.request.query()).has(name);
    }

    /**
     * Runs {@code then} with the value of {@code stage} (which completes on the request's event
     * loop); a refusal is answered with this listener's status, a failure 500.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private <T> void answer(
            Exchange ex, CompletionStage<ClusterQueries.Answer<T>> stage, Consumer<T> then) {
        stage.whenComplete(
                (a, err) -> {
                    try {
                        if (err != null) {
                            throw new IllegalStateException(err);
                        }
                        if (a.refusal() != null) {
                            api.refused(ex, a.refusal());
                        } else {
                            then.accept(a.value());
                        }
                    } catch (RuntimeException e) {
                        api.fail(ex, e);
                    }
                });
    }
}
