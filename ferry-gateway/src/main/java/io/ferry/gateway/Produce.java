package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.DeliveryFailure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The produce endpoints, {@code POST /topics/{topic}/messages} and {@code .../records}; event-loop
 * threads only. Records are validated first (400, nothing accepted), then handed to the broker with
 * {@code tryPublish} (429 when it is full), then answered at the request's ack level.
 */
final class Produce {
    private final HttpApi api;
    private final GatewayConfig config;

    Produce(HttpApi api, GatewayConfig config) {
        this.api = api;
        this.config = config;
    }

    private AckLevel ack(Exchange ctx) {
        String raw = ctx.query("ack");
        if (raw == null || raw.isEmpty()) {
            return config.defaultAck();
        }
        AckLevel a = AckLevel.parse(raw);
        if (a == null) {
            throw ApiException.badRequest(
                    "invalid_ack", "ack is '" + raw + "'; expected none, local or kafka");
        }
        return a;
    }

    /**
     * A record is refused (413) when its size as the broker and the engine count it (value, topic
     * name, key, headers and {@code 24} bytes of record overhead) is over the cluster's
     * max.request.size; the message says the largest value that would fit with the same key and
     * headers.
     */
    private static void checkSize(ClusterRuntime c, Event e, String at) {
        int max = c.maxRecordBytes;
        if (e.sizeBytes() > max) {
            int value = e.value() == null ? 0 : e.value().length;
            int rest = e.sizeBytes() - value;
            throw new ApiException(
                    413,
                    "record_too_large",
                    at
                            + " is "
                            + e.sizeBytes()
                            + " bytes (a value of "
                            + value
                            + " and "
                            + rest
                            + " of topic, key, headers and record overhead), over the cluster's"
                            + " max.request.size="
                            + max
                            + "; the largest value that fits with this key and these headers is "
                            + Math.max(0, max - rest)
                            + " bytes");
        }
    }

    /**
     * Runs {@code publish} once the topic checks pass ({@link TopicCheck}); answers 404, 400 or 503
     * instead. From the engine's cache, or after one bounded refresh (then on the same event loop).
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void withTopic(
            Exchange ctx,
            ClusterRuntime c,
            String topic,
            List<Event> events,
            AckLevel ack,
            Runnable publish) {
        if (ack == AckLevel.KAFKA) {
            ClusterCondition refusal = c.kafka().refusal();
            if (refusal != null) {
                throw refused(c, refusal);
            }
        }
        if (c.kafka().covers(topic, maxPartition(events))) {
            publish.run(); // the common case: the cache says yes, nothing allocated to know it
            return;
        }
        ClusterStatus status = c.kafka().status();
        // Kafka can be asked while it is ready, or still connecting with nothing wrong seen yet
        // (the refresh is answered once connected); not when it is known not to answer
        boolean canAsk =
                status.ready()
                        || (status.state() == ClusterStatus.State.CONNECTING
                                && status.conditions().isEmpty());
        if (TopicCheck.decide(c.name, c.kafka().topic(topic), events, ack, false, canAsk)
                == TopicCheck.Verdict.ACCEPT) {
            publish.run();
            return;
        }
        Context vctx = Vertx.currentContext();
        c.kafka()
                .refreshTopic(topic)
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (info, err) ->
                                vctx.runOnContext(
                                        v -> {
                                            try {
                                                TopicCheck.decide(
                                                        c.name,
                                                        err == null ? info : c.kafka().topic(topic),
                                                        events,
                                                        ack,
                                                        err == null,
                                                        false);
                                                publish.run();
                                            } catch (ApiException e) {
                                                api.error(ctx, e);
                                            } catch (RuntimeException e) {
                                                api.fail(ctx, e);
                                            }
                                        }));
    }

    private static int maxPartition(List<Event> events) {
        int max = -1;
        for (int i = 0; i < events.size(); i++) {
            max = Math.max(max, events.get(i).partition());
        }
        return max;
    }

    /** The answer to an ack=kafka request while Kafka refuses this gateway: nothing accepted. */
    private static ApiException refused(ClusterRuntime c, ClusterCondition refusal) {
        return new ApiException(
                503,
                "kafka_refused",
                "Kafka of cluster '"
                        + c.name
                        + "' refuses this gateway: "
                        + refusal.message()
                        + "; nothing was accepted (ack=local would queue it)");
    }

    private void full(Exchange ctx, ClusterRuntime c) {
        c.logLimited(
                "BROKER_FULL",
                "cluster {}: the broker is full ({} events buffered): produce requests get 429 until "
                        + "Kafka catches up",
                c.name,
                c.bufferedEvents());
        ctx.response.putHeader(
                HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
        api.error(
                ctx,
                new ApiException(
                        429,
                        "broker_full",
                        "the broker of cluster '"
                                + c.name
                                + "' is full ("
                                + c.bufferedEvents()
                                + " events buffered): Kafka is not keeping up; retry after "
                                + config.retryAfterSeconds()
                                + " s"));
    }

    void message(Exchange ctx) {
        ClusterRuntime c = api.cluster(ctx);
        AckLevel ack = ack(ctx);
        String topic = ctx.topic;
        Event e = RecordReader.message(topic, ctx.body, ctx::query, ctx.request.headers());
        checkSize(c, e, "the record");
        withTopic(ctx, c, topic, List.of(e), ack, () -> publishMessage(ctx, c, ack, topic, e));
    }

    private void publishMessage(
            Exchange ctx, ClusterRuntime c, AckLevel ack, String topic, Event e) {
        if (ack != AckLevel.KAFKA) {
            if (!c.publish(e, null)) {
                full(ctx, c);
                return;
            }
            // {"topic":..,"ack":..} written directly: the topic passed RecordReader.topic (only
            // [a-zA-Z0-9._-]), so nothing needs escaping; same bytes as JsonObject.toBuffer,
            // without Jackson
            Buffer body =
                    Buffer.buffer(
                            "{\"topic\":\"" + topic + "\",\"ack\":\"" + ack.wireName() + "\"}");
            answerWhenStored(c, ack, () -> HttpApi.json(ctx, 202, body));
            return;
        }
        Context vctx = Vertx.currentContext();
        boolean ok =
                c.publish(
                        e,
                        new RecordOutcome() {
                            @Override
                            public void delivered(int partition, long offset) {
                                vctx.runOnContext(
                                        v ->
                                                HttpApi.json(
                                                        ctx,
                                                        200,
                                                        new JsonObject()
                                                                .put("topic", topic)
                                                                .put("partition", partition)
                                                                .put("offset", offset)));
                            }

                            @Override
                            public void failed(DeliveryFailure reason) {
                                vctx.runOnContext(v -> api.error(ctx, failure(reason)));
                            }
                        });
        if (!ok) {
            full(ctx, c);
        }
    }

    void records(Exchange ctx) {
        ClusterRuntime c = api.cluster(ctx);
        AckLevel ack = ack(ctx);
        String topic = ctx.topic;
        List<Event> events = RecordReader.batch(topic, ctx.body);
        for (int i = 0; i < events.size(); i++) {
            checkSize(c, events.get(i), "records[" + i + "]");
        }
        withTopic(ctx, c, topic, events, ack, () -> publishBatch(ctx, c, ack, topic, events));
    }

    private void publishBatch(
            Exchange ctx, ClusterRuntime c, AckLevel ack, String topic, List<Event> events) {
        int n = events.size();
        JsonObject[] results = new JsonObject[n];
        // n records + 1 guard: the answer goes once every record is settled AND the loop is over
        AtomicInteger remaining = new AtomicInteger(n + 1);
        Context vctx = Vertx.currentContext();
        Runnable settledOne =
                () -> {
                    if (remaining.decrementAndGet() == 0) {
                        // the decrement orders every results[i] write before this read
                        vctx.runOnContext(v -> answerBatch(ctx, topic, ack, results));
                    }
                };
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            int idx = i;
            RecordOutcome outcome =
                    ack != AckLevel.KAFKA
                            ? null
                            : new RecordOutcome() {
                                @Override
                                public void delivered(int partition, long offset) {
                                    results[idx] =
                                            new JsonObject()
                                                    .put("partition", partition)
                                                    .put("offset", offset);
                                    settledOne.run();
                                }

                                @Override
                                public void failed(DeliveryFailure reason) {
                                    ApiException f = failure(reason);
                                    results[idx] = errorJson(f);
                                    settledOne.run();
                                }
                            };
            if (!c.publish(events.get(i), outcome)) {
                // the rest are not attempted: keeps the records' order within the request
                for (int j = i; j < n; j++) {
                    results[j] =
                            errorJson(
                                    new ApiException(
                                            429,
                                            "broker_full",
                                            "not accepted: the broker of cluster '"
                                                    + c.name
                                                    + "' is full; retry this record and the ones after it"));
                    settledOne.run();
                }
                break;
            }
            accepted++;
            if (outcome == null) {
                results[i] = new JsonObject().put("accepted", true);
                settledOne.run();
            }
        }
        if (accepted == 0) {
            remaining.set(-1); // nothing will answer through settledOne
            full(ctx, c);
            return;
        }
        if (ack == AckLevel.LOCAL && c.durableAcks) {
            c.whenStored(settledOne); // the guard: the answer waits until the broker stored them
        } else {
            settledOne.run();
        }
    }

    /**
     * Answers now, or with {@code ack=local} on a durable broker once the broker stored the
     * records.
     */
    private static void answerWhenStored(ClusterRuntime c, AckLevel ack, Runnable answer) {
        if (ack == AckLevel.LOCAL && c.durableAcks) {
            Context vctx = Vertx.currentContext();
            c.whenStored(() -> vctx.runOnContext(v -> answer.run()));
        } else {
            answer.run();
        }
    }

    private void answerBatch(Exchange ctx, String topic, AckLevel ack, JsonObject[] results) {
        int failed = 0;
        int sameStatus = 0; // the status every failed record shares, -1 when they differ
        for (JsonObject r : results) {
            JsonObject e = r.getJsonObject("error");
            if (e != null) {
                failed++;
                int s = e.getInteger("status");
                sameStatus = sameStatus == 0 || sameStatus == s ? s : -1;
            }
        }
        if (failed > 0) {
            ctx.response.putHeader(
                    HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
        }
        // 207 only for a mix: when every record failed for one reason, that reason's status says
        // what happened (every record refused 429 is a 429, not a "multi-status" success)
        boolean allForOneReason = failed == results.length && sameStatus > 0;
        int status =
                failed == 0
                        ? ack == AckLevel.KAFKA ? 200 : 202
                        : allForOneReason ? sameStatus : 207;
        JsonObject body =
                new JsonObject()
                        .put("topic", topic)
                        .put("ack", ack.wireName())
                        .put("accepted", results.length - failed)
                        .put("failed", failed)
                        .put("results", new JsonArray(List.of((Object[]) results)));
        if (allForOneReason) {
            // an error answer has the error shape; the per-record results stay beside it
            JsonObject first = results[0].getJsonObject("error");
            body.put(
                    "error",
                    new JsonObject()
                            .put("status", sameStatus)
                            .put("code", first.getString("code"))
                            .put(
                                    "message",
                                    "every record failed; the first: "
                                            + first.getString("message")));
        }
        HttpApi.json(ctx, status, body);
    }

    private static JsonObject errorJson(ApiException e) {
        return new JsonObject()
                .put(
                        "error",
                        new JsonObject()
                                .put("status", e.status)
                                .put("code", e.code)
                                .put("message", e.getMessage()));
    }

    /** The HTTP answer to a record Kafka refused or that could not be delivered. */
    static ApiException failure(DeliveryFailure f) {
        String m = f.message();
        return switch (f.code()) {
            case RECORD_TOO_LARGE -> new ApiException(413, "record_too_large", m);
            case UNKNOWN_TOPIC -> new ApiException(404, "topic_not_found", m);
            case UNKNOWN_PARTITION -> new ApiException(400, "invalid_partition", m);
            case INVALID_TOPIC -> new ApiException(400, "invalid_topic", m);
            case INVALID_RECORD -> new ApiException(400, "invalid_record", m);
            case AUTHORIZATION -> new ApiException(403, "not_authorized", m);
            case AUTHENTICATION -> new ApiException(503, "kafka_refused", m);
            case DELIVERY_TIMEOUT -> new ApiException(504, "delivery_timeout", m);
            case NOT_DELIVERED -> new ApiException(503, "not_delivered", m);
            case INTERNAL -> new ApiException(500, "internal_error", m);
            case UNSUPPORTED_VERSION, KAFKA_ERROR -> new ApiException(502, "kafka_error", m);
        };
    }
}
