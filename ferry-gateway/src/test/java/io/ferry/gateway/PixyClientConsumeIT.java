package io.ferry.gateway;

import static io.ferry.gateway.PixyClient.ack;
import static io.ferry.gateway.PixyClient.noAck;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pixyclient.ConsNAckRq;
import pixyclient.ConsRs;
import pixyclient.ConsumerGroups;
import pixyclient.GetOffsetsRs;
import pixyclient.ListConsumersRq;
import pixyclient.ListConsumersRs;
import pixyclient.PartitionOffset;
import pixyclient.ProdRq;
import pixyclient.ProdRs;
import pixyclient.RecordHeader;
import pixyclient.SetOffsetsRq;

/**
 * kafka-pixy's documented consume flows from a kafka-pixy client (grpc-java's own stubs, {@link
 * PixyClient}) against the real gateway on a real Kafka (issue 14): the consume-and-ack loop, auto
 * ack, offsets with sparse acks, setting offsets, listing consumers.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PixyClientConsumeIT {
    private static final String DEFAULT = "";
    private static InProcessKafka kafka;
    private static PixyClient client;

    @BeforeAll
    static void start(InProcessKafka cluster, @TempDir Path dir) {
        kafka = cluster;
        kafka.createTopic("loop", 3);
        kafka.createTopic("auto", 1);
        kafka.createTopic("sparse", 1);
        kafka.createTopic("members", 3);
        ConsumeConfig consume =
                ConsumeConfig.DEFAULT.withStartAtEarliest(true).withLimits(1_000, 10_000, 100, 100);
        client = PixyClient.start(kafka, consume, consume, dir);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    private static ProdRq.Builder message(String topic, String value) {
        return ProdRq.newBuilder().setTopic(topic).setMessage(ByteString.copyFrom(value, UTF_8));
    }

    /** ConsumeNAck until a message comes (NOT_FOUND is the long-poll timeout: call again). */
    private static ConsRs next(ConsNAckRq rq) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return client.pixy().consumeNAck(rq);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static void awaitCommittedToEnd(String topic, String group) {
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> {
                            for (PartitionOffset o :
                                    client.offsets(DEFAULT, topic, group).getOffsetsList()) {
                                assertThat(o.getOffset()).as(o.toString()).isEqualTo(o.getEnd());
                                assertThat(o.getLag()).as(o.toString()).isZero();
                                assertThat(o.getSparseAcks()).as(o.toString()).isEmpty();
                            }
                        });
    }

    @Test
    void consumeAndAckLoop_noAckFirstThenThePrevious_ackAtTheEnd_everyMessageOnce_thenNoLag() {
        int n = 30;
        Map<String, ProdRs> produced = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ProdRq.Builder m = message("loop", "v-" + i);
            if (i % 5 == 0) {
                m.setKeyUndefined(true);
            } else {
                m.setKeyValue(ByteString.copyFrom("key-" + i, UTF_8));
            }
            if (i % 3 == 0) {
                m.addHeaders(
                        RecordHeader.newBuilder()
                                .setKey("h")
                                .setValue(ByteString.copyFrom(new byte[] {0, (byte) i})));
            }
            produced.put("v-" + i, client.pixy().produce(m.build()));
        }
        // kafka-pixy's loop: no_ack first, then each call acknowledges the previous message
        List<ConsRs> got = new ArrayList<>();
        ConsRs last = next(noAck(DEFAULT, "loop", "loop-g"));
        got.add(last);
        while (got.size() < n) {
            last =
                    next(
                            ConsNAckRq.newBuilder()
                                    .setTopic("loop")
                                    .setGroup("loop-g")
                                    .setAckPartition(last.getPartition())
                                    .setAckOffset(last.getOffset())
                                    .build());
            got.add(last);
        }
        // and Ack for the last one before the client stops
        client.pixy().ack(ack(DEFAULT, "loop", "loop-g", last.getPartition(), last.getOffset()));

        Map<String, ConsRs> byValue = new HashMap<>();
        for (ConsRs m : got) {
            String v = m.getMessage().toStringUtf8();
            assertThat(byValue.put(v, m)).as("received once: " + v).isNull();
        }
        assertThat(byValue).hasSize(n);
        for (int i = 0; i < n; i++) {
            ConsRs m = byValue.get("v-" + i);
            ProdRs where = produced.get("v-" + i);
            assertThat(m.getPartition()).isEqualTo(where.getPartition());
            assertThat(m.getOffset()).isEqualTo(where.getOffset());
            if (i % 5 == 0) {
                assertThat(m.getKeyUndefined()).as("v-" + i).isTrue();
                assertThat(m.getKeyValue()).isEmpty();
            } else {
                assertThat(m.getKeyUndefined()).isFalse();
                assertThat(m.getKeyValue().toStringUtf8()).isEqualTo("key-" + i);
            }
            if (i % 3 == 0) {
                assertThat(m.getHeadersList()).hasSize(1);
                assertThat(m.getHeaders(0).getKey()).isEqualTo("h");
                assertThat(m.getHeaders(0).getValue().toByteArray()).containsExactly(0, (byte) i);
            } else {
                assertThat(m.getHeadersList()).isEmpty();
            }
        }
        awaitCommittedToEnd("loop", "loop-g");
        assertThat(client.offsets(DEFAULT, "loop", "loop-g").getOffsetsList())
                .extracting(PartitionOffset::getPartition)
                .containsExactly(0, 1, 2);
    }

    @Test
    void autoAck_acknowledgesEachMessageItReturns_withoutAnAckCall() {
        for (int i = 0; i < 3; i++) {
            client.pixy().produce(message("auto", "a-" + i).build());
        }
        ConsNAckRq rq =
                ConsNAckRq.newBuilder()
                        .setTopic("auto")
                        .setGroup("auto-g")
                        .setAutoAck(true)
                        .build();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            values.add(next(rq).getMessage().toStringUtf8());
        }
        assertThat(values).containsExactly("a-0", "a-1", "a-2");
        awaitCommittedToEnd("auto", "auto-g");
    }

    @Test
    void getOffsets_showsOutOfOrderAcksAsSparseAcks_thenTheCommittedOffsetCatchesUp() {
        for (int i = 0; i < 5; i++) {
            client.pixy().produce(message("sparse", "s-" + i).build());
        }
        List<ConsRs> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(next(noAck(DEFAULT, "sparse", "sparse-g")));
        }
        assertThat(got).extracting(ConsRs::getOffset).containsExactly(0L, 1L, 2L, 3L, 4L);
        for (long o : new long[] {1, 2, 4}) {
            client.pixy().ack(ack(DEFAULT, "sparse", "sparse-g", 0, o));
        }
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> {
                            PartitionOffset p =
                                    client.offsets(DEFAULT, "sparse", "sparse-g").getOffsets(0);
                            assertThat(p.getOffset()).as(p.toString()).isZero();
                            assertThat(p.getSparseAcks()).as(p.toString()).isEqualTo("1-3,4-5");
                            assertThat(p.getMetadata()).as(p.toString()).isNotEmpty();
                            assertThat(p.getBegin()).isZero();
                            assertThat(p.getEnd()).isEqualTo(5);
                            assertThat(p.getCount()).isEqualTo(5);
                            assertThat(p.getLag()).isEqualTo(5);
                        });
        client.pixy().ack(ack(DEFAULT, "sparse", "sparse-g", 0, 0));
        client.pixy().ack(ack(DEFAULT, "sparse", "sparse-g", 0, 3));
        awaitCommittedToEnd("sparse", "sparse-g");
    }

    @Test
    void setOffsets_ofAGroupNotConsumedHere_showInGetOffsets_metadataDecodedAsSparseAcks() {
        // kafka-pixy's example: acked [base+2, base+4) and [base+10, base+11) encode to CCGB
        client.pixy()
                .setOffsets(
                        SetOffsetsRq.newBuilder()
                                .setTopic("sparse")
                                .setGroup("set-g")
                                .addOffsets(
                                        PartitionOffset.newBuilder()
                                                .setPartition(0)
                                                .setOffset(2)
                                                .setMetadata("CCGB")
                                                .setLag(12345)) // read-only fields are ignored
                                .build());
        PartitionOffset p = client.offsets(DEFAULT, "sparse", "set-g").getOffsets(0);
        assertThat(p.getOffset()).isEqualTo(2);
        assertThat(p.getMetadata()).isEqualTo("CCGB");
        assertThat(p.getSparseAcks()).isEqualTo("2-4,10-11");

        assertThat(
                        PixyClient.status(
                                        () ->
                                                client.pixy()
                                                        .setOffsets(
                                                                SetOffsetsRq.newBuilder()
                                                                        .setTopic("sparse")
                                                                        .setGroup("set-g")
                                                                        .build()))
                                .getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        Status negative =
                PixyClient.status(
                        () ->
                                client.pixy()
                                        .setOffsets(
                                                SetOffsetsRq.newBuilder()
                                                        .setTopic("sparse")
                                                        .setGroup("set-g")
                                                        .addOffsets(
                                                                PartitionOffset.newBuilder()
                                                                        .setOffset(-1))
                                                        .build()));
        assertThat(negative.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(negative.getDescription()).contains("offset of partition 0 is -1");
    }

    @Test
    void getOffsets_unknownTopicIsNotFound_unknownClusterAndBadGroupInvalidArgument() {
        Status topic = PixyClient.status(() -> client.offsets(DEFAULT, "no-such-topic", "g"));
        assertThat(topic.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(topic.getDescription()).contains("no-such-topic");
        Status cluster = PixyClient.status(() -> client.offsets("nowhere", "sparse", "g"));
        assertThat(cluster.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(cluster.getDescription()).contains("'nowhere'").contains("default");
        assertThat(PixyClient.status(() -> client.offsets(DEFAULT, "sparse", "")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(PixyClient.status(() -> client.offsets(DEFAULT, "sparse", "a b")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void listConsumers_showsEachGroupsMembersAndTheirPartitions_aGroupAloneWhenAsked() {
        try { // joins the group; nothing to consume: NOT_FOUND after the long poll
            client.pixy().consumeNAck(noAck(DEFAULT, "members", "members-g"));
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        }
        ListConsumersRq rq = ListConsumersRq.newBuilder().setTopic("members").build();
        Awaitility.await()
                .atMost(60, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> {
                            ListConsumersRs rs = client.pixy().listConsumers(rq);
                            assertThat(rs.getGroupsMap()).containsKey("members-g");
                            ConsumerGroups g = rs.getGroupsMap().get("members-g");
                            assertThat(g.getConsumersMap()).hasSize(1);
                            assertThat(
                                            g.getConsumersMap()
                                                    .values()
                                                    .iterator()
                                                    .next()
                                                    .getPartitionsList())
                                    .containsExactly(0, 1, 2);
                        });
        ListConsumersRs one =
                client.pixy().listConsumers(rq.toBuilder().setGroup("members-g").build());
        assertThat(one.getGroupsMap()).containsOnlyKeys("members-g");
        assertThat(
                        client.pixy()
                                .listConsumers(rq.toBuilder().setGroup("nobody-g").build())
                                .getGroupsMap())
                .isEmpty();
        assertThat(
                        PixyClient.status(
                                        () ->
                                                client.pixy()
                                                        .listConsumers(
                                                                rq.toBuilder()
                                                                        .setCluster("nowhere")
                                                                        .build()))
                                .getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void offsetsOfEveryPartition_areListedForAGroupWithNoCommit_offsetMinusOne() {
        GetOffsetsRs rs = client.offsets(DEFAULT, "members", "never-consumed-g");
        assertThat(rs.getOffsetsList())
                .extracting(PartitionOffset::getPartition)
                .containsExactly(0, 1, 2);
        for (PartitionOffset o : rs.getOffsetsList()) {
            assertThat(o.getOffset()).as(o.toString()).isEqualTo(-1);
            assertThat(o.getSparseAcks()).isEmpty();
        }
    }
}
