package io.ferry.kafka.consume;

import io.ferry.kafka.wire.WireRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;

/**
 * Which fields one member's next ConsumerGroupHeartbeat carries, and what the coordinator last
 * received; used by the member's owner thread only (as Kafka's client keeps a heartbeat state
 * beside its membership manager).
 */
final class HeartbeatFields {
    /* Design notes
     * A null field means "unchanged since my last heartbeat" (CONSUME-NOTES section 1), so the
     * rules are: every field on a join (epoch 0) and after any error or lost answer (resendAll);
     * else only what changed. The owned set is explicit whenever it differs from what the
     * coordinator last RECEIVED (an answered heartbeat), and always while reconciling: a null
     * owned set counts as "still owns everything", so it can never report a revocation. What a
     * heartbeat in flight carried becomes "received" only when it is answered without error.
     */
    private final String groupId;
    private final String memberId;
    private final MembershipSettings settings;
    private List<String> topics;
    private List<String> topicsReceived; // the subscription the coordinator has, null: unknown
    private List<String> topicsInFlight; // the subscription of the heartbeat in flight, or null
    private boolean resendAll = true;
    private Set<TopicIdPartition> received; // the owned set the coordinator has, null: unknown
    private Set<TopicIdPartition> inFlight; // the owned set of the heartbeat in flight, or null

    HeartbeatFields(
            String groupId, String memberId, List<String> topics, MembershipSettings settings) {
        this.groupId = groupId;
        this.memberId = memberId;
        this.topics = topics;
        this.settings = settings;
    }

    /**
     * The subscription from now on; the next heartbeat carries it unless the coordinator has it.
     */
    void topics(List<String> now) {
        topics = now;
    }

    /** True when the coordinator has not received the subscription now. */
    boolean topicsChanged() {
        return !topics.equals(topicsReceived);
    }

    /** The next heartbeat sends every field (after an error, a lost answer, a new coordinator). */
    void resendAll() {
        resendAll = true;
        topicsReceived = null;
    }

    /** The coordinator's view of the owned set is unknown (a lost answer, fencing). */
    void forgetReceived() {
        received = null;
    }

    /** True when the coordinator has received exactly {@code owned}. */
    boolean received(Set<TopicIdPartition> owned) {
        return owned.equals(received);
    }

    /**
     * A heartbeat at {@code epoch} (0: a join), owning {@code owned}; {@code reconciling} forces an
     * explicit owned set.
     */
    WireRequest.ConsumerGroupHeartbeat heartbeat(
            int epoch, boolean reconciling, Set<TopicIdPartition> owned) {
        boolean full = resendAll || epoch == 0;
        inFlight = null;
        topicsInFlight = full || topicsChanged() ? topics : null;
        Map<Uuid, Set<Integer>> ownedNow = null;
        if (full || reconciling || !owned.equals(received)) {
            ownedNow = byTopicId(owned);
            inFlight = Set.copyOf(owned);
        }
        return new WireRequest.ConsumerGroupHeartbeat(
                groupId,
                memberId,
                epoch,
                null,
                null,
                full ? settings.rebalanceTimeoutMs() : -1,
                topicsInFlight,
                full ? settings.serverAssignor() : null,
                ownedNow);
    }

    /** The leave heartbeat: epoch -1, every other field unchanged. */
    WireRequest.ConsumerGroupHeartbeat leave() {
        inFlight = null;
        topicsInFlight = null;
        return new WireRequest.ConsumerGroupHeartbeat(
                groupId, memberId, -1, null, null, -1, null, null, null);
    }

    /** The heartbeat in flight was answered without error. */
    void answered() {
        resendAll = false;
        if (inFlight != null) {
            received = inFlight;
        }
        if (topicsInFlight != null) {
            topicsReceived = topicsInFlight;
        }
    }

    private static Map<Uuid, Set<Integer>> byTopicId(Set<TopicIdPartition> ps) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        for (TopicIdPartition p : ps) {
            out.computeIfAbsent(p.topicId(), id -> new TreeSet<>()).add(p.partition());
        }
        return out;
    }
}
