package io.ferry.kafka.wire;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/** Produce to Kafka's protocol and back; stateless, any thread. */
final class ProduceCodec {
    /* Design notes
     * Produce v13 names topics by id: both name and id are set (a missing id goes as ZERO_UUID, and
     * the broker answers UNKNOWN_TOPIC_ID); v13 answers carry an empty name, mapped back by id.
     */
    private ProduceCodec() {}

    static ProduceRequest.Builder request(WireRequest.Produce p) {
        ProduceRequestData.TopicProduceDataCollection topics =
                new ProduceRequestData.TopicProduceDataCollection();
        Map<String, ProduceRequestData.TopicProduceData> byTopic = new HashMap<>();
        for (Map.Entry<TopicPartition, EncodedBatch> e : p.batches().entrySet()) {
            ProduceRequestData.TopicProduceData t =
                    byTopic.computeIfAbsent(
                            e.getKey().topic(),
                            name -> {
                                ProduceRequestData.TopicProduceData d =
                                        new ProduceRequestData.TopicProduceData()
                                                .setName(name)
                                                .setTopicId(
                                                        p.topicIds()
                                                                .getOrDefault(
                                                                        name, Uuid.ZERO_UUID));
                                topics.add(d);
                                return d;
                            });
            t.partitionData()
                    .add(
                            new ProduceRequestData.PartitionProduceData()
                                    .setIndex(e.getKey().partition())
                                    .setRecords(e.getValue().records));
        }
        ProduceRequestData data =
                new ProduceRequestData()
                        .setAcks(p.acks())
                        .setTimeoutMs(p.timeoutMs())
                        .setTopicData(topics);
        return ProduceRequest.builder(data);
    }

    /** The answer of {@code p}; an empty map for acks=0 (no answer, {@code response} null). */
    static Map<TopicPartition, PartitionResult> parse(
            AbstractResponse response, WireRequest.Produce p) {
        if (response == null) {
            return Map.of();
        }
        Map<Uuid, String> names = new HashMap<>();
        for (TopicPartition tp : p.batches().keySet()) {
            names.put(p.topicIds().getOrDefault(tp.topic(), Uuid.ZERO_UUID), tp.topic());
        }
        ProduceResponseData data = ((ProduceResponse) response).data();
        Map<Integer, Node> endpoints = new HashMap<>();
        for (ProduceResponseData.NodeEndpoint n : data.nodeEndpoints()) {
            endpoints.put(n.nodeId(), new Node(n.nodeId(), n.host(), n.port(), n.rack()));
        }
        Map<TopicPartition, PartitionResult> out = new HashMap<>();
        for (ProduceResponseData.TopicProduceResponse t : data.responses()) {
            String topic =
                    t.name() != null && !t.name().isEmpty() ? t.name() : names.get(t.topicId());
            for (ProduceResponseData.PartitionProduceResponse r : t.partitionResponses()) {
                WireError error = WireError.of(r.errorCode(), r.errorMessage());
                Node hint = null;
                int hintEpoch = -1;
                if (r.currentLeader() != null && r.currentLeader().leaderId() >= 0) {
                    hint = endpoints.get(r.currentLeader().leaderId());
                    hintEpoch = r.currentLeader().leaderEpoch();
                }
                out.put(
                        new TopicPartition(topic, r.index()),
                        new PartitionResult(error, r.baseOffset(), hint, hintEpoch));
            }
        }
        return out;
    }
}
