package io.ferry.kafka;

import io.ferry.broker.Event;
import io.ferry.kafka.wire.RecordBatchEncoder;
import java.util.List;
import java.util.Map;

/**
 * The few configs of a topic by which Kafka refuses a record for good, as the engine fetched them
 * ({@link KafkaCluster#topicConfigs}); immutable, any thread. A config the answer did not carry is
 * "no limit known": {@link #UNKNOWN_BYTES}, a timestamp type that is not CreateTime, or {@link
 * Long#MAX_VALUE} for a window edge.
 *
 * @param maxMessageBytes {@code max.message.bytes}: the largest record batch the topic takes, or
 *     {@link #UNKNOWN_BYTES}
 * @param createTime true when {@code message.timestamp.type} is {@code CreateTime} (the producer's
 *     timestamp is kept and checked against the window below); false for {@code LogAppendTime} or
 *     not known
 * @param timestampBeforeMaxMs {@code message.timestamp.before.max.ms}: how far in the past a
 *     CreateTime timestamp may be
 * @param timestampAfterMaxMs {@code message.timestamp.after.max.ms}: how far in the future a
 *     CreateTime timestamp may be
 * @param fetchedMs when Kafka gave these (the engine's clock)
 */
public record TopicConfigs(
        int maxMessageBytes,
        boolean createTime,
        long timestampBeforeMaxMs,
        long timestampAfterMaxMs,
        long fetchedMs) {
    /** {@link #maxMessageBytes()} when the answer did not carry it. */
    public static final int UNKNOWN_BYTES = -1;

    static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    static final String TIMESTAMP_TYPE = "message.timestamp.type";
    static final String TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    static final String TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";

    /** The config names the engine asks Kafka for. */
    static final List<String> KEYS =
            List.of(
                    MAX_MESSAGE_BYTES,
                    TIMESTAMP_TYPE,
                    TIMESTAMP_BEFORE_MAX_MS,
                    TIMESTAMP_AFTER_MAX_MS);

    /** Record batch v2's header (RecordBatch's RECORD_BATCH_OVERHEAD): 61 bytes. */
    static final int BATCH_HEADER_BYTES = 61;

    /** Encodes batches of one to measure them: uncompressed, as the broker sees them. */
    private static final RecordBatchEncoder UNCOMPRESSED = new RecordBatchEncoder("none");

    /** The configs of a DescribeConfigs answer; a value Kafka's way cannot read is "not known". */
    static TopicConfigs from(Map<String, String> configs, long fetchedMs) {
        long max = number(configs.get(MAX_MESSAGE_BYTES));
        return new TopicConfigs(
                max < 0 || max > Integer.MAX_VALUE ? UNKNOWN_BYTES : (int) max,
                "CreateTime".equalsIgnoreCase(configs.get(TIMESTAMP_TYPE)),
                window(configs.get(TIMESTAMP_BEFORE_MAX_MS)),
                window(configs.get(TIMESTAMP_AFTER_MAX_MS)),
                fetchedMs);
    }

    private static long window(String value) {
        long v = number(value);
        return v < 0 ? Long.MAX_VALUE : v;
    }

    /** The value as a non-negative number, or -1. */
    private static long number(String value) {
        if (value == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(value.trim());
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The size in bytes of {@code e} alone in an uncompressed record batch, as the engine's encoder
     * writes it: what a broker compares with {@code max.message.bytes} (no batch holding {@code e}
     * is smaller). Allocates the batch: call it only where {@link #batchBytesUpperBound} is over
     * the limit.
     */
    public static int batchBytesOfOne(Event e) {
        return UNCOMPRESSED.encode(List.of(e), 0L, (short) 0, 0, 0L).sizeInBytes();
    }

    /**
     * An upper bound of {@link #batchBytesOfOne} without encoding (every varint at its widest,
     * every header key char at 3 UTF-8 bytes); allocates nothing.
     */
    public static long batchBytesUpperBound(Event e) {
        // record: length, attributes, timestamp and offset deltas, key and value lengths, count
        long bytes = BATCH_HEADER_BYTES + 5 + 1 + 10 + 10 + 5 + 5 + 5;
        bytes +=
                (e.key() == null ? 0 : e.key().length) + (e.value() == null ? 0 : e.value().length);
        List<io.ferry.broker.Header> hs = e.headers();
        for (int i = 0; i < hs.size(); i++) {
            io.ferry.broker.Header h = hs.get(i);
            bytes += 5 + 3L * h.key().length() + 5 + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }
}
