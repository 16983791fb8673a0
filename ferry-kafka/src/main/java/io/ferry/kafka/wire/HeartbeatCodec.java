package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;

/** ConsumerGroupHeartbeat (KIP-848) to Kafka's protocol and back; stateless, any thread. */
final class HeartbeatCodec {
    /* Design notes
     * Null and empty differ on the wire and to the coordinator: every nullable field of the request
     * is "unchanged" when null, and a join (epoch 0) with a null TopicPartitions is INVALID_REQUEST
     * (GroupCoordinatorService.throwIfConsumerGroupHeartbeatRequestIsInvalid). So nulls pass through
     * as nulls, and an empty owned map becomes an empty list, never null. The answer's Assignment is
     * null when unchanged; it is kept null (HeartbeatResult), not turned into an empty map, which
     * would mean "revoke everything".
     */
    private HeartbeatCodec() {}

    static ConsumerGroupHeartbeatRequest.Builder request(WireRequest.ConsumerGroupHeartbeat h) {
        ConsumerGroupHeartbeatRequestData data =
                new ConsumerGroupHeartbeatRequestData()
                        .setGroupId(h.groupId())
                        .setMemberId(h.memberId())
                        .setMemberEpoch(h.memberEpoch())
                        .setInstanceId(h.instanceId())
                        .setRackId(h.rackId())
                        .setRebalanceTimeoutMs(h.rebalanceTimeoutMs())
                        .setSubscribedTopicNames(
                                h.subscribedTopicNames() == null
                                        ? null
                                        : new ArrayList<>(h.subscribedTopicNames()))
                        .setServerAssignor(h.serverAssignor())
                        .setTopicPartitions(owned(h.ownedPartitions()));
        return new ConsumerGroupHeartbeatRequest.Builder(data);
    }

    private static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned(
            Map<Uuid, Set<Integer>> owned) {
        if (owned == null) {
            return null;
        }
        List<ConsumerGroupHeartbeatRequestData.TopicPartitions> out = new ArrayList<>();
        for (Map.Entry<Uuid, Set<Integer>> e : owned.entrySet()) {
            out.add(
                    new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                            .setTopicId(e.getKey())
                            .setPartitions(new ArrayList<>(e.getValue())));
        }
        return out;
    }

    static HeartbeatResult parse(AbstractResponse response) {
        ConsumerGroupHeartbeatResponseData data =
                ((ConsumerGroupHeartbeatResponse) response).data();
        Map<Uuid, Set<Integer>> assignment = null;
        if (data.assignment() != null) {
            assignment = new LinkedHashMap<>();
            for (ConsumerGroupHeartbeatResponseData.TopicPartitions t :
                    data.assignment().topicPartitions()) {
                assignment
                        .computeIfAbsent(t.topicId(), id -> new HashSet<>())
                        .addAll(t.partitions());
            }
        }
        return new HeartbeatResult(
                WireError.of(data.errorCode(), data.errorMessage()),
                data.memberId(),
                data.memberEpoch(),
                data.heartbeatIntervalMs(),
                assignment);
    }
}
