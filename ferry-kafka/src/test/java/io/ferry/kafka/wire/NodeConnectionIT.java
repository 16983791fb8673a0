package io.ferry.kafka.wire;

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
import java.util.concurrent.atomic.AtomicReference;
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
class NodeConnectionIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    private static Node bootstrapNode() {
        String[] hp = cluster.bootstrap().split(",")[0].split(":");
        return new Node(-1, hp[0], Integer.parseInt(hp[1]));
    }

    private static <T> T await(NodeConnection c, AtomicReference<T> slot) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (slot.get() == null) {
            assertThat(System.currentTimeMillis()).as("answer within 30 s").isLessThan(deadline);
            c.poll(100, System.currentTimeMillis());
        }
        return slot.get();
    }

    private static ClusterView metadata(NodeConnection c, String topic) {
        AtomicReference<Outcome<ClusterView>> got = new AtomicReference<>();
        while (!c.ready(System.currentTimeMillis())) {
            c.poll(50, System.currentTimeMillis());
        }
        c.sendMetadata(List.of(topic), false, System.currentTimeMillis(), got::set);
        Outcome<ClusterView> o = await(c, got);
        assertThat(o.succeeded()).as(String.valueOf(o.failure())).isTrue();
        return o.response();
    }

    @Test
    void metadata_namesLeadersEpochsAndTopicIds() throws Exception {
        cluster.createTopic("contract-meta", 3, 1);
        try (NodeConnection c =
                NodeConnection.open(Map.of(), "contract", bootstrapNode(), 30_000, 5)) {
            ClusterView view = metadata(c, "contract-meta");
            assertThat(view.nodes()).hasSize(1);
            assertThat(view.topicErrors().get("contract-meta").isNone()).isTrue();
            List<PartitionLeader> ps = view.partitions().get("contract-meta");
            assertThat(ps).hasSize(3);
            for (PartitionLeader p : ps) {
                assertThat(p.leader()).isNotNull();
                assertThat(p.leaderEpoch()).isGreaterThanOrEqualTo(0);
                assertThat(p.topicId()).isNotNull();
            }
        }
    }

    @Test
    void metadata_unknownTopic_saysSo() {
        try (NodeConnection c =
                NodeConnection.open(Map.of(), "contract", bootstrapNode(), 30_000, 5)) {
            ClusterView view = metadata(c, "no-such-topic");
            assertThat(view.topicErrors().get("no-such-topic").name())
                    .isEqualTo("UNKNOWN_TOPIC_OR_PARTITION");
        }
    }

    @Test
    void initProducerId_thenIdempotentProduce_isReadBack_andAResendIsDeduplicated()
            throws Exception {
        cluster.createTopic("contract-produce", 2, 1);
        try (NodeConnection boot =
                NodeConnection.open(Map.of(), "contract", bootstrapNode(), 30_000, 5)) {
            ClusterView view = metadata(boot, "contract-produce");
            PartitionLeader p0 = view.partitions().get("contract-produce").get(0);
            try (NodeConnection c =
                    NodeConnection.open(Map.of(), "contract", p0.leader(), 30_000, 5)) {
                while (!c.ready(System.currentTimeMillis())) {
                    c.poll(50, System.currentTimeMillis());
                }
                ProducerIdAndEpoch id;
                do { // retriable while the producer id manager loads (COORDINATOR_LOAD_IN_PROGRESS)
                    AtomicReference<Outcome<ProducerIdAndEpoch>> pid = new AtomicReference<>();
                    c.sendInitProducerId(System.currentTimeMillis(), pid::set);
                    id = await(c, pid).response();
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
                AtomicReference<Outcome<Map<TopicPartition, PartitionResult>>> res =
                        new AtomicReference<>();
                c.sendProduce(
                        (short) -1,
                        30_000,
                        Map.of(tp, gap),
                        ids,
                        System.currentTimeMillis(),
                        res::set);
                assertThat(await(c, res).response().get(tp).error().isOutOfOrderSequence())
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
            NodeConnection c,
            TopicPartition tp,
            EncodedBatch batch,
            Map<String, org.apache.kafka.common.Uuid> ids) {
        AtomicReference<Outcome<Map<TopicPartition, PartitionResult>>> res =
                new AtomicReference<>();
        c.sendProduce(
                (short) -1, 30_000, Map.of(tp, batch), ids, System.currentTimeMillis(), res::set);
        Outcome<Map<TopicPartition, PartitionResult>> o = await(c, res);
        assertThat(o.succeeded()).as(String.valueOf(o.failure())).isTrue();
        PartitionResult r = o.response().get(tp);
        assertThat(r.error().isNone()).as(r.error().toString()).isTrue();
        return r.baseOffset();
    }
}
