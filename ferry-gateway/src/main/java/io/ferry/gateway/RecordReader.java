package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Turns HTTP requests into {@link Event}s, validating everything a client can get wrong; stateless,
 * safe from any thread. Every refusal is an {@link ApiException} (400) saying what was wrong,
 * where, and what is accepted.
 */
final class RecordReader {
    /** The request-header prefix that makes a record header. */
    static final String HEADER_PREFIX = "x-kafka-";

    private RecordReader() {}

    /** How a value (or key) in a request is written. */
    enum Encoding {
        /** Any JSON value, stored as its JSON text. */
        JSON,
        /** A JSON string, stored as its UTF-8 bytes. */
        STRING,
        /** A JSON string holding base64, stored decoded. */
        BASE64;

        /** A key's encoding: {@code string} or {@code base64} (a key is never JSON). */
        static Encoding parseKey(String where, String s, Encoding def) {
            if (s == null) {
                return def;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "string" -> STRING;
                case "base64" -> BASE64;
                default ->
                        throw ApiException.badRequest(
                                "invalid_encoding",
                                where + " is '" + s + "'; expected string or base64");
            };
        }

        static Encoding parse(String where, String s, Encoding def) {
            if (s == null) {
                return def;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "json" -> JSON;
                case "string" -> STRING;
                case "base64" -> BASE64;
                default ->
                        throw ApiException.badRequest(
                                "invalid_encoding",
                                where + " is '" + s + "'; expected json, string or base64");
            };
        }
    }

    /** Checks a topic name as Kafka does. */
    static String topic(String topic) {
        if (!validTopic(topic)) {
            throw ApiException.badRequest(
                    "invalid_topic",
                    "topic name '"
                            + topic
                            + "' is not valid: use 1 to 249 of the "
                            + "characters a-z A-Z 0-9 . _ - (and not '.' or '..')");
        }
        return topic;
    }

    /**
     * Kafka's rule for topic names: 1 to 249 of [a-zA-Z0-9._-], not "." or ".." (a loop: this runs
     * per request).
     */
    static boolean validTopic(String topic) {
        if (topic == null
                || topic.isEmpty()
                || topic.length() > 249
                || topic.equals(".")
                || topic.equals("..")) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A partition from a query parameter; {@link Event#NO_PARTITION} when absent. */
    static int partition(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Event.NO_PARTITION;
        }
        if (digits(raw)) {
            try {
                return Integer.parseInt(raw);
            } catch (NumberFormatException e) {
                // over 2^31-1: falls through to the error
            }
        }
        throw ApiException.badRequest(
                "invalid_partition",
                "partition is '"
                        + raw
                        + "'; expected an integer >= 0, "
                        + "or no partition to let Ferry choose (by key hash, else sticky)");
    }

    /** Only ASCII digits: no sign, no space ({@code Integer.parseInt} takes {@code +1}). */
    private static boolean digits(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A timestamp in ms from a query parameter; {@link Event#NO_TIMESTAMP} when absent. */
    static long timestamp(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Event.NO_TIMESTAMP;
        }
        if (digits(raw)) {
            try {
                return Long.parseLong(raw);
            } catch (NumberFormatException e) {
                // over 2^63-1: falls through to the error
            }
        }
        throw ApiException.badRequest(
                "invalid_timestamp",
                "timestamp is '"
                        + raw
                        + "'; expected milliseconds since the epoch (an integer >= 0)");
    }

    /**
     * A key from a query parameter, as a string or base64 per {@code keyEncoding}; null when
     * absent.
     */
    static byte[] key(String raw, String keyEncoding) {
        if (raw == null) {
            return null;
        }
        Encoding enc = Encoding.parseKey("keyEncoding", keyEncoding, Encoding.STRING);
        if (enc == Encoding.BASE64) {
            return base64("key", raw);
        }
        return raw.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The record headers of the {@code X-Kafka-<name>} request headers, in order, their values
     * byte-exact: Netty decodes header bytes as ISO-8859-1 (one char per byte), so encoding the
     * value back as ISO-8859-1 gives the bytes the client sent (UTF-8 or not). Names are HTTP
     * tokens (ASCII). An empty name ({@code X-Kafka-:}) is refused.
     */
    static List<Header> headers(MultiMap requestHeaders) {
        List<Header> out = null;
        for (Map.Entry<String, String> h : requestHeaders) {
            String name = h.getKey();
            if (name.length() >= HEADER_PREFIX.length()
                    && name.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())) {
                if (name.length() == HEADER_PREFIX.length()) {
                    throw ApiException.badRequest(
                            "invalid_headers",
                            "the request header '"
                                    + name
                                    + "' has no record header name after the prefix; send"
                                    + " X-Kafka-<name>: <value>");
                }
                if (out == null) {
                    out = new ArrayList<>(4);
                }
                out.add(
                        new Header(
                                name.substring(HEADER_PREFIX.length()),
                                h.getValue().getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        return out == null ? List.of() : out;
    }

    /** The event of {@code POST /topics/{topic}/messages}: body = value. */
    static Event message(
            String topic, Buffer body, UnaryOperator<String> param, MultiMap requestHeaders) {
        return messageRecord(topic, body, param, requestHeaders).toEvent(topic);
    }

    /** The record of {@code POST /topics/{topic}/messages}: body = value. */
    static ProduceRecord messageRecord(
            String topic, Buffer body, UnaryOperator<String> param, MultiMap requestHeaders) {
        topic(topic);
        int partition = partition(param.apply("partition"));
        byte[] key = key(param.apply("key"), param.apply("keyEncoding"));
        byte[] value = body == null ? new byte[0] : body.getBytes();
        long timestampMs = timestamp(param.apply("timestamp"));
        return new ProduceRecord(partition, key, value, headers(requestHeaders), timestampMs);
    }

    /**
     * The events of {@code POST /topics/{topic}/records}: {@code
     * {"valueEncoding":"json","records":[{"key":..,"value":..,"partition":..,"headers":{..},"timestamp":..}]}};
     * all or nothing: one bad record refuses the request, naming its index.
     */
    static List<Event> batch(String topic, Buffer body) {
        List<ProduceRecord> records = records(topic, body);
        List<Event> events = new ArrayList<>(records.size());
        for (ProduceRecord r : records) {
            events.add(r.toEvent(topic));
        }
        return events;
    }

    /** The records of {@code POST /topics/{topic}/records}; see {@link #batch}. */
    static List<ProduceRecord> records(String topic, Buffer body) {
        topic(topic);
        Object parsed = body == null || body.length() == 0 ? null : StrictJson.parse(body);
        if (!(parsed instanceof JsonObject json)) {
            throw ApiException.badRequest(
                    "invalid_body", "the body must be a JSON object {\"records\":[...]}");
        }
        for (String field : json.fieldNames()) {
            if (!field.equals("records")
                    && !field.equals("valueEncoding")
                    && !field.equals("keyEncoding")) {
                throw ApiException.badRequest(
                        "invalid_body",
                        "unknown field '"
                                + field
                                + "'; expected records, valueEncoding, keyEncoding");
            }
        }
        Encoding valueEnc =
                Encoding.parse(
                        "valueEncoding",
                        stringField(json, "valueEncoding", "the body", "json, string or base64"),
                        Encoding.JSON);
        Encoding keyEnc =
                Encoding.parseKey(
                        "keyEncoding",
                        stringField(json, "keyEncoding", "the body", "string or base64"),
                        Encoding.STRING);
        Object recs = json.getValue("records");
        if (!(recs instanceof JsonArray records) || records.isEmpty()) {
            throw ApiException.badRequest(
                    "invalid_body", "the body needs \"records\": a non-empty array of records");
        }
        List<ProduceRecord> events = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            Object r = records.getValue(i);
            if (!(r instanceof JsonObject rec)) {
                throw ApiException.badRequest(
                        "invalid_record", "records[" + i + "] is not a JSON object");
            }
            events.add(record(rec, i, valueEnc, keyEnc));
        }
        return events;
    }

    private static ProduceRecord record(JsonObject rec, int i, Encoding valueEnc, Encoding keyEnc) {
        String at = "records[" + i + "]";
        for (String field : rec.fieldNames()) {
            switch (field) {
                case "key",
                        "value",
                        "partition",
                        "headers",
                        "timestamp",
                        "valueEncoding",
                        "keyEncoding" -> {}
                default ->
                        throw ApiException.badRequest(
                                "invalid_record",
                                at
                                        + " has an unknown field '"
                                        + field
                                        + "'; expected key, value, partition, headers, timestamp, valueEncoding, keyEncoding");
            }
        }
        Encoding ve =
                Encoding.parse(
                        at + ".valueEncoding",
                        stringField(rec, "valueEncoding", at, "json, string or base64"),
                        valueEnc);
        Encoding ke =
                Encoding.parseKey(
                        at + ".keyEncoding",
                        stringField(rec, "keyEncoding", at, "string or base64"),
                        keyEnc);
        byte[] keyBytes = null;
        int partition = Event.NO_PARTITION;
        long timestampMs = Event.NO_TIMESTAMP;
        List<Header> headerList = List.of();
        Object key = rec.getValue("key");
        if (key != null) {
            if (!(key instanceof String k)) {
                throw ApiException.badRequest(
                        "invalid_key",
                        at + ".key must be a string (or base64 with keyEncoding=base64)");
            }
            keyBytes =
                    ke == Encoding.BASE64
                            ? base64(at + ".key", k)
                            : k.getBytes(StandardCharsets.UTF_8);
        }
        byte[] valueBytes = value(rec, at, ve);
        Object p = rec.getValue("partition");
        if (p != null) {
            if (!(p instanceof Integer || p instanceof Long)
                    || ((Number) p).longValue() < 0
                    || ((Number) p).longValue() > Integer.MAX_VALUE) {
                throw ApiException.badRequest(
                        "invalid_partition",
                        at + ".partition is " + p + "; expected an integer >= 0");
            }
            partition = ((Number) p).intValue();
        }
        Object ts = rec.getValue("timestamp");
        if (ts != null) {
            if (!(ts instanceof Integer || ts instanceof Long) || ((Number) ts).longValue() < 0) {
                throw ApiException.badRequest(
                        "invalid_timestamp",
                        at
                                + ".timestamp is "
                                + ts
                                + "; expected milliseconds since the epoch (an integer >= 0)");
            }
            timestampMs = ((Number) ts).longValue();
        }
        Object hs = rec.getValue("headers");
        if (hs != null) {
            if (!(hs instanceof JsonObject headers)) {
                throw ApiException.badRequest(
                        "invalid_headers",
                        at + ".headers must be an object of name to string value");
            }
            List<Header> list = new ArrayList<>(headers.size());
            for (Map.Entry<String, Object> h : headers) {
                Object v = h.getValue();
                if (v != null && !(v instanceof String)) {
                    throw ApiException.badRequest(
                            "invalid_headers",
                            at + ".headers." + h.getKey() + " must be a string or null");
                }
                list.add(
                        new Header(
                                h.getKey(),
                                v == null ? null : ((String) v).getBytes(StandardCharsets.UTF_8)));
            }
            headerList = list;
        }
        return new ProduceRecord(partition, keyBytes, valueBytes, headerList, timestampMs);
    }

    private static byte[] value(JsonObject rec, String at, Encoding enc) {
        if (!rec.containsKey("value")) {
            throw ApiException.badRequest(
                    "invalid_record", at + " has no \"value\" (use null for a tombstone)");
        }
        Object v = rec.getValue("value");
        if (v == null) {
            return null;
        }
        return switch (enc) {
            case JSON -> Json.encodeToBuffer(v).getBytes();
            case STRING -> {
                if (!(v instanceof String s)) {
                    throw ApiException.badRequest(
                            "invalid_value",
                            at + ".value must be a string with valueEncoding=string");
                }
                yield s.getBytes(StandardCharsets.UTF_8);
            }
            case BASE64 -> {
                if (!(v instanceof String s)) {
                    throw ApiException.badRequest(
                            "invalid_value",
                            at + ".value must be a base64 string with valueEncoding=base64");
                }
                yield base64(at + ".value", s);
            }
        };
    }

    private static String stringField(JsonObject o, String field, String where, String accepted) {
        Object v = o.getValue(field);
        if (v != null && !(v instanceof String)) {
            throw ApiException.badRequest(
                    "invalid_encoding", where + ": " + field + " must be a string: " + accepted);
        }
        return (String) v;
    }

    private static byte[] base64(String where, String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    where.endsWith("key") ? "invalid_key" : "invalid_value",
                    where + " is not valid base64 (RFC 4648, with padding): " + e.getMessage());
        }
    }
}
