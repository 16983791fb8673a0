package io.ferry.bench.kafka;

/**
 * End-to-end latency of one side at a fixed rate, produce call to delivery to the reader;
 * immutable.
 *
 * @param side the side's display name
 * @param round the round
 * @param records records produced at the rate (and delivered)
 * @param p50Ms median latency
 * @param p99Ms 99th percentile
 * @param maxMs the largest
 * @param duplicates records delivered more than once
 */
record LatencyResult(
        String side,
        int round,
        int records,
        double p50Ms,
        double p99Ms,
        double maxMs,
        long duplicates) {}
