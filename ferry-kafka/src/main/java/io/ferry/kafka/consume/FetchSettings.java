package io.ferry.kafka.consume;

import org.apache.kafka.common.IsolationLevel;

/**
 * How the fetch executors read from Kafka; immutable, any thread. The defaults are {@code
 * KafkaConsumer}'s, except the isolation: {@code read_committed} by default.
 *
 * @param maxWaitMs how long a node may hold a Fetch waiting for {@code minBytes} ({@code
 *     fetch.max.wait.ms}, default 500)
 * @param minBytes the bytes a node waits for before it answers ({@code fetch.min.bytes}, default 1:
 *     answer as soon as anything is there)
 * @param maxBytes the most bytes of one Fetch answer ({@code fetch.max.bytes}, default 52428800);
 *     the first batch comes whole even when larger
 * @param partitionMaxBytes the most bytes per partition of one answer ({@code
 *     max.partition.fetch.bytes}, default 1048576)
 * @param isolation {@link IsolationLevel#READ_COMMITTED} (default: aborted transactions are
 *     filtered out and reading stops at the last stable offset) or {@code READ_UNCOMMITTED}
 * @param retryBackoffMs how long a partition that failed (a leader move, an error) waits before it
 *     is fetched again, and the mapper's retry backoff ({@code retry.backoff.ms}, default 100)
 * @param rackId the client's rack ({@code client.rack}), or empty for none
 */
public record FetchSettings(
        int maxWaitMs,
        int minBytes,
        int maxBytes,
        int partitionMaxBytes,
        IsolationLevel isolation,
        long retryBackoffMs,
        String rackId) {
    /** {@code fetch.max.wait.ms}'s default. */
    public static final int DEFAULT_MAX_WAIT_MS = 500;

    /** {@code fetch.min.bytes}' default. */
    public static final int DEFAULT_MIN_BYTES = 1;

    /** {@code fetch.max.bytes}' default (50 MiB). */
    public static final int DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

    /** {@code max.partition.fetch.bytes}' default (1 MiB). */
    public static final int DEFAULT_PARTITION_MAX_BYTES = 1024 * 1024;

    /** {@code retry.backoff.ms}' default. */
    public static final long DEFAULT_RETRY_BACKOFF_MS = 100;

    /** Validates: each setting says what was wrong and what is accepted. */
    public FetchSettings {
        check("maxWaitMs", maxWaitMs, 0);
        check("minBytes", minBytes, 0);
        check("maxBytes", maxBytes, 1);
        check("partitionMaxBytes", partitionMaxBytes, 1);
        check("retryBackoffMs", retryBackoffMs, 0);
        if (isolation == null) {
            throw new IllegalArgumentException(
                    "isolation is null; expected READ_COMMITTED or READ_UNCOMMITTED");
        }
        rackId = rackId == null ? "" : rackId;
    }

    /** The defaults. */
    public static FetchSettings defaults() {
        return new FetchSettings(
                DEFAULT_MAX_WAIT_MS,
                DEFAULT_MIN_BYTES,
                DEFAULT_MAX_BYTES,
                DEFAULT_PARTITION_MAX_BYTES,
                IsolationLevel.READ_COMMITTED,
                DEFAULT_RETRY_BACKOFF_MS,
                "");
    }

    /** These settings with another {@code maxWaitMs}. */
    public FetchSettings withMaxWaitMs(int ms) {
        return new FetchSettings(
                ms, minBytes, maxBytes, partitionMaxBytes, isolation, retryBackoffMs, rackId);
    }

    /** These settings with other byte limits. */
    public FetchSettings withBytes(int min, int max, int partitionMax) {
        return new FetchSettings(
                maxWaitMs, min, max, partitionMax, isolation, retryBackoffMs, rackId);
    }

    /** These settings with another isolation. */
    public FetchSettings withIsolation(IsolationLevel level) {
        return new FetchSettings(
                maxWaitMs, minBytes, maxBytes, partitionMaxBytes, level, retryBackoffMs, rackId);
    }

    private static void check(String key, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    key + " is " + value + "; expected " + min + " or more");
        }
    }
}
