package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

/** OffsetFetch to Kafka's protocol and back; stateless, any thread. */
final class OffsetFetchCodec {
    /* Design notes
     * As OffsetCommit: v10 by topic id only (answers have EMPTY names: mapped back by id), v9 and
     * older by name; a topic without a known id caps the request at v9 (forTopicNames).
     * The boolean of OffsetFetchRequest.Builder.forTopicIdsOrNames(data, flag) is NOT requireStable
     * (that is a field of the data) but "throw when the broker cannot honour requireStable" (v7+):
     * true, so such a broker fails the request as UNSUPPORTED_VERSION instead of silently reading
     * unstable offsets. OffsetFetchResponse.group(id) normalises the answer of every version to the
     * v8+ per-group shape; it throws for a group the answer lacks, which becomes a group error here
     * (a parse must not throw: NetworkClient would swallow the callback).
     */
    private OffsetFetchCodec() {}

    static OffsetFetchRequest.Builder request(WireRequest.OffsetFetch f) {
        Map<String, OffsetFetchRequestData.OffsetFetchRequestTopics> byTopic =
                new LinkedHashMap<>();
        boolean allIds = true;
        for (TopicPartition tp : f.partitions()) {
            Uuid id = f.topicIds().getOrDefault(tp.topic(), Uuid.ZERO_UUID);
            allIds &= !id.equals(Uuid.ZERO_UUID);
            byTopic.computeIfAbsent(
                            tp.topic(),
                            n ->
                                    new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                            .setName(n)
                                            .setTopicId(id))
                    .partitionIndexes()
                    .add(tp.partition());
        }
        OffsetFetchRequestData.OffsetFetchRequestGroup group =
                new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(f.groupId())
                        .setMemberId(f.memberId())
                        .setMemberEpoch(f.memberEpoch())
                        .setTopics(new ArrayList<>(byTopic.values()));
        List<OffsetFetchRequestData.OffsetFetchRequestGroup> groups = new ArrayList<>();
        groups.add(group);
        OffsetFetchRequestData data =
                new OffsetFetchRequestData().setRequireStable(f.requireStable()).setGroups(groups);
        return allIds
                ? OffsetFetchRequest.Builder.forTopicIdsOrNames(data, true)
                : OffsetFetchRequest.Builder.forTopicNames(data, true);
    }

    static GroupOffsets parse(AbstractResponse response, WireRequest.OffsetFetch f) {
        OffsetFetchResponseData.OffsetFetchResponseGroup group;
        try {
            group = ((OffsetFetchResponse) response).group(f.groupId());
        } catch (IllegalArgumentException e) {
            return new GroupOffsets(
                    f.groupId(),
                    WireError.of(
                            Errors.UNKNOWN_SERVER_ERROR.code(),
                            "the OffsetFetch answer has no group " + f.groupId()),
                    Map.of());
        }
        Map<Uuid, String> names = new HashMap<>();
        f.topicIds().forEach((name, id) -> names.put(id, name));
        Map<TopicPartition, CommittedOffset> out = new HashMap<>();
        for (OffsetFetchResponseData.OffsetFetchResponseTopics t : group.topics()) {
            String topic =
                    t.name() != null && !t.name().isEmpty() ? t.name() : names.get(t.topicId());
            if (topic == null) {
                continue;
            }
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                out.put(
                        new TopicPartition(topic, p.partitionIndex()),
                        new CommittedOffset(
                                p.committedOffset(),
                                p.committedLeaderEpoch(),
                                p.metadata() == null ? "" : p.metadata(),
                                WireError.of(p.errorCode(), null)));
            }
        }
        return new GroupOffsets(f.groupId(), WireError.of(group.errorCode(), null), out);
    }
}
