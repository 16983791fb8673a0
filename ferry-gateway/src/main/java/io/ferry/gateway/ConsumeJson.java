package io.ferry.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.kafka.consume.PartitionOffset;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The JSON of Ferry's HTTP consume endpoints: messages written in the format a request asks for,
 * and the bodies of acknowledgements, releases and offsets read strictly; stateless, any thread.
 */
final class ConsumeJson {
    /* Design notes
     * Bytes are never altered. A key, value or header value is written in the asked format only
     * when that form gives back exactly its bytes: json needs strict UTF-8 holding exactly one JSON
     * value (it is copied through verbatim, never re-serialised: numbers keep their digits), string
     * needs strict UTF-8 (no replacement characters). Otherwise the next faithful form is used,
     * json -> string -> base64, and a "keyEncoding"/"valueEncoding" field beside it names the form
     * used; the field is there only when it differs from the format asked. Keys and header values
     * are never JSON (as on the produce side): under json they are strings.
     * Messages are written with Jackson's generator straight to bytes, not through JsonObject: a
     * batch of a thousand messages allocates one stream, not a map per message. Base64 is the
     * JDK's encoder's, written as a raw string (TakeJsonBenchmark: with Jackson's writeBinary a
     * take of 100 values of 100 B took 1.5x as long, of 1,000 B about five times as long).
     */
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private ConsumeJson() {}

    /** How a request wants keys, values and header values written ({@code format=}). */
    enum Format {
        /** A value that is JSON inline, as JSON; text as a string; other bytes base64. */
        JSON,
        /** UTF-8 text as a string; other bytes base64. */
        STRING,
        /** Always base64 (RFC 4648, with padding): byte-exact for anything. */
        BASE64;

        /** Its name in requests and in {@code valueEncoding}. */
        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The format {@code raw} names; null or empty: base64. */
        static Format parse(String raw) {
            if (raw == null || raw.isEmpty()) {
                return BASE64;
            }
            return switch (raw.toLowerCase(Locale.ROOT)) {
                case "json" -> JSON;
                case "string" -> STRING;
                case "base64" -> BASE64;
                default ->
                        throw ApiException.badRequest(
                                "invalid_encoding",
                                "format is '" + raw + "'; expected json, string or base64");
            };
        }
    }

    // ---- answers -----------------------------------------------------------------------------

    // the answer's field names, encoded once (writing a String name converts it each time)
    private static final SerializedString TOPIC = new SerializedString("topic");
    private static final SerializedString PARTITION = new SerializedString("partition");
    private static final SerializedString OFFSET = new SerializedString("offset");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString DELIVERY_COUNT = new SerializedString("deliveryCount");
    private static final SerializedString HEADERS = new SerializedString("headers");
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString KEY_ENCODING = new SerializedString("keyEncoding");
    private static final SerializedString VALUE = new SerializedString("value");
    private static final SerializedString VALUE_ENCODING = new SerializedString("valueEncoding");
    private static final SerializedString STRING_NAME =
            new SerializedString(Format.STRING.wireName());
    private static final SerializedString BASE64_NAME =
            new SerializedString(Format.BASE64.wireName());

    /**
     * The answer to a take: a JSON array of the messages, in the order they were taken; written
     * into the array that is sent (no stream to copy out of).
     */
    static Buffer messages(List<ConsumedMessage> messages, Format format) {
        Bytes out = new Bytes(likelySize(messages));
        SerializedString topic = null;
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (ConsumedMessage m : messages) {
                if (topic == null || !topic.getValue().equals(m.topic())) {
                    topic = new SerializedString(m.topic());
                }
                g.writeStartObject();
                g.writeFieldName(TOPIC);
                g.writeString(topic);
                g.writeFieldName(PARTITION);
                g.writeNumber(m.partition());
                g.writeFieldName(OFFSET);
                g.writeNumber(m.offset());
                g.writeFieldName(TIMESTAMP);
                g.writeNumber(m.timestampMs());
                g.writeFieldName(DELIVERY_COUNT);
                g.writeNumber(m.deliveryCount());
                Format notJson = format == Format.JSON ? Format.STRING : format;
                bytes(g, KEY, KEY_ENCODING, m.key(), notJson);
                bytes(g, VALUE, VALUE_ENCODING, m.value(), format);
                g.writeFieldName(HEADERS);
                g.writeStartArray();
                for (Header h : m.headers()) {
                    g.writeStartObject();
                    g.writeFieldName(KEY);
                    g.writeString(h.key());
                    bytes(g, VALUE, VALUE_ENCODING, h.value(), notJson);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return BufferInternal.buffer(Unpooled.wrappedBuffer(out.bytes, 0, out.size));
    }

    /**
     * About the size of the answer when nothing needs escaping: base64's 4/3 and the fields' names,
     * so that one array holds it (more is fine: {@link Bytes} grows).
     */
    private static int likelySize(List<ConsumedMessage> messages) {
        long n = 2;
        for (ConsumedMessage m : messages) {
            n += 136 + m.topic().length() + base64Size(m.key()) + base64Size(m.value());
            for (Header h : m.headers()) {
                n += 40 + h.key().length() + base64Size(h.value());
            }
        }
        return (int) Math.min(n, Integer.MAX_VALUE - 16);
    }

    private static long base64Size(byte[] b) {
        return b == null ? 0 : (b.length + 2L) / 3 * 4;
    }

    /**
     * The stream Jackson writes an answer to: one array, grown by doubling, handed on as it is (a
     * ByteArrayOutputStream locks each write and copies the whole answer once more at the end; a
     * ByteBuf checks its reference count and bounds on each of Jackson's flushes).
     */
    private static final class Bytes extends OutputStream {
        byte[] bytes;
        int size;

        Bytes(int capacity) {
            bytes = new byte[Math.max(capacity, 64)];
        }

        private void room(int n) {
            if (bytes.length - size < n) {
                long want = Math.max((long) bytes.length * 2, (long) size + n);
                if (want > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("a take's answer is over 2 GiB");
                }
                bytes = Arrays.copyOf(bytes, (int) want);
            }
        }

        @Override
        public void write(int b) {
            room(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            room(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }
    }

    /**
     * Writes {@code field}: null, or {@code b} in {@code format} when that form is faithful, else
     * in the next faithful one with {@code flag} naming it.
     */
    private static void bytes(
            JsonGenerator g, SerializedString field, SerializedString flag, byte[] b, Format format)
            throws IOException {
        g.writeFieldName(field);
        if (b == null) {
            g.writeNull();
            return;
        }
        String text = format == Format.BASE64 ? null : utf8(b);
        if (text != null && format == Format.JSON && oneJsonValue(text)) {
            g.writeRawValue(text);
        } else if (text != null) {
            g.writeString(text);
            if (format != Format.STRING) {
                g.writeFieldName(flag);
                g.writeString(STRING_NAME);
            }
        } else {
            // RFC 4648 base64 with padding and no line feeds (Jackson's default variant too),
            // encoded by the JDK's encoder (an intrinsic where the CPU has one: Jackson's own
            // encodes three bytes at a time and was most of a take's time) and written as it is:
            // base64 needs no escaping
            byte[] encoded = BASE64.encode(b);
            g.writeRawUTF8String(encoded, 0, encoded.length);
            if (format != Format.BASE64) {
                g.writeFieldName(flag);
                g.writeString(BASE64_NAME);
            }
        }
    }

    /** {@code b} as text when it is strict UTF-8 (no malformed or overlong sequence), else null. */
    static String utf8(byte[] b) {
        boolean ascii = true;
        for (int i = 0; i < b.length && ascii; i++) {
            ascii = b[i] >= 0;
        }
        if (ascii) {
            return new String(b, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * True when {@code text} is exactly one JSON value (RFC 8259; whitespace around it is fine).
     */
    static boolean oneJsonValue(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) { // JsonProcessingException: not JSON
            return false;
        }
    }

    /** The answer to an offsets read: one object per partition. */
    static Buffer offsets(List<PartitionOffset> offsets) {
        JsonArray a = new JsonArray();
        for (PartitionOffset o : offsets) {
            a.add(
                    new JsonObject()
                            .put("partition", o.partition())
                            .put("begin", o.begin())
                            .put("end", o.end())
                            .put("count", o.count())
                            .put("offset", o.offset())
                            .put("lag", o.lag())
                            .put("metadata", o.metadata())
                            .put("sparseAcks", o.sparseAcks()));
        }
        return a.toBuffer();
    }

    // ---- request bodies ----------------------------------------------------------------------

    /**
     * One item of an acknowledgement or release body: one offset, or (acknowledgements only) the
     * range {@code [from, to)}.
     */
    record Item(int partition, long offset, long from, long to) {
        /** No offset: a range. */
        static final long RANGE = -1;

        boolean range() {
            return offset == RANGE;
        }
    }

    /**
     * The items of {@code POST .../acks}: {@code [{"partition":0,"offset":5},
     * {"partition":1,"from":10,"to":20}]}.
     */
    static List<Item> acks(Buffer body) {
        return items(body, true);
    }

    /** The items of {@code POST .../releases}: {@code [{"partition":0,"offset":5}]}. */
    static List<Item> releases(Buffer body) {
        return items(body, false);
    }

    private static List<Item> items(Buffer body, boolean ranges) {
        List<Item> quick = quickItems(body, ranges);
        return quick != null ? quick : checkedItems(body, ranges);
    }

    /**
     * The items of a plain well-formed list, read in one pass without building its JSON tree (an
     * acknowledgement of a take of 100 lists 100 items); null for anything else, which {@link
     * #checkedItems} then reads, and refuses with its reasons. It accepts only what that accepts
     * the same way: an array of one or more objects, each with exactly "partition" and "offset"
     * (or, for ranges, "partition", "from" and "to"), no other or repeated key, each value a JSON
     * integer within bounds, nothing after the array.
     */
    static List<Item> quickItems(Buffer body, boolean ranges) {
        if (body == null || body.length() == 0) {
            return null;
        }
        try (JsonParser p = FACTORY.createParser(body.getBytes())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            List<Item> out = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                int seen = 0;
                long[] v = new long[4]; // partition, offset, from, to
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    int k =
                            switch (p.currentName()) {
                                case "partition" -> 0;
                                case "offset" -> 1;
                                case "from" -> ranges ? 2 : -1;
                                case "to" -> ranges ? 3 : -1;
                                default -> -1;
                            };
                    if (k < 0 || (seen & (1 << k)) != 0) {
                        return null;
                    }
                    seen |= 1 << k;
                    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                        return null;
                    }
                    JsonParser.NumberType type = p.getNumberType();
                    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
                        return null;
                    }
                    v[k] = p.getLongValue();
                    if (v[k] < 0) {
                        return null;
                    }
                }
                if (t != JsonToken.END_OBJECT || v[0] > Integer.MAX_VALUE) {
                    return null;
                }
                if (seen == 0b0011) {
                    out.add(new Item((int) v[0], v[1], 0, 0));
                } else if (seen == 0b1101) {
                    out.add(new Item((int) v[0], Item.RANGE, v[2], v[3]));
                } else {
                    return null;
                }
            }
            if (t != JsonToken.END_ARRAY || out.isEmpty() || p.nextToken() != null) {
                return null;
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null; // not well-formed: the checked path says what is wrong
        }
    }

    private static List<Item> checkedItems(Buffer body, boolean ranges) {
        String shape =
                ranges
                        ? "{\"partition\":p,\"offset\":o} or {\"partition\":p,\"from\":a,\"to\":b}"
                        : "{\"partition\":p,\"offset\":o}";
        JsonArray list = list(body, shape);
        Set<String> known =
                ranges
                        ? Set.of("partition", "offset", "from", "to")
                        : Set.of("partition", "offset");
        List<Item> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonObject o = object(list, i, known, shape);
            String at = "[" + i + "]";
            int partition = (int) number(o, "partition", at, Integer.MAX_VALUE, shape);
            if (o.containsKey("offset")) {
                if (o.containsKey("from") || o.containsKey("to")) {
                    throw invalid(at + " has both an offset and a range; give one: " + shape);
                }
                out.add(new Item(partition, number(o, "offset", at, Long.MAX_VALUE, shape), 0, 0));
            } else if (ranges) {
                long from = number(o, "from", at, Long.MAX_VALUE, shape);
                long to = number(o, "to", at, Long.MAX_VALUE, shape);
                out.add(new Item(partition, Item.RANGE, from, to));
            } else {
                throw invalid(at + " has no \"offset\"; expected " + shape);
            }
        }
        return out;
    }

    /**
     * The offsets of {@code POST .../offsets}: {@code [{"partition":0,"offset":42,"metadata":"x"}]}
     * (metadata optional).
     */
    static List<OffsetToSet> offsetsToSet(Buffer body) {
        String shape = "{\"partition\":p,\"offset\":o[,\"metadata\":\"...\"]}";
        JsonArray list = list(body, shape);
        List<OffsetToSet> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonObject o = object(list, i, Set.of("partition", "offset", "metadata"), shape);
            String at = "[" + i + "]";
            int partition = (int) number(o, "partition", at, Integer.MAX_VALUE, shape);
            long offset = number(o, "offset", at, Long.MAX_VALUE, shape);
            Object metadata = o.getValue("metadata");
            if (metadata != null && !(metadata instanceof String)) {
                throw invalid(at + ".metadata must be a string (or absent)");
            }
            out.add(new OffsetToSet(partition, offset, (String) metadata));
        }
        return out;
    }

    private static JsonArray list(Buffer body, String shape) {
        Object parsed = body == null || body.length() == 0 ? null : StrictJson.parse(body);
        if (!(parsed instanceof JsonArray list) || list.isEmpty()) {
            throw invalid("the body must be a non-empty JSON array of " + shape);
        }
        return list;
    }

    private static JsonObject object(JsonArray list, int i, Set<String> known, String shape) {
        if (!(list.getValue(i) instanceof JsonObject o)) {
            throw invalid("[" + i + "] is not a JSON object; expected " + shape);
        }
        for (String f : o.fieldNames()) {
            if (!known.contains(f)) {
                throw invalid("[" + i + "] has an unknown field '" + f + "'; expected " + shape);
            }
        }
        return o;
    }

    /** The integer {@code field} of {@code o}, 0..max; required. */
    private static long number(JsonObject o, String field, String at, long max, String shape) {
        Object v = o.getValue(field);
        if (v == null) {
            throw invalid(at + " has no \"" + field + "\"; expected " + shape);
        }
        if (!(v instanceof Integer || v instanceof Long)
                || ((Number) v).longValue() < 0
                || ((Number) v).longValue() > max) {
            throw invalid(at + "." + field + " is " + v + "; expected an integer 0.." + max);
        }
        return ((Number) v).longValue();
    }

    private static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_body", message);
    }
}
