package io.ferry.bench.kafka;

/**
 * The figures of one side's read of the whole topic (or of one latency phase); immutable.
 *
 * @param side the side's display name
 * @param round the round (0 for the warm-up)
 * @param records distinct records delivered
 * @param subscribeToLastNanos from the subscribe call to the last record's delivery
 * @param firstToLastNanos from the first record's delivery to the last's
 * @param duplicates records delivered again (an offset at or below one seen before)
 * @param gaps offsets skipped (a delivered offset past the next one expected)
 * @param fetchRequests fetch requests the client sent during the read, or -1 when unknown
 * @param processCpuNanos the JVM's CPU time during the read, or -1 when unknown
 * @param note the side's fetch figures
 * @param threadCpuNanos CPU time by thread group during the read, largest first
 */
record ReadResult(
        String side,
        int round,
        long records,
        long subscribeToLastNanos,
        long firstToLastNanos,
        long duplicates,
        long gaps,
        long fetchRequests,
        long processCpuNanos,
        String note,
        java.util.Map<String, Long> threadCpuNanos) {

    /** Records/s from subscribe to the last record. */
    double recordsPerSec() {
        return records / (subscribeToLastNanos / 1e9);
    }

    /** Records/s from the first record to the last (without joining and the first fetch). */
    double recordsPerSecFromFirst() {
        return records / (firstToLastNanos / 1e9);
    }

    /** Seconds from subscribe to the first record: joining, the offset lookup, the first fetch. */
    double secondsToFirst() {
        return (subscribeToLastNanos - firstToLastNanos) / 1e9;
    }

    /** CPU cores the JVM kept busy on average (the in-process broker included), or NaN. */
    double processCores() {
        return processCpuNanos < 0 ? Double.NaN : (double) processCpuNanos / subscribeToLastNanos;
    }

    /** Every record exactly once, in order per partition. */
    boolean correct() {
        return duplicates == 0 && gaps == 0;
    }
}
