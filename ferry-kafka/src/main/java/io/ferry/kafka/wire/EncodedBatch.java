package io.ferry.kafka.wire;

import org.apache.kafka.common.record.MemoryRecords;

/**
 * One partition's records encoded as a Kafka record batch, ready to send; immutable once built,
 * safe to resend (a retry sends the same bytes with the same sequence).
 */
public final class EncodedBatch {
    final MemoryRecords records;
    private final int recordCount;
    private final int baseSequence;

    EncodedBatch(MemoryRecords records, int recordCount, int baseSequence) {
        this.records = records;
        this.recordCount = recordCount;
        this.baseSequence = baseSequence;
    }

    /** The number of records. */
    public int recordCount() {
        return recordCount;
    }

    /** The idempotent base sequence, or -1 without idempotence. */
    public int baseSequence() {
        return baseSequence;
    }

    /** The encoded size in bytes. */
    public int sizeInBytes() {
        return records.sizeInBytes();
    }
}
