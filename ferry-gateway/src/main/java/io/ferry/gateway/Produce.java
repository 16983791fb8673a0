package io.ferry.gateway;

import io.ferry.kafka.DeliveryFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The HTTP adapter of the produce endpoints, {@code POST /topics/{topic}/messages} and {@code
 * .../records}, over {@link ProduceService}; event-loop threads only. It parses the request
 * strictly (400, nothing accepted), hands the records to the service, and maps the service's result
 * to HTTP: the refusal codes to statuses and error JSON ({@link #http}), the per-record results to
 * the answers of each ack level.
 */
final class Produce {
    /* Design notes
     * Nothing of the produce logic lives here: which checks run, in which order, when to answer at
     * which ack level and the ack=kafka timeout are ProduceService's. This class owns the wire:
     * query parameters and bodies (RecordReader), the statuses (the one mapping, http()), the
     * answer bodies and Retry-After. The service answers on the request's event loop (directly,
     * or through the verticle's context executor of the request's CallContext), so the answers
     * here are written without a hop of their own.
     */
    private final HttpApi api;
    private final GatewayConfig config;
    private final ProduceService service;

    Produce(HttpApi api, GatewayConfig config, ProduceService service) {
        this.api = api;
        this.config = config;
        this.service = service;
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

    /** The cluster the request names, checked first (as before the other parameters). */
    private String cluster(Exchange ctx) {
        String name = api.clusterName(ctx);
        ProduceRefusal unknown = service.checkCluster(name);
        if (unknown != null) {
            throw http(unknown);
        }
        return name;
    }

    void message(Exchange ctx) {
        String cluster = cluster(ctx);
        AckLevel ack = ack(ctx);
        String topic = ctx.topic;
        ProduceRecord r =
                RecordReader.messageRecord(topic, ctx.body, ctx::query, ctx.request.headers());
        service.produce(ctx.caller, cluster, topic, List.of(r), ack, new MessageAnswer(ctx, ack));
    }

    /** The answer to one {@code POST .../messages}: one record. */
    private final class MessageAnswer implements ProduceService.Callback {
        private final Exchange ctx;
        private final AckLevel ack;

        MessageAnswer(Exchange ctx, AckLevel ack) {
            this.ctx = ctx;
            this.ack = ack;
        }

        @Override
        public void completed(ProduceResult result) {
            if (result.refusal() != null) {
                refused(ctx, result.refusal());
                return;
            }
            RecordResult r = result.record(0);
            String topic = ctx.topic;
            if (!r.ok()) {
                api.error(ctx, http(r.failure()));
            } else if (ack == AckLevel.KAFKA) {
                HttpApi.json(
                        ctx,
                        200,
                        new JsonObject()
                                .put("topic", topic)
                                .put("partition", r.partition())
                                .put("offset", r.offset()));
            } else {
                // {"topic":..,"ack":..} written directly: the topic passed RecordReader.topic
                // (only [a-zA-Z0-9._-]), so nothing needs escaping; same bytes as
                // JsonObject.toBuffer, without Jackson
                HttpApi.json(
                        ctx,
                        202,
                        Buffer.buffer(
                                "{\"topic\":\""
                                        + topic
                                        + "\",\"ack\":\""
                                        + ack.wireName()
                                        + "\"}"));
            }
        }
    }

    void records(Exchange ctx) {
        String cluster = cluster(ctx);
        AckLevel ack = ack(ctx);
        String topic = ctx.topic;
        List<ProduceRecord> records = RecordReader.records(topic, ctx.body);
        service.produce(
                ctx.caller,
                cluster,
                topic,
                records,
                ack,
                result -> {
                    if (result.refusal() != null) {
                        refused(ctx, result.refusal());
                    } else {
                        answerBatch(ctx, topic, ack, result);
                    }
                });
    }

    /** A request refused whole: its status, with Retry-After when retrying later helps. */
    private void refused(Exchange ctx, ProduceRefusal why) {
        if (why.code() == ProduceRefusal.Code.BROKER_FULL) {
            ctx.response.putHeader(
                    HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
            api.error(
                    ctx,
                    new ApiException(
                            429,
                            "broker_full",
                            why.message() + "; retry after " + config.retryAfterSeconds() + " s"));
            return;
        }
        api.error(ctx, http(why));
    }

    private void answerBatch(Exchange ctx, String topic, AckLevel ack, ProduceResult result) {
        int n = result.size();
        JsonObject[] results = new JsonObject[n];
        int failed = 0;
        int sameStatus = 0; // the status every failed record shares, -1 when they differ
        ApiException first = null;
        for (int i = 0; i < n; i++) {
            RecordResult r = result.record(i);
            if (r.ok()) {
                results[i] =
                        r.delivered()
                                ? new JsonObject()
                                        .put("partition", r.partition())
                                        .put("offset", r.offset())
                                : new JsonObject().put("accepted", true);
                continue;
            }
            ApiException e = http(r.failure());
            results[i] = errorJson(e);
            failed++;
            sameStatus = sameStatus == 0 || sameStatus == e.status ? e.status : -1;
            if (i == 0) {
                first = e;
            }
        }
        if (failed > 0) {
            ctx.response.putHeader(
                    HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
        }
        // 207 only for a mix: when every record failed for one reason, that reason's status says
        // what happened (every record refused 429 is a 429, not a "multi-status" success)
        boolean allForOneReason = failed == n && sameStatus > 0;
        int status =
                failed == 0
                        ? ack == AckLevel.KAFKA ? 200 : 202
                        : allForOneReason ? sameStatus : 207;
        JsonObject body =
                new JsonObject()
                        .put("topic", topic)
                        .put("ack", ack.wireName())
                        .put("accepted", n - failed)
                        .put("failed", failed)
                        .put("results", new JsonArray(List.of((Object[]) results)));
        if (allForOneReason) {
            // an error answer has the error shape; the per-record results stay beside it
            body.put(
                    "error",
                    new JsonObject()
                            .put("status", sameStatus)
                            .put("code", first.code)
                            .put(
                                    "message",
                                    "every record failed; the first: " + first.getMessage()));
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

    /**
     * The HTTP answer to a refusal of the services: the only mapping from {@link
     * ProduceRefusal.Code} to statuses and error codes.
     */
    static ApiException http(ProduceRefusal r) {
        String m = r.message();
        return switch (r.code()) {
            case UNKNOWN_CLUSTER -> new ApiException(404, "unknown_cluster", m);
            case NOT_AUTHORIZED, KAFKA_NOT_AUTHORIZED -> new ApiException(403, "not_authorized", m);
            case INTERNAL_TOPIC -> new ApiException(403, "internal_topic", m);
            case INVALID_TOPIC -> new ApiException(400, "invalid_topic", m);
            case UNKNOWN_TOPIC -> new ApiException(404, "topic_not_found", m);
            case UNKNOWN_PARTITION -> new ApiException(400, "invalid_partition", m);
            case RECORD_TOO_LARGE -> new ApiException(413, "record_too_large", m);
            case INVALID_RECORD -> new ApiException(400, "invalid_record", m);
            case INVALID_TIMESTAMP -> new ApiException(400, "invalid_timestamp", m);
            case BROKER_FULL -> new ApiException(429, "broker_full", m);
            case KAFKA_REFUSED -> new ApiException(503, "kafka_refused", m);
            case CANNOT_VERIFY -> new ApiException(503, "cannot_verify", m);
            case KAFKA_UNAVAILABLE -> new ApiException(503, "kafka_unavailable", m);
            case TIMED_OUT -> new ApiException(504, "delivery_timeout", m);
            case NOT_DELIVERED -> new ApiException(503, "not_delivered", m);
            case KAFKA_ERROR -> new ApiException(502, "kafka_error", m);
            case INTERNAL -> new ApiException(500, "internal_error", m);
        };
    }

    /** The HTTP answer to a record Kafka refused or that could not be delivered. */
    static ApiException failure(DeliveryFailure f) {
        return http(ProduceRefusal.of(f));
    }
}
