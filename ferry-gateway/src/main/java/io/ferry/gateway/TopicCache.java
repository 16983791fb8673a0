package io.ferry.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The partition counts of a cluster's topics, so that a produce request for a topic that does not
 * exist (404) or a partition it does not have (400) is refused before anything is accepted; safe
 * from any thread. A known topic is trusted for {@value #KNOWN_MS} ms, a missing one for {@value
 * #MISSING_MS} ms; a partition beyond the cached count re-asks Kafka before refusing.
 */
final class TopicCache {
    /** {@link #cached} when the cache cannot answer: ask {@link #load}. */
    static final int UNKNOWN = -2;

    /** A topic Kafka says does not exist. */
    static final int MISSING = -1;

    static final long KNOWN_MS = 60_000;
    static final long MISSING_MS = 2_000;

    private record Entry(int partitions, long expiresAtMs) {}

    private final Admin admin;
    private final LongSupplier clockMs;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    TopicCache(Admin admin, LongSupplier clockMs) {
        this.admin = admin;
        this.clockMs = clockMs;
    }

    /**
     * The topic's partition count, {@link #MISSING}, or {@link #UNKNOWN} (not cached or expired).
     */
    int cached(String topic) {
        Entry e = entries.get(topic);
        return e == null || e.expiresAtMs < clockMs.getAsLong() ? UNKNOWN : e.partitions;
    }

    /**
     * Asks Kafka; completes on {@code vctx} with the partition count or {@link #MISSING}, and fails
     * when Kafka cannot be asked (the caller then lets the engine decide).
     */
    Future<Integer> load(Context vctx, String topic) {
        return HttpApi.future(
                        vctx,
                        admin.describeTopics(
                                        List.of(topic), new DescribeTopicsOptions().timeoutMs(5000))
                                .allTopicNames())
                .map(d -> d.get(topic).partitions().size())
                .recover(
                        t -> {
                            Throwable cause =
                                    t instanceof java.util.concurrent.CompletionException
                                                    && t.getCause() != null
                                            ? t.getCause()
                                            : t;
                            return cause instanceof UnknownTopicOrPartitionException
                                    ? Future.succeededFuture(MISSING)
                                    : Future.failedFuture(t);
                        })
                .onSuccess(
                        n ->
                                entries.put(
                                        topic,
                                        new Entry(
                                                n,
                                                clockMs.getAsLong()
                                                        + (n == MISSING ? MISSING_MS : KNOWN_MS))));
    }
}
