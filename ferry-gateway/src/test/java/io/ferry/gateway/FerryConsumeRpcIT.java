package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.grpc.v1.ConsumerGroup;
import io.ferry.gateway.grpc.v1.ConsumerMember;
import io.ferry.gateway.grpc.v1.Error;
import io.ferry.gateway.grpc.v1.GetOffsetsRequest;
import io.ferry.gateway.grpc.v1.GetOffsetsResponse;
import io.ferry.gateway.grpc.v1.ListConsumersRequest;
import io.ferry.gateway.grpc.v1.ListConsumersResponse;
import io.ferry.gateway.grpc.v1.Message;
import io.ferry.gateway.grpc.v1.OffsetCommit;
import io.ferry.gateway.grpc.v1.OffsetRange;
import io.ferry.gateway.grpc.v1.PartitionOffset;
import io.ferry.gateway.grpc.v1.SetOffsetsRequest;
import io.ferry.gateway.grpc.v1.SetOffsetsResponse;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consume RPCs of {@code ferry.v1.Ferry} around the stream (issue 14): bad input on the stream
 * (its status and trailer, or an error frame that does not end it), GetOffsets with sparse acks,
 * SetOffsets, ListConsumers, a quiet stream outliving the idle timeout, and shutdown ending the
 * streams. grpc-java clients, the real gateway, a real in-process Kafka.
 */
@KafkaTest(combined = true)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FerryConsumeRpcIT {
    private static InProcessKafka kafka;
    private static ConsumeCalls calls;
    private static GrpcCalls grpc;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        for (String t : List.of("r-bad", "r-off", "r-set", "r-quiet")) {
            kafka.createTopic(t, 1);
        }
        calls = ConsumeCalls.start(kafka, FerryConsumeStreamIT.CONFIG, FerryConsumeStreamIT.CONFIG);
        grpc = new GrpcCalls(calls.gateway.grpcPort());
    }

    @AfterAll
    static void stop() {
        if (grpc != null) {
            grpc.close();
        }
        if (calls != null) {
            calls.stop();
        }
    }

    private ConsumeStream open() {
        return new ConsumeStream(grpc.channel());
    }

    private static void endsWith(
            ConsumeStream s, Status.Code code, String errorCode, String inMessage)
            throws Exception {
        Status st = s.status();
        assertThat(st.getCode()).as(st.toString()).isEqualTo(code);
        assertThat(s.errorCode()).isEqualTo(errorCode);
        assertThat(st.getDescription()).contains(inMessage);
    }

    @Test
    void stream_badSubscriptions_endWithAStatusSayingWhy() throws Exception {
        try (ConsumeStream s = open()) {
            s.credit(10);
            endsWith(s, Status.Code.INVALID_ARGUMENT, "invalid_request", "must carry subscribe");
        }
        try (ConsumeStream s = open()) {
            s.subscribe("no-such-topic", "g", 10);
            endsWith(s, Status.Code.NOT_FOUND, "topic_not_found", "no-such-topic");
        }
        try (ConsumeStream s = open()) {
            s.subscribe(ConsumeStream.subscription("r-bad", "g").setCluster("elsewhere"), 10);
            endsWith(s, Status.Code.NOT_FOUND, "unknown_cluster", "elsewhere");
        }
        try (ConsumeStream s = open()) {
            s.subscribe("r-bad", "not a group!", 10);
            endsWith(s, Status.Code.INVALID_ARGUMENT, "invalid_group", "not a group!");
        }
        try (ConsumeStream s = open()) {
            s.subscribe("r-bad", "", 10);
            endsWith(s, Status.Code.INVALID_ARGUMENT, "invalid_request", "no consumer group");
        }
        try (ConsumeStream s = open()) {
            s.subscribe("r-bad", "g-bad", 0).subscribe("r-bad", "g-bad", 0);
            endsWith(s, Status.Code.INVALID_ARGUMENT, "invalid_request", "first ConsumeRequest");
        }
    }

    @Test
    void stream_refusedAcks_answerAnErrorFrame_andTheStreamGoesOn() {
        try (ConsumeStream s = open()) {
            s.subscribe("r-bad", "g-acks", 0);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(
                            () -> {
                                ConsumeCluster.Group g = calls.cluster("default").group("g-acks");
                                return g != null && g.consumer.owned().size() == 1;
                            });
            s.ack(0, 12_345);
            Error never = s.awaitErrors(1).get(0);
            assertThat(never.getCode()).isEqualTo("never_offered");
            assertThat(never.getMessage()).contains("12345");
            s.ack(7, 0);
            assertThat(s.awaitErrors(2).get(1).getCode()).isEqualTo("not_owned");
            s.ackRange(0, 5, 5);
            assertThat(s.awaitErrors(3).get(2).getCode()).isEqualTo("invalid_request");
            s.ack(0, 1, 2, 3);
            Error three = s.awaitErrors(4).get(3);
            assertThat(three.getMessage()).startsWith("3 of 3 acknowledgements refused");

            FerryConsumeStreamIT.produce(grpc, "r-bad", "bad", 1, 1);
            s.credit(1);
            Message m = s.awaitMessages(1).get(0);
            assertThat(m.getValue().toStringUtf8()).isEqualTo("bad-0");
            assertThat(s.closed).isNotDone();
        }
    }

    private static GetOffsetsResponse offsets(String topic, String group) {
        return FerryConsumeStreamIT.offsets(grpc, topic, group);
    }

    @Test
    void getOffsets_showTheCommittedOffset_lag_andTheSparseAcksAsAbsoluteRanges() {
        FerryConsumeStreamIT.produce(grpc, "r-off", "off", 6, 1);
        try (ConsumeStream s = open()) {
            s.subscribe("r-off", "g-off", 10);
            s.awaitMessages(6);
            s.ack(0, 0, 2, 3).ackRange(0, 5, 6);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> {
                                PartitionOffset p = offsets("r-off", "g-off").getOffsets(0);
                                assertThat(p.getOffset()).isEqualTo(1);
                                assertThat(p.getSparseAcksList())
                                        .containsExactly(
                                                OffsetRange.newBuilder()
                                                        .setFrom(2)
                                                        .setTo(4)
                                                        .build(),
                                                OffsetRange.newBuilder()
                                                        .setFrom(5)
                                                        .setTo(6)
                                                        .build());
                            });
            PartitionOffset p = offsets("r-off", "g-off").getOffsets(0);
            assertThat(p.getPartition()).isZero();
            assertThat(p.getBegin()).isZero();
            assertThat(p.getEnd()).isEqualTo(6);
            assertThat(p.getLag()).isEqualTo(5);
            assertThat(p.getMetadata()).isNotEmpty();

            ListConsumersResponse l =
                    grpc.unary(
                            "ferry.v1.Ferry/ListConsumers",
                            ListConsumersRequest.newBuilder()
                                    .setTopic("r-off")
                                    .setGroup("g-off")
                                    .build(),
                            ListConsumersResponse.getDefaultInstance());
            assertThat(l.getGroupsList())
                    .extracting(ConsumerGroup::getGroup)
                    .containsExactly("g-off");
            List<ConsumerMember> members = l.getGroups(0).getMembersList();
            assertThat(members).hasSize(1);
            assertThat(members.get(0).getMemberId()).isNotEmpty().doesNotContain("/");
            assertThat(members.get(0).getPartitionsList()).containsExactly(0);

            ListConsumersResponse all =
                    grpc.unary(
                            "ferry.v1.Ferry/ListConsumers",
                            ListConsumersRequest.newBuilder().setTopic("r-off").build(),
                            ListConsumersResponse.getDefaultInstance());
            assertThat(all.getGroupsList()).extracting(ConsumerGroup::getGroup).contains("g-off");
        }
    }

    @Test
    void setOffsets_thenGetOffsets_showsThem_andBadInputIsRefused() {
        FerryConsumeStreamIT.produce(grpc, "r-set", "set", 6, 1);
        SetOffsetsResponse ok =
                grpc.unary(
                        "ferry.v1.Ferry/SetOffsets",
                        SetOffsetsRequest.newBuilder()
                                .setTopic("r-set")
                                .setGroup("g-set")
                                .addOffsets(OffsetCommit.newBuilder().setPartition(0).setOffset(4))
                                .build(),
                        SetOffsetsResponse.getDefaultInstance());
        assertThat(ok).isEqualTo(SetOffsetsResponse.getDefaultInstance());
        PartitionOffset p = offsets("r-set", "g-set").getOffsets(0);
        assertThat(p.getOffset()).isEqualTo(4);
        assertThat(p.getLag()).isEqualTo(2);

        refused(
                "ferry.v1.Ferry/SetOffsets",
                SetOffsetsRequest.newBuilder()
                        .setTopic("r-set")
                        .setGroup("g-set")
                        .addOffsets(OffsetCommit.newBuilder().setPartition(0).setOffset(-3))
                        .build(),
                SetOffsetsResponse.getDefaultInstance(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_request");
        refused(
                "ferry.v1.Ferry/SetOffsets",
                SetOffsetsRequest.newBuilder().setTopic("r-set").setGroup("g-set").build(),
                SetOffsetsResponse.getDefaultInstance(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_request");
        refused(
                "ferry.v1.Ferry/GetOffsets",
                GetOffsetsRequest.newBuilder().setTopic("r-set").setGroup("bad group").build(),
                GetOffsetsResponse.getDefaultInstance(),
                Status.Code.INVALID_ARGUMENT,
                "invalid_group");
        refused(
                "ferry.v1.Ferry/GetOffsets",
                GetOffsetsRequest.newBuilder()
                        .setCluster("elsewhere")
                        .setTopic("r-set")
                        .setGroup("g")
                        .build(),
                GetOffsetsResponse.getDefaultInstance(),
                Status.Code.NOT_FOUND,
                "unknown_cluster");
        refused(
                "ferry.v1.Ferry/ListConsumers",
                ListConsumersRequest.newBuilder().setTopic("no-such-topic").build(),
                ListConsumersResponse.getDefaultInstance(),
                Status.Code.NOT_FOUND,
                "topic_not_found");
    }

    private static <
                    Req extends com.google.protobuf.Message,
                    Resp extends com.google.protobuf.Message>
            void refused(String method, Req rq, Resp proto, Status.Code code, String errorCode) {
        assertThatThrownBy(() -> grpc.unary(method, rq, proto))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
                            assertThat(GrpcCalls.errorCode(e)).isEqualTo(errorCode);
                        });
    }

    @Test
    void aQuietStream_outlivesTheIdleTimeout_andShutdownEndsStreamsUnavailable() throws Exception {
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        BrokerConfig broker = BrokerConfig.of("memory", Map.of("events", 4096));
        Gateway g =
                Gateway.start(
                        GatewayConfig.of(settings, broker)
                                .withPort(0)
                                .withClusters(
                                        Map.of(
                                                "default",
                                                new GatewayConfig.Cluster(settings, broker)
                                                        .withConsume(FerryConsumeStreamIT.CONFIG)))
                                .withLimits(new GatewayConfig.Limits(10_000, 30_000, 1_500, 0, 0)));
        boolean stopped = false;
        try (GrpcCalls own = new GrpcCalls(g.grpcPort());
                ConsumeStream waiting = new ConsumeStream(own.channel());
                ConsumeStream noCredit = new ConsumeStream(own.channel())) {
            waiting.subscribe("r-quiet", "g-quiet", 10);
            noCredit.subscribe("r-quiet", "g-quiet-2", 0);
            Awaitility.await() // three idle timeouts with nothing to consume
                    .during(Duration.ofMillis(4_500))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !waiting.closed.isDone() && !noCredit.closed.isDone());
            FerryConsumeStreamIT.produce(own, "r-quiet", "q", 1, 1);
            assertThat(waiting.awaitMessages(1).get(0).getValue().toStringUtf8()).isEqualTo("q-0");

            long t0 = System.nanoTime();
            assertThat(g.shutdown()).isTrue();
            stopped = true;
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
            for (ConsumeStream s : List.of(waiting, noCredit)) {
                endsWith(s, Status.Code.UNAVAILABLE, "shutting_down", "shutting down");
            }
        } finally {
            if (!stopped) {
                g.shutdown();
            }
        }
    }
}
