package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.grpc.v1.AckLevel;
import io.ferry.gateway.grpc.v1.GetTopicRequest;
import io.ferry.gateway.grpc.v1.GetTopicResponse;
import io.ferry.gateway.grpc.v1.Header;
import io.ferry.gateway.grpc.v1.ListTopicsRequest;
import io.ferry.gateway.grpc.v1.ListTopicsResponse;
import io.ferry.gateway.grpc.v1.Outcome;
import io.ferry.gateway.grpc.v1.PartitionInfo;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.grpc.v1.RecordResult;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ferry's own gRPC service ({@code ferry.v1.Ferry}) end to end, with grpc-java as the client: batch
 * produce at each ack level with per-record results, the refusals, metadata. Real Kafka, real
 * gateway.
 */
@KafkaTest(combined = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FerryGrpcIT {
    private static final int MAX_MESSAGE = 65_536;
    private static final String PRODUCE = "ferry.v1.Ferry/Produce";
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static GrpcCalls grpc;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic("batch", 2);
        kafka.createTopic("fire", 1);
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        settings, BrokerConfig.of("memory", Map.of("events", 4096)))
                                .withPort(0)
                                .withGrpc(new GrpcSettings(GrpcSettings.AUTO, MAX_MESSAGE)));
        grpc = new GrpcCalls(gateway.grpcPort());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (grpc != null) {
            grpc.close();
        }
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static ProduceResponse produce(ProduceRequest rq) {
        return grpc.unary(PRODUCE, rq, ProduceResponse.getDefaultInstance());
    }

    private static ProduceRecord value(String v) {
        return ProduceRecord.newBuilder().setValue(ByteString.copyFrom(v, UTF_8)).build();
    }

    private static void refused(
            ProduceRequest rq, Status.Code code, String errorCode, Consumer<String> description) {
        assertThatThrownBy(() -> produce(rq))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(code);
                            assertThat(GrpcCalls.errorCode(e)).isEqualTo(errorCode);
                            description.accept(e.getStatus().getDescription());
                        });
    }

    @Test
    void produce_ackKafka_answersEachRecordsPartitionAndOffset_withEveryFieldStored() {
        ProduceRequest rq =
                ProduceRequest.newBuilder()
                        .setTopic("batch")
                        .setAck(AckLevel.ACK_LEVEL_KAFKA)
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setKey(ByteString.copyFrom("k1", UTF_8))
                                        .setValue(ByteString.copyFrom("v1", UTF_8))
                                        .setPartition(1)
                                        .setTimestampMs(1_700_000_000_000L)
                                        .addHeaders(
                                                Header.newBuilder()
                                                        .setKey("trace")
                                                        .setValue(ByteString.copyFrom("t", UTF_8)))
                                        .addHeaders(Header.newBuilder().setKey("no-value")))
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setKey(ByteString.copyFrom("tomb", UTF_8)))
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setKey(ByteString.EMPTY)
                                        .setValue(ByteString.EMPTY))
                        .build();
        ProduceResponse rs = produce(rq);
        assertThat(rs.getAck()).isEqualTo(AckLevel.ACK_LEVEL_KAFKA);
        assertThat(rs.getAccepted()).isEqualTo(3);
        assertThat(rs.getFailed()).isZero();
        assertThat(rs.getResultsList())
                .extracting(RecordResult::getOutcome)
                .containsOnly(Outcome.OUTCOME_DELIVERED);

        RecordResult first = rs.getResults(0);
        assertThat(first.getPartition()).isEqualTo(1);
        ConsumerRecord<byte[], byte[]> r1 = kafka.recordAt("batch", 1, first.getOffset());
        assertThat(new String(r1.key(), UTF_8)).isEqualTo("k1");
        assertThat(new String(r1.value(), UTF_8)).isEqualTo("v1");
        assertThat(r1.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(r1.timestamp()).isEqualTo(1_700_000_000_000L);
        org.apache.kafka.common.header.Header[] hs = r1.headers().toArray();
        assertThat(hs)
                .extracting(org.apache.kafka.common.header.Header::key)
                .containsExactly("trace", "no-value");
        assertThat(new String(hs[0].value(), UTF_8)).isEqualTo("t");
        assertThat(hs[1].value()).isNull();

        RecordResult second = rs.getResults(1);
        ConsumerRecord<byte[], byte[]> r2 =
                kafka.recordAt("batch", second.getPartition(), second.getOffset());
        assertThat(new String(r2.key(), UTF_8)).isEqualTo("tomb");
        assertThat(r2.value()).as("no value field: a null value").isNull();

        RecordResult third = rs.getResults(2);
        ConsumerRecord<byte[], byte[]> r3 =
                kafka.recordAt("batch", third.getPartition(), third.getOffset());
        assertThat(r3.key()).isEmpty();
        assertThat(r3.value()).isEmpty();
    }

    @Test
    void produce_ackNoneAndLocal_answerAccepted_andTheRecordsReachKafka() {
        for (AckLevel ack : List.of(AckLevel.ACK_LEVEL_NONE, AckLevel.ACK_LEVEL_LOCAL)) {
            ProduceResponse rs =
                    produce(
                            ProduceRequest.newBuilder()
                                    .setTopic("fire")
                                    .setAck(ack)
                                    .addRecords(value(ack + "-a"))
                                    .addRecords(value(ack + "-b"))
                                    .build());
            assertThat(rs.getAck()).isEqualTo(ack);
            assertThat(rs.getAccepted()).isEqualTo(2);
            assertThat(rs.getResultsList())
                    .extracting(RecordResult::getOutcome)
                    .containsExactly(Outcome.OUTCOME_ACCEPTED, Outcome.OUTCOME_ACCEPTED);
        }
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .untilAsserted(
                        () ->
                                assertThat(kafka.readAll("fire", 1))
                                        .extracting(r -> new String(r.value(), UTF_8))
                                        .contains(
                                                "ACK_LEVEL_NONE-a",
                                                "ACK_LEVEL_NONE-b",
                                                "ACK_LEVEL_LOCAL-a",
                                                "ACK_LEVEL_LOCAL-b"));
    }

    @Test
    void produce_unspecifiedAck_isTheGatewaysDefault() {
        ProduceResponse rs =
                produce(
                        ProduceRequest.newBuilder()
                                .setTopic("fire")
                                .addRecords(value("d"))
                                .build());
        assertThat(rs.getAck()).isEqualTo(AckLevel.ACK_LEVEL_LOCAL); // GatewayConfig.of: local
        assertThat(rs.getResults(0).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }

    @Test
    void produce_refusedWhole_endsWithAStatus_andTheHttpApisErrorCode() {
        refused(
                ProduceRequest.newBuilder()
                        .setTopic("no-such-topic")
                        .addRecords(value("x"))
                        .build(),
                Status.Code.NOT_FOUND,
                "topic_not_found",
                d -> assertThat(d).contains("no-such-topic"));
        refused(
                ProduceRequest.newBuilder().setTopic("batch").build(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_record",
                d -> assertThat(d).contains("needs a record"));
        refused(
                ProduceRequest.newBuilder()
                        .setTopic("batch")
                        .setCluster("elsewhere")
                        .addRecords(value("x"))
                        .build(),
                Status.Code.NOT_FOUND,
                "unknown_cluster",
                d -> assertThat(d).contains("no cluster 'elsewhere'"));
        refused(
                ProduceRequest.newBuilder()
                        .setTopic("batch")
                        .setAckValue(9)
                        .addRecords(value("x"))
                        .build(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_ack",
                d -> assertThat(d).contains("ack is 9"));
        refused(
                ProduceRequest.newBuilder()
                        .setTopic("batch")
                        .setAck(AckLevel.ACK_LEVEL_KAFKA)
                        .addRecords(value("ok"))
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setPartition(7)
                                        .setValue(ByteString.EMPTY))
                        .build(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_partition",
                d -> assertThat(d).contains("7"));
    }

    @Test
    void produce_overTheMessageSizeLimit_isResourceExhausted() {
        ProduceRequest big =
                ProduceRequest.newBuilder()
                        .setTopic("batch")
                        .addRecords(value("y".repeat(MAX_MESSAGE)))
                        .build();
        refused(
                big,
                Status.Code.RESOURCE_EXHAUSTED,
                "message_too_large",
                d -> assertThat(d).contains("gateway.grpc.max-message-bytes=" + MAX_MESSAGE));
    }

    @Test
    void listTopics_andGetTopic_describeTheCluster() {
        ListTopicsResponse l =
                grpc.unary(
                        "ferry.v1.Ferry/ListTopics",
                        ListTopicsRequest.getDefaultInstance(),
                        ListTopicsResponse.getDefaultInstance());
        assertThat(l.getCluster()).isEqualTo("default");
        assertThat(l.getTopicsList()).contains("batch", "fire");
        assertThat(l.getStale()).isFalse();

        GetTopicResponse t =
                grpc.unary(
                        "ferry.v1.Ferry/GetTopic",
                        GetTopicRequest.newBuilder().setTopic("batch").build(),
                        GetTopicResponse.getDefaultInstance());
        assertThat(t.getTopic()).isEqualTo("batch");
        assertThat(t.getInternal()).isFalse();
        assertThat(t.getPartitionsList())
                .extracting(PartitionInfo::getPartition)
                .containsExactly(0, 1);
        for (PartitionInfo p : t.getPartitionsList()) {
            assertThat(p.hasLeader()).isTrue();
            assertThat(p.getReplicasList()).containsExactly(p.getLeader());
            assertThat(p.getIsrList()).containsExactly(p.getLeader());
        }
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        "ferry.v1.Ferry/GetTopic",
                                        GetTopicRequest.newBuilder().setTopic("nope").build(),
                                        GetTopicResponse.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
