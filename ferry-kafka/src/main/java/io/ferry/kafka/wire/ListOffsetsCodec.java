package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/** ListOffsets to Kafka's protocol and back; stateless, any thread. */
final class ListOffsetsCodec {
    /* Design notes
     * forConsumer(requireTimestamp, isolation) only raises the oldest version allowed (v1 for a
     * timestamp, v2 for READ_COMMITTED; v1 is the oldest 4.2 speaks anyway). ListOffsets names
     * topics only, in every version. TimeoutMs (v10+) bounds a lookup in tiered storage: the
     * channel's request timeout.
     */
    private ListOffsetsCodec() {}

    static ListOffsetsRequest.Builder request(WireRequest.ListOffsets l, int timeoutMs) {
        Map<String, ListOffsetsRequestData.ListOffsetsTopic> byTopic = new LinkedHashMap<>();
        boolean timestamps = false;
        for (Map.Entry<TopicPartition, OffsetQuery> e : l.queries().entrySet()) {
            OffsetQuery q = e.getValue();
            timestamps |= q.timestamp() >= 0;
            byTopic.computeIfAbsent(
                            e.getKey().topic(),
                            n -> new ListOffsetsRequestData.ListOffsetsTopic().setName(n))
                    .partitions()
                    .add(
                            new ListOffsetsRequestData.ListOffsetsPartition()
                                    .setPartitionIndex(e.getKey().partition())
                                    .setTimestamp(q.timestamp())
                                    .setCurrentLeaderEpoch(q.currentLeaderEpoch()));
        }
        return ListOffsetsRequest.Builder.forConsumer(timestamps, l.isolation())
                .setTargetTimes(new ArrayList<>(byTopic.values()))
                .setTimeoutMs(timeoutMs);
    }

    static Map<TopicPartition, ListedOffset> parse(AbstractResponse response) {
        Map<TopicPartition, ListedOffset> out = new HashMap<>();
        for (ListOffsetsResponseData.ListOffsetsTopicResponse t :
                ((ListOffsetsResponse) response).topics()) {
            for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                out.put(
                        new TopicPartition(t.name(), p.partitionIndex()),
                        new ListedOffset(
                                WireError.of(p.errorCode(), null),
                                p.offset(),
                                p.timestamp(),
                                p.leaderEpoch()));
            }
        }
        return out;
    }
}
