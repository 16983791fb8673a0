package io.ferry.kafka.wire;

import static io.ferry.kafka.wire.LiveChannels.call;
import static io.ferry.kafka.wire.LiveChannels.created;
import static io.ferry.kafka.wire.LiveChannels.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contract tests of the wire adapter against a real 1-node cluster (kafka-clients 4.2.0 internals).
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetworkNodeChannelIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    private static Node bootstrapNode() {
        return LiveChannels.bootstrapNode(cluster);
    }

    private static NetworkNodeChannel open(Node node) {
        return LiveChannels.open(node, "test");
    }

    @Test
    void metadata_namesLeadersEpochsAndTopicIds() throws Exception {
        cluster.createTopic("contract-meta", 3, 1);
        try (NetworkNodeChannel c = open(bootstrapNode())) {
            TopicView t = created(c, "contract-meta");
            assertThat(metadata(c, "contract-meta").nodes()).hasSize(1);
            assertThat(t.error().isNone()).isTrue();
            assertThat(t.internal()).isFalse();
            assertThat(t.topicId()).isNotEqualTo(org.apache.kafka.common.Uuid.ZERO_UUID);
            List<PartitionLeader> ps = t.partitions();
            assertThat(ps).hasSize(3);
            for (PartitionLeader p : ps) {
                assertThat(p.leader()).isNotNull();
                assertThat(p.leaderEpoch()).isGreaterThanOrEqualTo(0);
                assertThat(p.topicId()).isEqualTo(t.topicId());
                assertThat(p.replicas()).containsExactly(p.leader().id());
                assertThat(p.isr()).containsExactly(p.leader().id());
            }
        }
    }

    @Test
    void metadata_forEveryTopic_listsThemAll_withInternalOnesMarked() throws Exception {
        cluster.createTopic("contract-list", 1, 1);
        try (NetworkNodeChannel c = open(bootstrapNode())) {
            ClusterView view = metadata(c, null);
            assertThat(view.allTopics()).isTrue();
            assertThat(view.topics()).containsKey("contract-list");
            view.topics().values().stream()
                    .filter(t -> t.name().startsWith("__"))
                    .forEach(t -> assertThat(t.internal()).as(t.name()).isTrue());
        }
    }

    @Test
    void findCoordinator_answersForSeveralGroupsInOneRequest() {
        try (NetworkNodeChannel c = open(bootstrapNode())) {
            Map<String, Coordinator> found = Map.of();
            long deadline = System.currentTimeMillis() + 30_000;
            do { // COORDINATOR_NOT_AVAILABLE until __consumer_offsets exists
                Outcome<Map<String, Coordinator>> o =
                        call(c, new WireRequest.FindCoordinator(List.of("g-one", "g-two")));
                assertThat(o.succeeded()).as(String.valueOf(o.failure())).isTrue();
                found = o.response();
            } while (found.values().stream().anyMatch(x -> !x.error().isNone())
                    && System.currentTimeMillis() < deadline);
            assertThat(found).containsOnlyKeys("g-one", "g-two");
            assertThat(found.values())
                    .allSatisfy(
                            x -> {
                                assertThat(x.error().isNone()).as(x.error().toString()).isTrue();
                                assertThat(x.node()).isNotNull();
                            });
        }
    }

    @Test
    void aNodeNobodyListensOn_isAConnectionFailure_notAnAuthenticationOne() {
        try (NetworkNodeChannel c = open(new Node(7, "127.0.0.1", 1))) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (c.connectionFailure() == null) {
                assertThat(System.currentTimeMillis()).isLessThan(deadline);
                c.ready(System.currentTimeMillis());
                c.poll(50, System.currentTimeMillis());
            }
            assertThat(c.connectionFailure().kind()).isEqualTo(WireFailure.Kind.DISCONNECTED);
            assertThat(c.connectionFailure().message()).contains("127.0.0.1:1");
        }
    }

    @Test
    void metadata_unknownTopic_saysSo() {
        try (NetworkNodeChannel c = open(bootstrapNode())) {
            ClusterView view = metadata(c, "no-such-topic");
            assertThat(view.topics().get("no-such-topic").error().name())
                    .isEqualTo("UNKNOWN_TOPIC_OR_PARTITION");
            assertThat(view.topics().get("no-such-topic").partitions()).isEmpty();
        }
    }

    @Test
    void initProducerId_thenIdempotentProduce_isReadBack_andAResendIsDeduplicated()
            throws Exception {
        cluster.createTopic("contract-produce", 2, 1);
        try (NetworkNodeChannel boot = open(bootstrapNode())) {
            PartitionLeader p0 = created(boot, "contract-produce").partitions().get(0);
            try (NetworkNodeChannel c = open(p0.leader())) {
                ProducerIdAndEpoch id;
                do { // retriable while the producer id manager loads (COORDINATOR_LOAD_IN_PROGRESS)
                    id = call(c, new WireRequest.InitProducerId()).response();
                } while (id.error().retriable());
                assertThat(id.error().isNone()).as(id.error().toString()).isTrue();
                assertThat(id.producerId()).isGreaterThanOrEqualTo(0);

                RecordBatchEncoder encoder = new RecordBatchEncoder("lz4");
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    events.add(
                            Event.of(
                                    "contract-produce",
                                    ("k" + i).getBytes(),
                                    ("v" + i).getBytes()));
                }
                EncodedBatch batch =
                        encoder.encode(
                                events, id.producerId(), id.epoch(), 0, System.currentTimeMillis());
                TopicPartition tp = new TopicPartition("contract-produce", 0);
                Map<String, org.apache.kafka.common.Uuid> ids =
                        Map.of("contract-produce", p0.topicId());
                long first = produce(c, tp, batch, ids);
                long again = produce(c, tp, batch, ids);
                assertThat(again)
                        .as("a resend with the same sequence is de-duplicated: same offset")
                        .isEqualTo(first);

                EncodedBatch gap =
                        encoder.encode(
                                events.subList(0, 1),
                                id.producerId(),
                                id.epoch(),
                                50,
                                System.currentTimeMillis());
                assertThat(
                                call(
                                                c,
                                                new WireRequest.Produce(
                                                        (short) -1, 30_000, Map.of(tp, gap), ids))
                                        .response()
                                        .get(tp)
                                        .error()
                                        .isOutOfOrderSequence())
                        .isTrue();
            }
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", cluster.bootstrap());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("contract-produce", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (records.size() < 10 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(records).hasSize(10);
            assertThat(new String(records.get(3).value())).isEqualTo("v3");
            assertThat(consumer.endOffsets(List.of(tp)).get(tp))
                    .as("no duplicate written")
                    .isEqualTo(10L);
        }
    }

    private static long produce(
            NodeChannel c,
            TopicPartition tp,
            EncodedBatch batch,
            Map<String, org.apache.kafka.common.Uuid> ids) {
        Outcome<Map<TopicPartition, PartitionResult>> o =
                call(c, new WireRequest.Produce((short) -1, 30_000, Map.of(tp, batch), ids));
        assertThat(o.succeeded()).as(String.valueOf(o.failure())).isTrue();
        PartitionResult r = o.response().get(tp);
        assertThat(r.error().isNone()).as(r.error().toString()).isTrue();
        return r.baseOffset();
    }
}
