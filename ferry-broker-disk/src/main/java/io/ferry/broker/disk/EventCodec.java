package io.ferry.broker.disk;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes one event as the payload of an event frame; an instance caches the last
 * topic's bytes, so it is used by one thread (the writer, or one reading consumer).
 *
 * <pre>
 *  int    topic length, then the topic in UTF-8
 *  int    partition (-1: none)
 *  long   timestamp in ms (-1: none)
 *  int    key length (-1: null), then the key
 *  int    value length (-1: null), then the value
 *  int    header count, then per header:
 *           int name length, the name in UTF-8, int value length (-1: null), the value
 * </pre>
 */
final class EventCodec {
    private String lastTopic;
    private byte[] lastTopicBytes;

    /**
     * The payload length of {@code e}; caches the topic bytes for the following {@link #encode}.
     */
    int payloadLength(Event e) {
        int n =
                4
                        + topicBytes(e.topic()).length
                        + 4
                        + 8
                        + 4
                        + len(e.key())
                        + 4
                        + len(e.value())
                        + 4;
        for (Header h : e.headers()) {
            n += 4 + h.key().getBytes(StandardCharsets.UTF_8).length + 4 + len(h.value());
        }
        return n;
    }

    /** The payload length of {@code e} without overflowing; uncached, any thread. */
    static long payloadLengthOf(Event e) {
        long n =
                4L
                        + e.topic().getBytes(StandardCharsets.UTF_8).length
                        + 4
                        + 8
                        + 4
                        + len(e.key())
                        + 4
                        + len(e.value())
                        + 4;
        for (Header h : e.headers()) {
            n += 4L + h.key().getBytes(StandardCharsets.UTF_8).length + 4 + len(h.value());
        }
        return n;
    }

    /** Writes the payload of {@code e} at {@code buf}'s position. */
    void encode(Event e, ByteBuffer buf) {
        byte[] topic = topicBytes(e.topic());
        buf.putInt(topic.length).put(topic).putInt(e.partition()).putLong(e.timestampMs());
        putBytes(buf, e.key());
        putBytes(buf, e.value());
        buf.putInt(e.headers().size());
        for (Header h : e.headers()) {
            byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
            buf.putInt(name.length).put(name);
            putBytes(buf, h.value());
        }
    }

    /** Reads an event from {@code buf} at absolute {@code [start, start + length)}. */
    Event decode(ByteBuffer buf, int start, int length) {
        ByteBuffer b = buf.duplicate();
        b.limit(start + length).position(start);
        int topicLength = b.getInt();
        String topic = topic(b, topicLength);
        int partition = b.getInt();
        long ts = b.getLong();
        byte[] key = getBytes(b);
        byte[] value = getBytes(b);
        int headerCount = b.getInt();
        if (headerCount == 0 && partition == Event.NO_PARTITION && ts == Event.NO_TIMESTAMP) {
            return Event.of(topic, key, value);
        }
        Event.Builder builder =
                Event.builder(topic).partition(partition).timestampMs(ts).key(key).value(value);
        if (headerCount > 0) {
            List<Header> headers = new ArrayList<>(headerCount);
            for (int i = 0; i < headerCount; i++) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                headers.add(new Header(new String(name, StandardCharsets.UTF_8), getBytes(b)));
            }
            builder.headers(headers);
        }
        return builder.build();
    }

    private String topic(ByteBuffer b, int length) {
        byte[] cached = lastTopicBytes;
        if (cached != null && cached.length == length) {
            boolean same = true;
            int p = b.position();
            for (int i = 0; i < length; i++) {
                if (b.get(p + i) != cached[i]) {
                    same = false;
                    break;
                }
            }
            if (same) {
                b.position(p + length);
                return lastTopic;
            }
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        lastTopicBytes = bytes;
        lastTopic = new String(bytes, StandardCharsets.UTF_8);
        return lastTopic;
    }

    private byte[] topicBytes(String topic) {
        if (!topic.equals(lastTopic)) {
            lastTopic = topic;
            lastTopicBytes = topic.getBytes(StandardCharsets.UTF_8);
        }
        return lastTopicBytes;
    }

    private static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static void putBytes(ByteBuffer buf, byte[] b) {
        if (b == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(b.length).put(b);
        }
    }

    private static byte[] getBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
