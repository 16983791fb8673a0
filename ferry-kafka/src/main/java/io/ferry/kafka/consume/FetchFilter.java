package io.ferry.kafka.consume;

import io.ferry.kafka.wire.AbortedTransaction;
import io.ferry.kafka.wire.FetchedBatch;
import io.ferry.kafka.wire.FetchedPartition;
import io.ferry.kafka.wire.FetchedRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one fetched partition into what a consumer may see: aborted transactions and control
 * batches out under {@code read_committed}, nothing below the fetch offset, and the next position;
 * stateless, any thread.
 */
final class FetchFilter {
    /* Design notes
     * Kafka's own rules (CompletedFetch.nextFetchedRecord, CONSUME-NOTES section 3): the aborted
     * transactions come ordered by first offset (FetchCodec sorts them). Walking the batches in
     * order, a batch with a producer id first takes into the aborted set every aborted
     * transaction whose first offset is at or below the batch's last offset; an ABORT marker then
     * removes its producer id (the transaction ended here; a later one of the same producer may be
     * committed); a transactional batch of an aborted producer is skipped whole. Control batches
     * are never delivered. Every batch at or past the fetch offset moves the position to its
     * nextOffset, delivered or not, so a partition ending in a marker or an aborted transaction
     * steps past it instead of fetching the same bytes forever. A batch wholly below the fetch
     * offset (Kafka returns whole batches; a compressed one may start earlier) moves nothing.
     */
    private FetchFilter() {}

    /**
     * The records of one partition's answer to deliver, and the next position.
     *
     * @param records the records to deliver, in offset order
     * @param nextOffset the position after this answer ({@code fetchOffset} when nothing moved)
     */
    record Filtered(List<FetchedRecord> records, long nextOffset) {}

    /**
     * Filters {@code p}'s batches for a reader at {@code fetchOffset}.
     *
     * @param readCommitted whether aborted transactions are filtered out
     */
    static Filtered filter(FetchedPartition p, long fetchOffset, boolean readCommitted) {
        List<FetchedRecord> out = new ArrayList<>();
        long next = fetchOffset;
        List<AbortedTransaction> aborted = p.abortedTransactions();
        int abortedIndex = 0;
        Set<Long> abortedPids = new HashSet<>();
        for (FetchedBatch b : p.batches()) {
            if (b.nextOffset() <= fetchOffset) {
                continue;
            }
            if (readCommitted && b.producerId() >= 0) {
                while (abortedIndex < aborted.size()
                        && aborted.get(abortedIndex).firstOffset() <= b.lastOffset()) {
                    abortedPids.add(aborted.get(abortedIndex).producerId());
                    abortedIndex++;
                }
                if (b.control() == FetchedBatch.Control.ABORT) {
                    abortedPids.remove(b.producerId());
                } else if (b.transactional() && abortedPids.contains(b.producerId())) {
                    next = b.nextOffset();
                    continue;
                }
            }
            if (!b.isControlBatch()) {
                for (FetchedRecord r : b.records()) {
                    if (r.offset() >= fetchOffset) {
                        out.add(r);
                    }
                }
            }
            next = b.nextOffset();
        }
        return new Filtered(out, next);
    }
}
