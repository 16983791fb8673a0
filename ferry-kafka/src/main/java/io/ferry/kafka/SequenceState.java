package io.ferry.kafka;

/**
 * The idempotent sequence bookkeeping of one partition (Kafka's producer keeps it in its {@code
 * TransactionManager}, apart from the accumulator); not thread-safe: guarded by its partition
 * worker's monitor.
 */
final class SequenceState {
    /* Design notes
     * Sequences belong to a generation of the engine's producer identity (a producer id and
     * epoch). A new generation restarts them at 0. Within a generation, nextSeq is what the next
     * new batch gets and ackedEnd is the sequence after the last batch Kafka acknowledged, which
     * is where the broker expects this partition to go on. When a batch fails for good, or is
     * split, the batches after it are renumbered from ackedEnd once nothing is in flight
     * (resequence), so the broker never sees a gap. When renumbering under the same producer id
     * could make Kafka take a later batch for one it may have written (a batch whose request went
     * unanswered failed for good), the partition marks its generation stale instead: it sends
     * nothing until the engine has a new producer id. Sequences wrap at 2^31 as Kafka's do.
     * Until Kafka has acknowledged a first batch of the partition under a generation, one batch
     * goes at a time (ackedAny): Kafka takes any first sequence from a producer it has no state
     * for, so a second batch in flight could be written before a first one that failed retriably
     * (a fresh topic whose leader is not online yet), and the partition would be out of order.
     */
    private int nextSeq;
    private int ackedEnd;
    private int generation = -1;
    private int staleGeneration = -2;
    private boolean resequence;
    private boolean ackedAny;

    /** The generation the sequences belong to, or -1 before the first batch. */
    int generation() {
        return generation;
    }

    /** True when batches may be sent under {@code currentGeneration} without renumbering first. */
    boolean current(int currentGeneration) {
        return currentGeneration == generation && !resequence;
    }

    /** True when this partition asked for {@code currentGeneration} to be replaced. */
    boolean stale(int currentGeneration) {
        return currentGeneration == staleGeneration;
    }

    /** Nothing more may be sent under the current generation; a new producer id is needed. */
    void markStale() {
        staleGeneration = generation;
    }

    /** The batches not yet acknowledged must be renumbered before the next send. */
    void requireResequence() {
        resequence = true;
    }

    /** True when a renumbering is due. */
    boolean resequenceDue() {
        return resequence;
    }

    /**
     * Starts renumbering the unacknowledged batches under {@code currentGeneration}: from 0 in a
     * new generation, else from the sequence after the last acknowledged batch. Call only with
     * nothing in flight; then {@link #take} each batch in order.
     */
    void renumber(int currentGeneration) {
        if (currentGeneration != generation) {
            nextSeq = 0;
            ackedEnd = 0;
            ackedAny = false;
            generation = currentGeneration;
        } else {
            nextSeq = ackedEnd;
        }
        resequence = false;
    }

    /** The base sequence of a batch of {@code records}; the next one starts after it. */
    int take(int records) {
        int seq = nextSeq;
        nextSeq = increment(nextSeq, records);
        return seq;
    }

    /**
     * True once Kafka acknowledged a batch of this partition under the current generation: from
     * then on several batches may be in flight.
     */
    boolean pipelineOpen() {
        return ackedAny;
    }

    /** Kafka acknowledged the batch of {@code records} at {@code seq}. */
    void acked(int seq, int records) {
        ackedAny = true;
        int end = increment(seq, records);
        int ahead = (end - ackedEnd) & Integer.MAX_VALUE; // sequences wrap at 2^31
        if (ahead != 0 && ahead < (1 << 30)) {
            ackedEnd = end;
        }
    }

    /** True when {@code seq} is the sequence the broker expects next for this partition. */
    boolean expectedNext(int seq) {
        return seq == ackedEnd;
    }

    /**
     * True when the broker went on past {@code seq}: a later batch was acknowledged while this one
     * was not (Kafka accepts any first sequence from a producer it does not know, so a first batch
     * that failed retriably can be overtaken by the next). No resend under this producer id can
     * deliver it.
     */
    boolean overtaken(int seq) {
        int behind = (ackedEnd - seq) & Integer.MAX_VALUE;
        return seq >= 0 && behind != 0 && behind < (1 << 30);
    }

    /** Kafka's sequence arithmetic: sequences wrap from Integer.MAX_VALUE to 0. */
    static int increment(int seq, int n) {
        return seq > Integer.MAX_VALUE - n ? n - (Integer.MAX_VALUE - seq) - 1 : seq + n;
    }
}
