package io.ferry.gateway;

import io.ferry.broker.Header;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * kafka-pixy's {@code POST /topics/{topic}/messages} over {@link ProduceService}, with kafka-pixy's
 * meanings; event-loop threads of the kafka-pixy listener only. It reads the request as kafka-pixy
 * does (leniently: unknown parameters are ignored), hands the one record to the service and answers
 * as kafka-pixy does: {@code {}} at once without {@code sync}, {@code {"partition":..,"offset":..}}
 * once Kafka stored it with {@code sync}, {@code {"error":".."}} otherwise.
 */
final class PixyProduce {
    /* Design notes
     * Nothing of the produce logic lives here (the checks, their order, the ack=kafka timeout are
     * ProduceService's, as for Ferry's own API). This class owns kafka-pixy's wire: the body or the
     * form's msg field, key and sync from the query or the form, X-Kafka-<name> headers with base64
     * values, and the statuses of its answers (status(), the one mapping for this listener).
     * Without sync the record is produced at ack=local (answered once the broker holds it, as
     * kafka-pixy answers once its producer took the message); with sync at ack=kafka.
     * Where kafka-pixy loses data silently or mangles it (an async produce to a missing topic,
     * header names in Go's canonical case, a dropped key with a bad %-escape), Ferry answers or
     * keeps what was sent: docs/gateway.md, "kafka-pixy compatibility".
     */
    static final String FORM = "application/x-www-form-urlencoded";

    private final PixyRestApi api;
    private final ProduceService service;

    PixyProduce(PixyRestApi api, ProduceService service) {
        this.api = api;
        this.service = service;
    }

    /** {@code POST [/clusters/{cluster}]/topics/{topic}/messages}; its body is read. */
    void message(Exchange ex) {
        String cluster = api.clusterName(ex);
        ProduceRefusal unknown = service.checkCluster(cluster);
        if (unknown != null) {
            api.refused(ex, unknown);
            return;
        }
        PixyForm query = PixyForm.parse(ex.request.query());
        PixyForm form = null;
        byte[] value;
        if (FORM.equals(mediaType(ex.request.getHeader(HttpHeaders.CONTENT_TYPE)))) {
            form = PixyForm.parse(ex.body.getBytes());
            value = form.bytes("msg", "the form field");
            if (value == null || value.length == 0) {
                throw ApiException.badRequest(
                        "invalid_body",
                        "empty message: a form-encoded body (Content-Type: "
                                + FORM
                                + ") carries"
                                + " the message in its field msg (msg=...); send any other body"
                                + " with another Content-Type (text/plain, application/json) to"
                                + " have it stored as it is");
            }
        } else {
            value = ex.body.getBytes();
        }
        // as Go's r.Form: a form body's fields come before the query's
        byte[] key =
                form != null && form.has("key")
                        ? form.bytes("key", "the form field")
                        : query.bytes("key", "the query parameter");
        boolean sync = query.has("sync") || (form != null && form.has("sync"));
        ProduceRecord r =
                new ProduceRecord(
                        ProduceRecord.NO_PARTITION,
                        key,
                        value,
                        headers(ex.request.headers()),
                        ProduceRecord.NO_TIMESTAMP);
        AckLevel ack = sync ? AckLevel.KAFKA : AckLevel.LOCAL;
        service.produce(
                ex.caller, cluster, ex.topic, List.of(r), ack, result -> answer(ex, sync, result));
    }

    private void answer(Exchange ex, boolean sync, ProduceResult result) {
        if (result.refusal() != null) {
            api.refused(ex, result.refusal());
            return;
        }
        RecordResult r = result.record(0);
        if (!r.ok()) {
            api.refused(ex, r.failure());
        } else if (sync) {
            PixyRestApi.json(
                    ex,
                    200,
                    new JsonObject().put("partition", r.partition()).put("offset", r.offset()));
        } else {
            PixyRestApi.json(ex, 200, Buffer.buffer("{}")); // kafka-pixy's async answer
        }
    }

    /**
     * The record headers of the {@code X-Kafka-<name>} request headers (the prefix in any case), in
     * request order, each value base64-decoded; {@code <name>} is kept as the client sent it (Go's
     * server, and so kafka-pixy, stores it in its canonical case: kafka-pixy issue 175). A header
     * sent twice makes two record headers.
     *
     * @throws ApiException 400 naming the header when a value is not base64
     */
    static List<Header> headers(MultiMap requestHeaders) {
        List<Header> out = null;
        int prefix = RecordReader.HEADER_PREFIX.length();
        for (Map.Entry<String, String> h : requestHeaders) {
            String name = h.getKey();
            if (name.length() < prefix
                    || !name.regionMatches(true, 0, RecordReader.HEADER_PREFIX, 0, prefix)) {
                continue;
            }
            byte[] value;
            try {
                // Netty reads header values as ISO-8859-1; base64 is ASCII
                value = Base64.getDecoder().decode(h.getValue().trim());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                        "invalid_headers",
                        "invalid base64 encoding for header: "
                                + name
                                + " (on the kafka-pixy listener X-Kafka-<name> values are"
                                + " base64, standard alphabet: "
                                + ApiException.describe(e)
                                + ")");
            }
            if (out == null) {
                out = new ArrayList<>(4);
            }
            out.add(new Header(name.substring(prefix), value));
        }
        return out == null ? List.of() : out;
    }

    /** The media type of a Content-Type, lower case, without its parameters; "" when none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        String t = semi < 0 ? contentType : contentType.substring(0, semi);
        return t.trim().toLowerCase(Locale.ROOT);
    }
}
