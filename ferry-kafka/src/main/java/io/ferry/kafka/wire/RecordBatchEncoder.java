package io.ferry.kafka.wire;

import io.ferry.broker.Event;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * Encodes events into one Kafka record batch (magic v2); stateless apart from its settings, safe to
 * share between threads.
 */
public final class RecordBatchEncoder {
    /** The compression types accepted by {@code compression.type}. */
    public static final List<String> COMPRESSION_TYPES =
            List.of("none", "gzip", "snappy", "lz4", "zstd");

    private static final org.apache.kafka.common.header.Header[] NO_HEADERS =
            new org.apache.kafka.common.header.Header[0];

    private final Compression compression;
    private final String compressionName;

    /**
     * @param compressionType one of {@link #COMPRESSION_TYPES}
     * @throws IllegalArgumentException naming the setting and the accepted values
     */
    public RecordBatchEncoder(String compressionType) {
        String name =
                compressionType == null ? "none" : compressionType.trim().toLowerCase(Locale.ROOT);
        if (!COMPRESSION_TYPES.contains(name)) {
            throw new IllegalArgumentException(
                    "compression.type is '"
                            + compressionType
                            + "'; expected one of "
                            + COMPRESSION_TYPES);
        }
        this.compressionName = name;
        this.compression = Compression.of(CompressionType.forName(name)).build();
    }

    /** The compression type's name. */
    public String compressionType() {
        return compressionName;
    }

    /**
     * Encodes {@code events} as one batch.
     *
     * @param producerId the idempotent producer id, or -1
     * @param epoch the producer epoch, or -1
     * @param baseSequence the first record's sequence, or -1 without idempotence
     * @param nowMs the timestamp of events that carry none
     */
    public EncodedBatch encode(
            List<Event> events, long producerId, short epoch, int baseSequence, long nowMs) {
        int estimate = 64;
        for (Event e : events) {
            estimate += e.sizeBytes() + 16;
        }
        MemoryRecordsBuilder builder =
                MemoryRecords.builder(
                        ByteBuffer.allocate(estimate),
                        RecordBatch.CURRENT_MAGIC_VALUE,
                        compression,
                        TimestampType.CREATE_TIME,
                        0L,
                        RecordBatch.NO_TIMESTAMP,
                        producerId,
                        epoch,
                        baseSequence,
                        false,
                        RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (Event e : events) {
            long ts = e.timestampMs() == Event.NO_TIMESTAMP ? nowMs : e.timestampMs();
            builder.append(ts, e.key(), e.value(), headers(e));
        }
        return new EncodedBatch(builder.build(), events.size(), baseSequence);
    }

    private static org.apache.kafka.common.header.Header[] headers(Event e) {
        List<io.ferry.broker.Header> hs = e.headers();
        if (hs.isEmpty()) {
            return NO_HEADERS;
        }
        org.apache.kafka.common.header.Header[] out =
                new org.apache.kafka.common.header.Header[hs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new RecordHeader(hs.get(i).key(), hs.get(i).value());
        }
        return out;
    }
}
