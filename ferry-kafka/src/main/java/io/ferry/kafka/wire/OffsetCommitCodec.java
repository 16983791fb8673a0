package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;

/** OffsetCommit to Kafka's protocol and back; stateless, any thread. */
final class OffsetCommitCodec {
    /* Design notes
     * v10 names topics by id only, v9 and older by name only; forTopicIdsOrNames allows up to v10
     * and its build() throws UnsupportedVersionException when a topic of a v10 request has no id
     * (NetworkClient turns that into a version mismatch). So both name and id are set, and a request
     * with a topic of unknown id uses forTopicNames (capped at v9), as Kafka's CommitRequestManager
     * does. v10 answers carry an EMPTY topic name: they are mapped back by topic id.
     * Group errors (NOT_COORDINATOR, STALE_MEMBER_EPOCH ...) come as every partition's error.
     */
    private OffsetCommitCodec() {}

    static OffsetCommitRequest.Builder request(WireRequest.OffsetCommit c) {
        Map<String, OffsetCommitRequestData.OffsetCommitRequestTopic> byTopic =
                new LinkedHashMap<>();
        boolean allIds = true;
        for (Map.Entry<TopicPartition, OffsetToCommit> e : c.offsets().entrySet()) {
            String topic = e.getKey().topic();
            Uuid id = c.topicIds().getOrDefault(topic, Uuid.ZERO_UUID);
            allIds &= !id.equals(Uuid.ZERO_UUID);
            OffsetToCommit o = e.getValue();
            byTopic.computeIfAbsent(
                            topic,
                            n ->
                                    new OffsetCommitRequestData.OffsetCommitRequestTopic()
                                            .setName(n)
                                            .setTopicId(id))
                    .partitions()
                    .add(
                            new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(e.getKey().partition())
                                    .setCommittedOffset(o.offset())
                                    .setCommittedLeaderEpoch(o.leaderEpoch())
                                    .setCommittedMetadata(o.metadata()));
        }
        OffsetCommitRequestData data =
                new OffsetCommitRequestData()
                        .setGroupId(c.groupId())
                        .setMemberId(c.memberId())
                        .setGenerationIdOrMemberEpoch(c.memberEpoch())
                        .setTopics(new ArrayList<>(byTopic.values()));
        return allIds
                ? OffsetCommitRequest.Builder.forTopicIdsOrNames(data)
                : OffsetCommitRequest.Builder.forTopicNames(data);
    }

    static Map<TopicPartition, WireError> parse(
            AbstractResponse response, WireRequest.OffsetCommit c) {
        Map<Uuid, String> names = new HashMap<>();
        c.topicIds().forEach((name, id) -> names.put(id, name));
        Map<TopicPartition, WireError> out = new HashMap<>();
        for (OffsetCommitResponseData.OffsetCommitResponseTopic t :
                ((OffsetCommitResponse) response).data().topics()) {
            String topic =
                    t.name() != null && !t.name().isEmpty() ? t.name() : names.get(t.topicId());
            if (topic == null) {
                continue; // an id we did not send: nothing of ours
            }
            for (OffsetCommitResponseData.OffsetCommitResponsePartition p : t.partitions()) {
                out.put(
                        new TopicPartition(topic, p.partitionIndex()),
                        WireError.of(p.errorCode(), null));
            }
        }
        return out;
    }
}
