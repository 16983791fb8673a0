package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * kafka-pixy's consume calls over {@link PixyConsume} and {@link ConsumeService}, with kafka-pixy's
 * meanings; event-loop threads of the kafka-pixy listener only (the services' futures complete on
 * the request's context).
 *
 * <pre>
 * GET  /topics/{t}/messages?group=G[&amp;noAck | &amp;ackPartition=P&amp;ackOffset=O]   one message (PixyConsumeJson)
 * POST /topics/{t}/acks?group=G&amp;partition=P&amp;offset=O                           {}
 * GET  /topics/{t}/offsets?group=G                                            [{partition, begin, ...}]
 * POST /topics/{t}/offsets?group=G   [{partition, offset, metadata}]          {}
 * GET  /topics/{t}/consumers[?group=G]                                        {group: {member: [partitions]}}
 * </pre>
 */
final class PixyConsumeHttp implements PixyConsumeRoutes {
    /* Design notes
     * Nothing of the consume logic lives here: the checks and their order, the long poll and its
     * limit, what an ack means are the services'. This class owns kafka-pixy's wire: its
     * parameters (read leniently, as Go's r.Form: unknown ones ignored, noAck by presence, a form
     * body's fields before the query's for POST .../acks), its JSON (PixyConsumeJson) and the
     * statuses of its answers (status(), the one mapping of consume refusals on this listener).
     * Auto-ack (no ack parameter) acknowledges after the answer was written, not before as
     * kafka-pixy does: the message is taken with AckMode.NONE, written, and acknowledged once the
     * write succeeded (PixyConsume.ackDelivered); a write that fails gives it back
     * (ConsumeService.giveBack: offered again first, not an attempt). The cost is the same one
     * ack. "Written" means handed to the connection's socket: a client that dies after that
     * without reading still loses it, which only ackPartition/ackOffset or noAck and POST .../acks
     * avoid (as with kafka-pixy).
     * A client that goes away mid-long-poll closes its connection before an answer was written:
     * the response's exception handler (PixyRestApi holds its end and close handlers) cancels the
     * future, the group's poll takes nothing, and what raced in is given back by the services.
     * A long-poll timeout is kafka-pixy's 408 with its error text; it is not a refusal, so it is
     * not counted in ferry_http_errors_total (the route's timer counts it by status).
     */
    private final ConsumeService service;
    private final PixyConsume pixy;
    private final String retryAfterSeconds;

    /**
     * @param retryAfterSeconds gateway.retry-after-seconds, the Retry-After of a 429
     */
    PixyConsumeHttp(ConsumeService service, int retryAfterSeconds) {
        this.service = service;
        this.pixy = new PixyConsume(service);
        this.retryAfterSeconds = Integer.toString(retryAfterSeconds);
    }

    @Override
    public void handle(PixyRoute route, Exchange ex, PixyRestApi api) {
        try {
            switch (route) {
                case CONSUME -> consume(ex, api);
                case ACK -> ack(ex, api);
                case GET_OFFSETS -> getOffsets(ex, api);
                case SET_OFFSETS -> setOffsets(ex, api);
                case CONSUMERS -> consumers(ex, api);
                default -> throw new IllegalStateException("not a consume route: " + route);
            }
        } catch (ConsumeRefused r) {
            refused(ex, api, r);
        }
    }

    // ---- GET /topics/{t}/messages ------------------------------------------------------------

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void consume(Exchange ex, PixyRestApi api) {
        if (ex.request.method().equals(HttpMethod.HEAD)) {
            ex.response.putHeader(HttpHeaders.ALLOW, "POST, GET");
            api.error(
                    ex,
                    405,
                    "method_not_allowed",
                    "HEAD would consume a message and not return it; use GET");
            return;
        }
        PixyForm q = PixyForm.parse(ex.request.query());
        String cluster = api.clusterName(ex);
        String group = group(q, null, false);
        PixyConsume.AckMode mode;
        int ackPartition = 0;
        long ackOffset = 0;
        if (q.has("noAck")) {
            mode = PixyConsume.AckMode.NONE;
        } else if (q.has("ackPartition") || q.has("ackOffset")) {
            if (!q.has("ackPartition") || !q.has("ackOffset")) {
                throw ApiException.badRequest(
                        "invalid_request",
                        "ackPartition and ackOffset either both should be provided or neither"
                                + " (neither: the message returned is acknowledged; noAck: none"
                                + " is)");
            }
            mode = PixyConsume.AckMode.GIVEN;
            ackPartition = (int) number(q, null, "ackPartition", Integer.MAX_VALUE);
            ackOffset = number(q, null, "ackOffset", Long.MAX_VALUE);
        } else {
            mode = PixyConsume.AckMode.AUTO;
        }
        boolean ackAfterWrite = mode == PixyConsume.AckMode.AUTO;
        CompletableFuture<ConsumedMessage> f =
                pixy.consumeNAck(
                        ex.caller,
                        cluster,
                        ex.topic,
                        group,
                        ackAfterWrite ? PixyConsume.AckMode.NONE : mode,
                        ackPartition,
                        ackOffset);
        if (!f.isDone()) {
            // the connection closed before an answer was written: the client went away
            ex.response.exceptionHandler(t -> f.cancel(false));
        }
        f.whenComplete(
                (m, e) -> {
                    try {
                        if (e == null) {
                            deliver(ex, cluster, group, m, ackAfterWrite);
                        } else {
                            failed(ex, api, e);
                        }
                    } catch (RuntimeException x) {
                        api.fail(ex, x);
                    }
                });
    }

    private void deliver(
            Exchange ex, String cluster, String group, ConsumedMessage m, boolean ackAfterWrite) {
        if (ex.response.ended() || ex.response.closed()) {
            service.giveBack(cluster, group, List.of(m));
            return;
        }
        Buffer body = PixyConsumeJson.message(m);
        ex.response
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body)
                .onComplete(
                        written -> {
                            if (written.failed()) {
                                service.giveBack(cluster, group, List.of(m));
                            } else if (ackAfterWrite) {
                                pixy.ackDelivered(ex.caller, cluster, group, m);
                            }
                        });
    }

    private void failed(Exchange ex, PixyRestApi api, Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof CancellationException) {
            return; // the client went away: nobody to answer
        }
        if (t instanceof PixyConsume.LongPollTimeout) {
            PixyRestApi.json(ex, 408, new JsonObject().put("error", t.getMessage()));
            return;
        }
        refused(ex, api, ConsumeService.refusal(t));
    }

    // ---- POST /topics/{t}/acks ---------------------------------------------------------------

    private void ack(Exchange ex, PixyRestApi api) {
        PixyForm q = PixyForm.parse(ex.request.query());
        PixyForm form =
                PixyProduce.FORM.equals(
                                PixyProduce.mediaType(
                                        ex.request.getHeader(HttpHeaders.CONTENT_TYPE)))
                        ? PixyForm.parse(ex.body.getBytes())
                        : null;
        String group = group(q, form, false);
        boolean hasPartition = q.has("partition") || (form != null && form.has("partition"));
        boolean hasOffset = q.has("offset") || (form != null && form.has("offset"));
        if (!hasPartition || !hasOffset) {
            throw ApiException.badRequest(
                    "invalid_request",
                    "partition and offset are both required: the message to acknowledge (as"
                            + " the consume call returned it)");
        }
        int partition = (int) number(q, form, "partition", Integer.MAX_VALUE);
        long offset = number(q, form, "offset", Long.MAX_VALUE);
        service.ack(ex.caller, api.clusterName(ex), ex.topic, group, partition, offset);
        PixyRestApi.json(ex, 200, Buffer.buffer("{}"));
    }

    // ---- offsets and consumers ---------------------------------------------------------------

    private void getOffsets(Exchange ex, PixyRestApi api) {
        String group = group(PixyForm.parse(ex.request.query()), null, false);
        answer(
                ex,
                api,
                service.offsets(ex.caller, api.clusterName(ex), ex.topic, group),
                PixyConsumeJson::offsets);
    }

    private void setOffsets(Exchange ex, PixyRestApi api) {
        String group = group(PixyForm.parse(ex.request.query()), null, false);
        List<OffsetToSet> to = PixyConsumeJson.offsetsToSet(ex.body);
        answer(
                ex,
                api,
                service.setOffsets(ex.caller, api.clusterName(ex), ex.topic, group, to),
                v -> Buffer.buffer("{}"));
    }

    private void consumers(Exchange ex, PixyRestApi api) {
        String group = group(PixyForm.parse(ex.request.query()), null, true);
        answer(
                ex,
                api,
                service.consumers(ex.caller, api.clusterName(ex), ex.topic, group),
                PixyConsumeJson::consumers);
    }

    /** Answers 200 with the JSON {@code render} makes of {@code f}'s value, or its refusal. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private <T> void answer(
            Exchange ex, PixyRestApi api, CompletableFuture<T> f, Function<T, Buffer> render) {
        f.whenComplete(
                (v, e) -> {
                    try {
                        if (e != null) {
                            refused(ex, api, ConsumeService.refusal(e));
                        } else {
                            PixyRestApi.json(ex, 200, render.apply(v));
                        }
                    } catch (RuntimeException x) {
                        api.fail(ex, x);
                    }
                });
    }

    // ---- parameters and statuses -------------------------------------------------------------

    /**
     * The {@code group} parameter: null when absent (the service refuses that where one is needed,
     * naming it); given twice is a 400, as in kafka-pixy.
     */
    private static String group(PixyForm query, PixyForm form, boolean optional) {
        int n = query.count("group") + (form == null ? 0 : form.count("group"));
        if (n > 1) {
            throw ApiException.badRequest(
                    "invalid_request", "one consumer group is expected, but " + n + " provided");
        }
        String g =
                form != null && form.has("group")
                        ? form.text("group", "the form field")
                        : query.text("group", "the query parameter");
        return optional && g != null && g.isEmpty() ? null : g;
    }

    /** A non-negative integer parameter up to {@code max}, the form's before the query's. */
    private static long number(PixyForm query, PixyForm form, String name, long max) {
        String v =
                form != null && form.has(name)
                        ? form.text(name, "the form field")
                        : query.text(name, "the query parameter");
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > max) {
            throw ApiException.badRequest(
                    "invalid_request",
                    "bad " + name + ": '" + v + "'; expected an integer 0.." + max);
        }
        return n;
    }

    private void refused(Exchange ex, PixyRestApi api, ConsumeRefused r) {
        if (r.code == ConsumeRefused.Code.TOO_MANY_WAITING) {
            ex.response.putHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        }
        api.error(ex, status(r.code), ConsumeRefused.wireName(r.code), r.getMessage());
    }

    /**
     * The status of a consume refusal on this listener: kafka-pixy's where it has one (400 for a
     * bad request and an unknown cluster, 404 for an unknown topic, 429 for too many waiting, 503
     * when it cannot consume now), Ferry's where kafka-pixy answers 500 for what the client caused
     * (403; 409 for an acknowledgement this instance cannot take, kafka-pixy's "acks channel
     * missing"; 409 when Kafka refuses to set offsets of a group with members).
     */
    static int status(ConsumeRefused.Code code) {
        return switch (code) {
            case INVALID_REQUEST, INVALID_GROUP, INVALID_TOPIC, UNKNOWN_CLUSTER -> 400;
            case NOT_AUTHORIZED -> 403;
            case UNKNOWN_TOPIC -> 404;
            case NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED, REFUSED -> 409;
            case TOO_MANY_WAITING -> 429;
            case GROUP_FAILED, KAFKA_UNAVAILABLE, CLOSING -> 503;
            case INTERNAL -> 500;
        };
    }
}
