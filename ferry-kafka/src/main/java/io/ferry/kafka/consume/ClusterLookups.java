package io.ferry.kafka.consume;

import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.wire.Coordinator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership loop's lookups on a {@code KafkaCluster}'s shared core ({@link EngineAccess}):
 * FindCoordinator through the cluster's control loop (one batched request for every group waiting,
 * shared with the commit engine's lookups), topic names by id from the cluster's metadata cache.
 * Only the membership loop's thread calls it; answers come on the control loop's thread, are queued
 * and delivered by {@link #poll} on the loop's thread, which {@code wake} unparks.
 */
final class ClusterLookups implements MembershipLookups {
    /* Design notes
     * One FindCoordinator at a time, as GroupLookups: groups that become due while one is in flight
     * go out together in the next. A failed lookup (the control loop could not ask: it retries its
     * own connection) is retried after a backoff doubling from retryBackoffMs to
     * retryBackoffMaxMs. Metadata of topics with unknown ids is asked at most every
     * retryBackoffMaxMs (the cache then keeps those topics fresh while in use); the members
     * re-read names from the cache on every step. Nothing here is polled: answers wake the loop,
     * so inFlight() is false and the loop parks until news.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLookups.class);

    private record Answer(Map<String, Coordinator> found, Throwable failure) {}

    private final String cluster;
    private final EngineAccess access;
    private final MembershipSettings settings;
    private final Runnable wake;
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    // Loop thread only.
    private Consumer<Map<String, Coordinator>> found = m -> {};
    private boolean lookupInFlight;
    private int failures;
    private long retryMs;
    private long metadataRetryMs;
    private int findCoordinatorRequests;

    ClusterLookups(
            String cluster, EngineAccess access, MembershipSettings settings, Runnable wake) {
        this.cluster = cluster;
        this.access = access;
        this.settings = settings;
        this.wake = wake;
    }

    @Override
    public String topicName(Uuid id) {
        return access.topicName(id);
    }

    @Override
    public boolean inFlight() {
        return false; // answers wake the loop; nothing to poll
    }

    @Override
    public int findCoordinatorRequests() {
        return findCoordinatorRequests;
    }

    @Override
    public void poll(long nowMs) {
        for (Answer a; (a = answers.poll()) != null; ) {
            lookupInFlight = false;
            if (a.failure() != null) {
                failures++;
                long backoff =
                        Math.min(
                                settings.retryBackoffMs() << Math.min(failures - 1, 20),
                                settings.retryBackoffMaxMs());
                retryMs = nowMs + backoff;
                LOG.warn(
                        "cluster {}: FindCoordinator failed ({}); asking again in {} ms",
                        cluster,
                        a.failure().toString(),
                        backoff);
            } else {
                failures = 0;
                found.accept(a.found());
            }
        }
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // the callbacks are the continuation
    public long round(
            long nowMs,
            List<String> groups,
            Set<String> topics,
            Consumer<Map<String, Coordinator>> found) {
        this.found = found;
        long next = Long.MAX_VALUE;
        if (!topics.isEmpty()) {
            if (nowMs >= metadataRetryMs) {
                metadataRetryMs = nowMs + settings.retryBackoffMaxMs();
                access.refresh(Set.copyOf(topics)).whenComplete((v, e) -> wakeIfOpen());
            }
            next = metadataRetryMs;
        }
        if (groups.isEmpty() || lookupInFlight) {
            return next;
        }
        if (nowMs < retryMs) {
            return Math.min(next, retryMs);
        }
        lookupInFlight = true;
        findCoordinatorRequests++;
        access.findCoordinators(Set.copyOf(groups))
                .whenComplete(
                        (m, e) -> {
                            answers.add(new Answer(m, e));
                            wakeIfOpen();
                        });
        return next;
    }

    private void wakeIfOpen() {
        if (!closed) {
            wake.run();
        }
    }

    @Override
    public void close() {
        closed = true;
        answers.clear();
    }
}
