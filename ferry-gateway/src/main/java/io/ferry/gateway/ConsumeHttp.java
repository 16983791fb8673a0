package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP adapter of Ferry's consume endpoints over {@link ConsumeService}; event-loop threads
 * only: {@code GET .../records} (take), {@code POST .../acks}, {@code POST .../releases}, {@code
 * GET} and {@code POST .../offsets}.
 */
final class ConsumeHttp {
    /* Design notes
     * Nothing of the consume logic lives here: the checks (cluster, authorization, group and topic
     * names, max and wait against the cluster's limits, the topic's existence, whether this
     * gateway consumes the group), the long poll and its limit are ConsumeService's. This class
     * owns the wire: query parameters and bodies (ConsumeJson), the one mapping from refusal codes
     * to statuses (http()), and the answers.
     * A take's future completes on the request's event loop (the CallContext's executor), so the
     * answer is written without a hop. Its client going away (Exchange.abandoned, run by HttpApi
     * when the connection closes before the answer) cancels the future: the service then takes
     * nothing, and gives back what arrived in the race. Messages taken but not written (the
     * connection closed meanwhile, or the write failed) are given back (ConsumeService.giveBack:
     * offered again first, not counted as an attempt). A write the kernel accepted for a client
     * that is gone cannot be told from a delivery: those messages come back at ack-timeout-ms.
     */
    private static final String JSON = "application/json";

    private final HttpApi api;
    private final GatewayConfig config;
    private final ConsumeService service;

    ConsumeHttp(HttpApi api, GatewayConfig config, ConsumeService service) {
        this.api = api;
        this.config = config;
        this.service = service;
    }

    /** The cluster the request names, checked first (before its other parameters). */
    private ConsumeCluster cluster(Exchange ex) {
        return service.cluster(api.clusterName(ex));
    }

    /** {@code GET /topics/{topic}/records?group=&max=&wait=&format=}: take, long-polling. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    void take(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            String group = ex.query("group");
            int max = (int) number(ex, "max", 1, Integer.MAX_VALUE, "1.." + c.config.maxMessages());
            long waitMs =
                    number(
                            ex,
                            "wait",
                            -1,
                            Long.MAX_VALUE,
                            "milliseconds, 0.." + c.config.maxWaitMs() + " (consume.max-wait-ms)");
            ConsumeJson.Format format = ConsumeJson.Format.parse(ex.query("format"));
            CompletableFuture<List<ConsumedMessage>> taken =
                    service.take(
                            ex.caller,
                            c.name,
                            ex.topic,
                            group,
                            max,
                            waitMs < 0 ? null : Duration.ofMillis(waitMs));
            ex.abandoned = () -> taken.cancel(false);
            if (ex.response.closed()) {
                taken.cancel(false); // gone before the hook was set
            }
            taken.whenComplete(
                    (messages, e) -> {
                        if (taken.isCancelled()) {
                            return; // its client went away: nothing to answer, nothing taken
                        }
                        if (e != null) {
                            refused(ex, ConsumeService.refusal(e));
                        } else {
                            deliver(ex, c.name, group, messages, format);
                        }
                    });
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    /** Writes taken messages; gives them back when they cannot be written. */
    private void deliver(
            Exchange ex,
            String cluster,
            String group,
            List<ConsumedMessage> messages,
            ConsumeJson.Format format) {
        if (ex.response.closed() || ex.response.ended()) {
            service.giveBack(cluster, group, messages);
            return;
        }
        Buffer body;
        try {
            body = ConsumeJson.messages(messages, format);
        } catch (RuntimeException e) {
            service.giveBack(cluster, group, messages);
            api.fail(ex, e);
            return;
        }
        ex.response
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .end(body)
                .onFailure(t -> service.giveBack(cluster, group, messages));
    }

    /** {@code POST /topics/{topic}/acks?group=}: acknowledge offsets and ranges. */
    void acks(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            String group = ex.query("group");
            service.checkConsumedHere(ex.caller, c.name, ex.topic, group);
            List<ConsumeJson.Item> items = ConsumeJson.acks(ex.body);
            Items out = new Items(items.size());
            for (ConsumeJson.Item it : items) {
                try {
                    int n =
                            it.range()
                                    ? service.ackRange(
                                            ex.caller,
                                            c.name,
                                            ex.topic,
                                            group,
                                            it.partition(),
                                            it.from(),
                                            it.to())
                                    : service.ack(
                                                    ex.caller,
                                                    c.name,
                                                    ex.topic,
                                                    group,
                                                    it.partition(),
                                                    it.offset())
                                            ? 1
                                            : 0;
                    out.ok(n == 1 ? ACKED_ONE : n == 0 ? ACKED_NONE : acked(n));
                    out.count += n;
                } catch (ConsumeRefused r) {
                    out.failed(http(r));
                }
            }
            out.answer(ex, summary(ex, group).put("acknowledged", out.count));
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    /** {@code POST /topics/{topic}/releases?group=}: give messages back for redelivery now. */
    void releases(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            String group = ex.query("group");
            service.checkConsumedHere(ex.caller, c.name, ex.topic, group);
            List<ConsumeJson.Item> items = ConsumeJson.releases(ex.body);
            Items out = new Items(items.size());
            int deadLettered = 0;
            for (ConsumeJson.Item it : items) {
                try {
                    boolean dead =
                            service.release(
                                    ex.caller,
                                    c.name,
                                    ex.topic,
                                    group,
                                    it.partition(),
                                    it.offset());
                    out.ok(dead ? DEAD_LETTERED : RELEASED);
                    if (dead) {
                        deadLettered++;
                    } else {
                        out.count++;
                    }
                } catch (ConsumeRefused r) {
                    out.failed(http(r));
                }
            }
            out.answer(
                    ex,
                    summary(ex, group)
                            .put("released", out.count)
                            .put("deadLettered", deadLettered));
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    /** {@code GET /topics/{topic}/offsets?group=}: every partition as the group sees it. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    void offsets(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            service.offsets(ex.caller, c.name, ex.topic, ex.query("group"))
                    .whenComplete(
                            (offsets, e) -> {
                                if (e != null) {
                                    refused(ex, ConsumeService.refusal(e));
                                } else {
                                    HttpApi.json(ex, 200, ConsumeJson.offsets(offsets));
                                }
                            });
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    /**
     * {@code GET /topics/{topic}/groups[?group=]}: the topic's consumer groups, cluster-wide from
     * Kafka, each member with its partitions: {@code {"topic": t, "groups": {group: {member:
     * [partitions]}}}}.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    void groups(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            service.consumers(ex.caller, c.name, ex.topic, ex.query("group"))
                    .whenComplete(
                            (groups, e) -> {
                                if (e != null) {
                                    refused(ex, ConsumeService.refusal(e));
                                    return;
                                }
                                JsonObject all = new JsonObject();
                                groups.forEach(
                                        (g, members) -> {
                                            JsonObject m = new JsonObject();
                                            members.forEach(
                                                    (id, ps) -> m.put(id, new JsonArray(ps)));
                                            all.put(g, m);
                                        });
                                HttpApi.json(
                                        ex,
                                        200,
                                        new JsonObject().put("topic", ex.topic).put("groups", all));
                            });
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    /** {@code POST /topics/{topic}/offsets?group=}: set the group's committed offsets. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    void setOffsets(Exchange ex) {
        try {
            ConsumeCluster c = cluster(ex);
            String group = ex.query("group");
            List<OffsetToSet> to = ConsumeJson.offsetsToSet(ex.body);
            service.setOffsets(ex.caller, c.name, ex.topic, group, to)
                    .whenComplete(
                            (v, e) -> {
                                if (e != null) {
                                    refused(ex, ConsumeService.refusal(e));
                                } else {
                                    HttpApi.json(ex, 200, summary(ex, group).put("set", to.size()));
                                }
                            });
        } catch (ConsumeRefused r) {
            refused(ex, r);
        }
    }

    private static JsonObject summary(Exchange ex, String group) {
        return new JsonObject().put("topic", ex.topic).put("group", group);
    }

    /**
     * Query parameter {@code name} as an integer {@code 0..max} (ASCII digits only); {@code def}
     * when absent or empty. The range of the cluster's limits is the service's to check; {@code
     * accepted} says it in the refusal of what is not a number.
     */
    private static long number(Exchange ex, String name, long def, long max, String accepted) {
        String raw = ex.query(name);
        if (raw == null || raw.isEmpty()) {
            return def;
        }
        boolean digits = raw.length() <= 19;
        for (int i = 0; i < raw.length() && digits; i++) {
            digits = raw.charAt(i) >= '0' && raw.charAt(i) <= '9';
        }
        if (digits) {
            try {
                long v = Long.parseLong(raw);
                if (v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // over 2^63-1: refused below
            }
        }
        throw ApiException.badRequest(
                "invalid_request", name + " is '" + raw + "'; expected an integer, " + accepted);
    }

    /** The per-item results of an acknowledgement or release body, and the answer they make. */
    private final class Items {
        private final JsonObject[] results;
        private int n;
        private int failed;
        private int sameStatus; // the status every failed item shares, -1 when they differ
        private ApiException first;
        int count;

        Items(int size) {
            this.results = new JsonObject[size];
        }

        void ok(JsonObject result) {
            results[n++] = result;
        }

        void failed(ApiException e) {
            results[n++] = error(e);
            failed++;
            sameStatus = sameStatus == 0 || sameStatus == e.status ? e.status : -1;
            if (first == null) {
                first = e;
            }
        }

        /**
         * 200 when every item succeeded; when every one failed for one reason, that reason's status
         * with an {@code error} beside the results; else 207.
         */
        void answer(Exchange ex, JsonObject body) {
            if (failed == 0) {
                everyOneOk(ex, body);
                return;
            }
            boolean allForOneReason = failed == n && sameStatus > 0;
            int status = allForOneReason ? sameStatus : 207;
            body.put("failed", failed).put("results", new JsonArray(List.of((Object[]) results)));
            if (allForOneReason) {
                body.put(
                        "error",
                        error(
                                        new ApiException(
                                                sameStatus,
                                                first.code,
                                                "every item failed; the first: "
                                                        + first.getMessage()))
                                .getJsonObject("error"));
                if (sameStatus == 429) {
                    retryAfter(ex);
                }
            }
            HttpApi.json(ex, status, STREAMING.toBuffer(body, false));
        }

        /**
         * 200 with every result: the shared results are written as text (an acknowledgement of a
         * take of 100 answers 100 of them), the same JSON the encoder writes.
         */
        @SuppressWarnings("ReferenceEquality") // the shared constants, by identity on purpose
        private void everyOneOk(Exchange ex, JsonObject body) {
            String head = STREAMING.toString(body.put("failed", 0), false);
            StringBuilder b = new StringBuilder(head.length() + 24 * n + 16);
            b.append(head, 0, head.length() - 1).append(",\"results\":[");
            for (int i = 0; i < n; i++) {
                JsonObject r = results[i];
                b.append(i == 0 ? "" : ",")
                        .append(
                                r == ACKED_ONE
                                        ? ACKED_ONE_TEXT
                                        : r == ACKED_NONE
                                                ? ACKED_NONE_TEXT
                                                : STREAMING.toString(r, false));
            }
            HttpApi.json(ex, 200, Buffer.buffer(b.append("]}").toString()));
        }
    }

    // results shared by the answers, never changed: one object per item was half of an ack's cost
    private static final JsonObject ACKED_ONE = acked(1);
    private static final JsonObject ACKED_NONE = acked(0);
    private static final String ACKED_ONE_TEXT = ACKED_ONE.encode();
    private static final String ACKED_NONE_TEXT = ACKED_NONE.encode();
    private static final JsonObject RELEASED = new JsonObject().put("outcome", "released");
    private static final JsonObject DEAD_LETTERED =
            new JsonObject().put("outcome", "dead_lettered");

    /**
     * Jackson's streaming encoder (the answers hold only JSON values); the default codec goes
     * through databind's map serializers (JFR: 36 of an ack route's 92 samples were its answer).
     */
    private static final io.vertx.core.json.jackson.JacksonCodec STREAMING =
            new io.vertx.core.json.jackson.JacksonCodec();

    private static JsonObject acked(int n) {
        return new JsonObject().put("acknowledged", n);
    }

    private static JsonObject error(ApiException e) {
        return new JsonObject()
                .put(
                        "error",
                        new JsonObject()
                                .put("status", e.status)
                                .put("code", e.code)
                                .put("message", e.getMessage()));
    }

    private void retryAfter(Exchange ex) {
        ex.response.putHeader(
                HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
    }

    /** Answers a refusal of the service; a 429 with {@code Retry-After}. */
    private void refused(Exchange ex, ConsumeRefused r) {
        ApiException e = http(r);
        if (e.status == 429) {
            retryAfter(ex);
        }
        api.error(ex, e);
    }

    /**
     * The HTTP answer to a refusal of the consume service: the only mapping from {@link
     * ConsumeRefused.Code} to statuses and error codes of Ferry's API.
     */
    static ApiException http(ConsumeRefused r) {
        return new ApiException(
                ConsumeRefused.httpStatus(r.code), ConsumeRefused.wireName(r.code), r.getMessage());
    }
}
