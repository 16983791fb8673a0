package io.ferry.gateway;

import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.kafka.consume.PartitionOffset;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * kafka-pixy's JSON for the consume half of its REST API (its {@code httpsrv} types), written and
 * read; stateless, any thread.
 *
 * <pre>
 * GET  .../messages   {"key":"a2V5","value":"aGVsbG8=","partition":0,"offset":41,"headers":[{"key":"trace","value":"AAH/"}]}
 * GET  .../offsets    [{"partition":0,"begin":0,"end":42,"count":42,"offset":40,"lag":2,"metadata":"CCGB","sparse_acks":"2-4,10-11"}]
 * POST .../offsets    [{"partition":0,"offset":40,"metadata":""}]   (what GET answers may be sent back as it is)
 * GET  .../consumers  {"group":{"clientId/memberId":[0,1]}}
 * </pre>
 *
 * Bytes are base64 with the standard alphabet and padding, as Go's {@code encoding/json} writes a
 * {@code []byte} (Vert.x's own {@code byte[]} encoding is base64url: not used), null for none.
 */
final class PixyConsumeJson {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final String EXPECTED =
            "expected a JSON list of {\"partition\":..,\"offset\":..[,\"metadata\":\"..\"]} (what"
                    + " GET .../offsets answers may be sent back as it is)";

    private PixyConsumeJson() {}

    /** A consumed message: key and value base64 (null when none), its headers' values too. */
    static Buffer message(ConsumedMessage m) {
        JsonArray headers = new JsonArray(new ArrayList<>(m.headers().size()));
        for (Header h : m.headers()) {
            headers.add(new JsonObject().put("key", h.key()).put("value", b64(h.value())));
        }
        return new JsonObject()
                .put("key", b64(m.key()))
                .put("value", b64(m.value()))
                .put("partition", m.partition())
                .put("offset", m.offset())
                .put("headers", headers)
                .toBuffer();
    }

    /**
     * A group's offsets, one object per partition; {@code metadata} and {@code sparse_acks} are
     * left out when empty, as kafka-pixy's {@code omitempty} does.
     */
    static Buffer offsets(List<PartitionOffset> offsets) {
        JsonArray out = new JsonArray(new ArrayList<>(offsets.size()));
        for (PartitionOffset p : offsets) {
            JsonObject o =
                    new JsonObject()
                            .put("partition", p.partition())
                            .put("begin", p.begin())
                            .put("end", p.end())
                            .put("count", p.count())
                            .put("offset", p.offset())
                            .put("lag", p.lag());
            if (p.metadata() != null && !p.metadata().isEmpty()) {
                o.put("metadata", p.metadata());
            }
            if (p.sparseAcks() != null && !p.sparseAcks().isEmpty()) {
                o.put("sparse_acks", p.sparseAcks());
            }
            out.add(o);
        }
        return out.toBuffer();
    }

    /** A topic's groups, each member's partitions, in the service's (sorted) order. */
    static Buffer consumers(Map<String, Map<String, List<Integer>>> groups) {
        JsonObject out = new JsonObject();
        groups.forEach(
                (group, members) -> {
                    JsonObject m = new JsonObject();
                    members.forEach(
                            (id, parts) -> m.put(id, new JsonArray(new ArrayList<>(parts))));
                    out.put(group, m);
                });
        return out.toBuffer();
    }

    /**
     * The offsets to set of a {@code POST .../offsets} body. Fields other than {@code partition},
     * {@code offset} and {@code metadata} are ignored (as Go's decoder does), but unlike kafka-pixy
     * a missing {@code partition} or {@code offset} is refused instead of read as 0 (which would
     * move the group to the start of partition 0).
     *
     * @throws ApiException 400 naming the entry and field that is wrong
     */
    static List<OffsetToSet> offsetsToSet(Buffer body) {
        Object parsed;
        try {
            parsed = body.length() == 0 ? null : Json.decodeValue(body);
        } catch (DecodeException e) {
            throw ApiException.badRequest(
                    "invalid_body", "the body is not JSON (" + e.getMessage() + "); " + EXPECTED);
        }
        if (!(parsed instanceof JsonArray list)) {
            throw ApiException.badRequest(
                    "invalid_body",
                    (parsed == null ? "the body is empty" : "the body is not a list")
                            + "; "
                            + EXPECTED);
        }
        List<OffsetToSet> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.getValue(i) instanceof JsonObject o)) {
                throw ApiException.badRequest(
                        "invalid_body", "entry " + i + " is not an object; " + EXPECTED);
            }
            long partition = integer(o, "partition", i, Integer.MAX_VALUE);
            long offset = integer(o, "offset", i, Long.MAX_VALUE);
            Object metadata = o.getValue("metadata");
            if (metadata != null && !(metadata instanceof String)) {
                throw ApiException.badRequest(
                        "invalid_body",
                        "entry " + i + ": metadata is " + metadata + "; expected a string");
            }
            out.add(new OffsetToSet((int) partition, offset, (String) metadata));
        }
        return out;
    }

    private static long integer(JsonObject o, String field, int entry, long max) {
        Object v = o.getValue(field);
        long n;
        if (v instanceof Integer || v instanceof Long) {
            n = ((Number) v).longValue();
        } else if (v instanceof BigInteger) {
            n = -1; // beyond a long: out of range below
        } else {
            throw ApiException.badRequest(
                    "invalid_body",
                    "entry "
                            + entry
                            + ": "
                            + field
                            + (v == null ? " is missing" : " is " + v)
                            + "; expected an integer, 0 or more; "
                            + EXPECTED);
        }
        if (n < 0 || n > max) {
            throw ApiException.badRequest(
                    "invalid_body",
                    "entry " + entry + ": " + field + " is " + v + "; expected 0.." + max);
        }
        return n;
    }

    private static String b64(byte[] b) {
        return b == null ? null : B64.encodeToString(b);
    }
}
