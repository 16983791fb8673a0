package io.ferry.bench.kafka;

import java.util.Arrays;

/**
 * Publish-to-ack latencies of one run, by record index: the publishing thread calls {@link
 * #published}, one acknowledging thread at a time calls {@link #acked}, and the reading thread
 * calls {@link #percentile} only after every record was acknowledged (and after an action that
 * orders it after the last ack, such as a latch).
 */
final class Latencies {
    /* Design notes
     * One long per record (8 bytes: 16 MB for 2M records): the publish time, replaced by the latency
     * once acknowledged. Index i is written by the publisher before the record is handed to the
     * client (KafkaProducer.send, Producer.publish); the client's own hand-off (a lock in Kafka's
     * RecordAccumulator, the broker's ring sequence in Ferry) orders that write before the read on
     * the acknowledging thread. Ferry's acks are counts in publish order, so its ack listener walks
     * the indexes in order; KafkaProducer's callbacks carry their index.
     */
    private final long[] nanos;
    private boolean sorted;

    Latencies(int records) {
        this.nanos = new long[records];
    }

    /** Record {@code i} was handed to the client at {@code nowNanos}. Publishing thread. */
    void published(int i, long nowNanos) {
        nanos[i] = nowNanos;
    }

    /** Record {@code i} was acknowledged at {@code nowNanos}. Acknowledging thread. */
    void acked(int i, long nowNanos) {
        nanos[i] = nowNanos - nanos[i];
    }

    /**
     * The {@code q} quantile (0..1) in milliseconds, nearest rank; sorts once. Reading thread,
     * after all acks.
     */
    double percentile(double q) {
        if (!sorted) {
            Arrays.sort(nanos);
            sorted = true;
        }
        if (nanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * nanos.length) - 1;
        return nanos[Math.max(0, Math.min(nanos.length - 1, rank))] / 1e6;
    }
}
