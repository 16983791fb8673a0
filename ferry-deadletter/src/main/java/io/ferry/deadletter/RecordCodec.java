package io.ferry.deadletter;

import io.ferry.broker.Header;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes one dead-letter record as the payload of a record frame; stateless, any
 * thread. All integers big-endian; a "string" is an int length (-1: null) and UTF-8 bytes, "bytes"
 * an int length (-1: null) and the bytes.
 *
 * <pre>
 *  byte   source (1 produce, 2 consume)
 *  string topic
 *  int    requested partition (-1: none)
 *  int    bound partition (-1: unknown)
 *  long   timestamp in ms (-1: none)
 *  bytes  key
 *  bytes  value
 *  int    header count, then per header: string name, bytes value
 *  string cluster
 *  string code
 *  string Kafka's error (-1: none)
 *  string message
 *  long   failed at, ms
 *  int    attempts
 *  string group (-1: none)
 *  long   offset (-1: none)
 *  int    delivery count (-1: none)
 * </pre>
 */
final class RecordCodec {
    private static final byte PRODUCE = 1;
    private static final byte CONSUME = 2;

    private RecordCodec() {}

    /** The payload of {@code r}. */
    static byte[] encode(DeadLetterRecord r) {
        byte[] topic = utf8(r.topic());
        byte[] cluster = utf8(r.cluster());
        byte[] code = utf8(r.code());
        byte[] kafkaError = utf8(r.kafkaError());
        byte[] message = utf8(r.message());
        byte[] group = utf8(r.group());
        List<byte[]> names = new ArrayList<>(r.headers().size());
        long n = 1 + len(topic) + 4 + 4 + 8 + len(r.key()) + len(r.value()) + 4;
        for (Header h : r.headers()) {
            byte[] name = utf8(h.key());
            names.add(name);
            n += len(name) + len(h.value());
        }
        n += len(cluster) + len(code) + len(kafkaError) + len(message) + 8 + 4 + len(group);
        n += 8 + 4;
        if (n > RecordFrameDescriptor.MAX_FRAME_BYTES - RecordFrameDescriptor.HEADER_LENGTH) {
            throw new IllegalArgumentException(
                    "dead-letter record of "
                            + n
                            + " bytes; a frame holds at most "
                            + RecordFrameDescriptor.MAX_FRAME_BYTES);
        }
        ByteBuffer b = ByteBuffer.allocate((int) n);
        b.put(r.source() == DeadLetterRecord.Source.PRODUCE ? PRODUCE : CONSUME);
        put(b, topic);
        b.putInt(r.requestedPartition()).putInt(r.boundPartition()).putLong(r.timestampMs());
        put(b, r.key());
        put(b, r.value());
        b.putInt(r.headers().size());
        for (int i = 0; i < names.size(); i++) {
            put(b, names.get(i));
            put(b, r.headers().get(i).value());
        }
        put(b, cluster);
        put(b, code);
        put(b, kafkaError);
        put(b, message);
        b.putLong(r.failedAtMs()).putInt(r.attempts());
        put(b, group);
        b.putLong(r.offset()).putInt(r.deliveryCount());
        return b.array();
    }

    /**
     * The record in {@code b} from its position to its limit.
     *
     * @throws IllegalArgumentException when the bytes are not a record (a CRC-valid frame of
     *     another writer's bug); never for a torn frame, which the CRC catches first
     */
    static DeadLetterRecord decode(ByteBuffer b) {
        try {
            byte s = b.get();
            DeadLetterRecord.Source source =
                    switch (s) {
                        case PRODUCE -> DeadLetterRecord.Source.PRODUCE;
                        case CONSUME -> DeadLetterRecord.Source.CONSUME;
                        default -> throw new IllegalArgumentException("unknown source " + s);
                    };
            String topic = string(b);
            int requested = b.getInt();
            int bound = b.getInt();
            long ts = b.getLong();
            byte[] key = bytes(b);
            byte[] value = bytes(b);
            int count = b.getInt();
            if (count < 0 || count > b.remaining() / 8) {
                throw new IllegalArgumentException("header count " + count);
            }
            List<Header> headers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = string(b);
                headers.add(new Header(name, bytes(b)));
            }
            String cluster = string(b);
            String code = string(b);
            String kafkaError = string(b);
            String message = string(b);
            long failedAt = b.getLong();
            int attempts = b.getInt();
            String group = string(b);
            long offset = b.getLong();
            int deliveries = b.getInt();
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the record");
            }
            return new DeadLetterRecord(
                    topic,
                    requested,
                    bound,
                    key,
                    value,
                    headers,
                    ts,
                    source,
                    cluster,
                    code,
                    kafkaError,
                    message,
                    failedAt,
                    attempts,
                    group,
                    offset,
                    deliveries);
        } catch (java.nio.BufferUnderflowException | NullPointerException e) {
            throw new IllegalArgumentException("a record frame's payload is malformed: " + e, e);
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static long len(byte[] b) {
        return 4L + (b == null ? 0 : b.length);
    }

    private static void put(ByteBuffer buf, byte[] b) {
        if (b == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(b.length).put(b);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < -1 || n > b.remaining()) {
            throw new IllegalArgumentException("length " + n + " with " + b.remaining() + " left");
        }
        if (n == -1) {
            return null;
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = bytes(b);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
