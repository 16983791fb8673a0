package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * The control channel's requests (Metadata, InitProducerId, FindCoordinator) to Kafka's protocol
 * and back; stateless, any thread.
 */
final class ControlCodec {
    private ControlCodec() {}

    static MetadataRequest.Builder metadata(WireRequest.Metadata m) {
        MetadataRequestData data =
                new MetadataRequestData().setAllowAutoTopicCreation(m.allowAutoTopicCreation());
        if (m.topics() == null) {
            data.setTopics(null);
        } else {
            List<MetadataRequestData.MetadataRequestTopic> ts = new ArrayList<>();
            for (String t : m.topics()) {
                ts.add(
                        new MetadataRequestData.MetadataRequestTopic()
                                .setName(t)
                                .setTopicId(Uuid.ZERO_UUID));
            }
            data.setTopics(ts);
        }
        return new MetadataRequest.Builder(data);
    }

    static ClusterView parseMetadata(AbstractResponse r, WireRequest.Metadata m) {
        MetadataResponse response = (MetadataResponse) r;
        Map<Integer, Node> nodes = new HashMap<>(response.brokersById());
        Map<String, TopicView> topics = new HashMap<>();
        for (MetadataResponse.TopicMetadata t : response.topicMetadata()) {
            List<PartitionLeader> ps = new ArrayList<>();
            for (MetadataResponse.PartitionMetadata p : t.partitionMetadata()) {
                Node leader = p.leaderId.map(nodes::get).orElse(null);
                ps.add(
                        new PartitionLeader(
                                t.topic(),
                                t.topicId(),
                                p.partition(),
                                leader,
                                p.leaderEpoch.orElse(-1),
                                WireError.of(p.error.code(), null),
                                p.replicaIds,
                                p.inSyncReplicaIds));
            }
            ps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            topics.put(
                    t.topic(),
                    new TopicView(
                            t.topic(),
                            t.topicId() == null ? Uuid.ZERO_UUID : t.topicId(),
                            t.isInternal(),
                            WireError.of(t.error().code(), null),
                            ps));
        }
        return new ClusterView(nodes, topics, m.topics() == null);
    }

    static InitProducerIdRequest.Builder initProducerId() {
        return new InitProducerIdRequest.Builder(
                new InitProducerIdRequestData()
                        .setTransactionalId(null)
                        .setTransactionTimeoutMs(Integer.MAX_VALUE));
    }

    static ProducerIdAndEpoch parseProducerId(AbstractResponse r) {
        InitProducerIdResponse resp = (InitProducerIdResponse) r;
        return new ProducerIdAndEpoch(
                resp.data().producerId(),
                resp.data().producerEpoch(),
                WireError.of(resp.data().errorCode(), null));
    }

    static FindCoordinatorRequest.Builder findCoordinator(WireRequest.FindCoordinator f) {
        return new FindCoordinatorRequest.Builder(
                new FindCoordinatorRequestData()
                        .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id())
                        .setCoordinatorKeys(f.groups()));
    }

    static Map<String, Coordinator> parseCoordinators(AbstractResponse r) {
        Map<String, Coordinator> out = new HashMap<>();
        for (FindCoordinatorResponseData.Coordinator c :
                ((FindCoordinatorResponse) r).data().coordinators()) {
            WireError error = WireError.of(c.errorCode(), c.errorMessage());
            Node node = error.isNone() ? new Node(c.nodeId(), c.host(), c.port()) : null;
            out.put(c.key(), new Coordinator(c.key(), node, error));
        }
        return out;
    }
}
