package io.ferry.kafka.wire;

import java.util.List;

/**
 * One record batch of a fetched partition, decoded; immutable.
 *
 * <p>A batch may start before the offset fetched from (Kafka returns whole batches): skip records
 * below it. Control batches (transaction markers) occupy offsets but carry no records for
 * applications: the next position after any batch is {@link #nextOffset()}.
 *
 * @param baseOffset the offset of its first record
 * @param lastOffset the offset of its last record
 * @param nextOffset {@code lastOffset + 1}: where the next batch starts
 * @param partitionLeaderEpoch the leader epoch under which it was written (commit it with the
 *     offset), or -1
 * @param producerId the producer id (idempotent or transactional), or -1
 * @param producerEpoch the producer epoch, or -1
 * @param transactional whether it belongs to a transaction
 * @param control {@link Control#NONE} for data; else the transaction marker it is
 * @param sizeBytes its size in the fetch answer (compressed)
 * @param records its records in offset order; empty for a control batch
 */
public record FetchedBatch(
        long baseOffset,
        long lastOffset,
        long nextOffset,
        int partitionLeaderEpoch,
        long producerId,
        short producerEpoch,
        boolean transactional,
        Control control,
        int sizeBytes,
        List<FetchedRecord> records) {
    /** What a control batch marks. */
    public enum Control {
        /** A data batch, not a control batch. */
        NONE,
        /** The end of a committed transaction of {@link #producerId()}. */
        COMMIT,
        /** The end of an aborted transaction of {@link #producerId()}: skip its records. */
        ABORT,
        /** Another control record type (none reaches consumers of Kafka 4.2). */
        OTHER
    }

    /** Copies the list. */
    public FetchedBatch {
        records = List.copyOf(records);
    }

    /** True for a control batch (a transaction marker). */
    public boolean isControlBatch() {
        return control != Control.NONE;
    }
}
