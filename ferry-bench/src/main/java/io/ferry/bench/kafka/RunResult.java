package io.ferry.bench.kafka;

import java.util.Map;

/**
 * The figures of one run of one side; immutable.
 *
 * @param side the side's display name
 * @param topic the run's fresh topic
 * @param records records published
 * @param elapsedNanos from the first publish to the last acknowledgement
 * @param p50Ms median publish-to-ack latency
 * @param p99Ms 99th percentile publish-to-ack latency
 * @param failures records that failed instead of being acknowledged
 * @param endOffsetSum the topic's end offsets summed after the run (-1 before it was read)
 * @param processCpuNanos CPU time of the whole JVM during the run (-1 when unknown)
 * @param threadCpuNanos CPU time by thread group during the run, largest first
 * @param note what the side adds (Ferry: requests and partitions per request)
 */
record RunResult(
        String side,
        String topic,
        int records,
        long elapsedNanos,
        double p50Ms,
        double p99Ms,
        long failures,
        long endOffsetSum,
        long processCpuNanos,
        Map<String, Long> threadCpuNanos,
        String note) {

    double seconds() {
        return elapsedNanos / 1e9;
    }

    double recordsPerSec() {
        return records / seconds();
    }

    /** MB/s as Kafka's ProducerPerformance counts it: value bytes, MB = 2^20 bytes. */
    double mbPerSec(int recordSizeBytes) {
        return recordsPerSec() * recordSizeBytes / (1024.0 * 1024.0);
    }

    /** CPU cores the JVM kept busy on average (the in-process broker included), or NaN. */
    double processCores() {
        return processCpuNanos < 0 ? Double.NaN : (double) processCpuNanos / elapsedNanos;
    }

    /** True when Kafka holds exactly the records published: nothing lost, nothing duplicated. */
    boolean correct() {
        return failures == 0 && endOffsetSum == records;
    }

    RunResult withEndOffsetSum(long sum) {
        return new RunResult(
                side,
                topic,
                records,
                elapsedNanos,
                p50Ms,
                p99Ms,
                failures,
                sum,
                processCpuNanos,
                threadCpuNanos,
                note);
    }
}
