package io.ferry.kafka.consume;

import io.ferry.kafka.wire.Coordinator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;

/**
 * What the membership loop looks up besides heartbeats: the coordinators of its groups (batched
 * FindCoordinator) and the names of topic ids in assignments (Metadata). Only the membership loop's
 * thread (or a test stepping it) calls it.
 *
 * <p>Two kinds: {@link ClusterLookups} on a {@code KafkaCluster}'s control loop and metadata cache
 * (what {@link MembershipLoop#start} uses), and {@link GroupLookups}, a control connection of its
 * own (a loop built on a bare channel factory, as the unit tests do).
 */
interface MembershipLookups extends AutoCloseable {
    /** The name of the topic with {@code id}, or null while unknown. */
    String topicName(Uuid id);

    /** True while an answer is expected on a channel the loop must poll for it. */
    boolean inFlight();

    /** FindCoordinator requests sent so far (each asks for every group waiting). */
    int findCoordinatorRequests();

    /** Delivers answers that came; {@code found} of the last {@link #round} gets coordinators. */
    void poll(long nowMs);

    /**
     * Asks for the coordinators of {@code groups} when any and none is in flight, and for metadata
     * of {@code topics} when any and due; returns when to come back (Long.MAX_VALUE: on news).
     */
    long round(
            long nowMs,
            List<String> groups,
            Set<String> topics,
            Consumer<Map<String, Coordinator>> found);

    /** Stops; answers after this are dropped. */
    @Override
    void close();
}
