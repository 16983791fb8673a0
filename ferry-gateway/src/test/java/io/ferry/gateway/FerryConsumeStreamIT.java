package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ferry.gateway.grpc.v1.AckLevel;
import io.ferry.gateway.grpc.v1.ConsumeRequest;
import io.ferry.gateway.grpc.v1.GetOffsetsRequest;
import io.ferry.gateway.grpc.v1.GetOffsetsResponse;
import io.ferry.gateway.grpc.v1.Header;
import io.ferry.gateway.grpc.v1.Message;
import io.ferry.gateway.grpc.v1.OffsetRange;
import io.ferry.gateway.grpc.v1.PartitionOffset;
import io.ferry.gateway.grpc.v1.PartitionOffsets;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code ferry.v1.Ferry/Consume} stream end to end (issue 14): grpc-java clients against the
 * real gateway on a real in-process Kafka; credit, acknowledgements by lists and ranges, sharing a
 * group, streams that stop granting credit, end or are cancelled, bad input.
 */
@KafkaTest(combined = true)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FerryConsumeStreamIT {
    /**
     * Groups start at the earliest offset; the ack timeout (5 min) is far beyond each test, so a
     * message offered again within one was given back, not timed out.
     */
    static final ConsumeConfig CONFIG =
            new ConsumeConfig(300_000, 300, -1, 200, true, 1_000, 10_000, 100, 500, 30_000);

    private static InProcessKafka kafka;
    private static ConsumeCalls calls;
    private static GrpcCalls grpc;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        for (String t : List.of("s-rt", "s-share")) {
            kafka.createTopic(t, 3);
        }
        for (String t : List.of("s-credit", "s-stop", "s-cancel", "s-bad")) {
            kafka.createTopic(t, 1);
        }
        calls = ConsumeCalls.start(kafka, CONFIG, CONFIG);
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

    /** Produces records "p-i" (i from 0) at ack=kafka over gRPC, record i to partition i % n. */
    static void produce(GrpcCalls grpc, String topic, String prefix, int count, int partitions) {
        ProduceRequest.Builder rq =
                ProduceRequest.newBuilder().setTopic(topic).setAck(AckLevel.ACK_LEVEL_KAFKA);
        for (int i = 0; i < count; i++) {
            rq.addRecords(
                    ProduceRecord.newBuilder()
                            .setKey(ByteString.copyFrom("k" + i, UTF_8))
                            .setValue(ByteString.copyFrom(prefix + "-" + i, UTF_8))
                            .setPartition(i % partitions)
                            .addHeaders(
                                    Header.newBuilder()
                                            .setKey("h")
                                            .setValue(ByteString.copyFrom("v" + i, UTF_8))));
        }
        ProduceResponse rs =
                grpc.unary(
                        "ferry.v1.Ferry/Produce", rq.build(), ProduceResponse.getDefaultInstance());
        assertThat(rs.getAccepted()).isEqualTo(count);
    }

    static GetOffsetsResponse offsets(GrpcCalls grpc, String topic, String group) {
        return grpc.unary(
                "ferry.v1.Ferry/GetOffsets",
                GetOffsetsRequest.newBuilder().setTopic(topic).setGroup(group).build(),
                GetOffsetsResponse.getDefaultInstance());
    }

    /** Waits until {@code group} committed every partition of {@code topic} to its end. */
    static void awaitNoLag(GrpcCalls grpc, String topic, String group) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            for (PartitionOffset p : offsets(grpc, topic, group).getOffsetsList()) {
                                assertThat(p.getOffset()).as(p.toString()).isEqualTo(p.getEnd());
                                assertThat(p.getLag()).as(p.toString()).isZero();
                                assertThat(p.getSparseAcksList()).isEmpty();
                            }
                        });
    }

    private static String value(Message m) {
        return m.getValue().toString(UTF_8);
    }

    private static Set<String> keys(List<Message> ms) {
        return ms.stream()
                .map(m -> m.getPartition() + "@" + m.getOffset())
                .collect(Collectors.toSet());
    }

    private ConsumeStream open() {
        return new ConsumeStream(grpc.channel());
    }

    private static ConsumeCluster.Group group(String g) {
        return calls.cluster("default").group(g);
    }

    @Test
    void roundTrip_everyMessageOnce_severalPerFrame_ackedByListsAndRanges_thenNoLag()
            throws Exception {
        int n = 60;
        produce(grpc, "s-rt", "rt", n, 3);
        try (ConsumeStream s = open()) {
            s.subscribe("s-rt", "g-rt", 1000);
            List<Message> got = s.awaitMessages(n);
            assertThat(keys(got)).hasSize(n);
            assertThat(got.stream().map(FerryConsumeStreamIT::value))
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.IntStream.range(0, n)
                                    .mapToObj(i -> "rt-" + i)
                                    .toList());
            assertThat(s.frames.stream().mapToInt(f -> f.getMessagesCount()).max().orElse(0))
                    .as("messages per frame")
                    .isGreaterThan(1);
            for (Message m : got) {
                int i = Integer.parseInt(value(m).substring(3));
                assertThat(m.getPartition()).isEqualTo(i % 3);
                assertThat(m.getKey().toString(UTF_8)).isEqualTo("k" + i);
                assertThat(m.getHeaders(0).getKey()).isEqualTo("h");
                assertThat(m.getHeaders(0).getValue().toString(UTF_8)).isEqualTo("v" + i);
                assertThat(m.getDeliveryCount()).isEqualTo(1);
                assertThat(m.getTimestampMs()).isPositive();
            }
            // per partition: the first half as a list of offsets, the rest as one range
            ConsumeRequest.Builder acks = ConsumeRequest.newBuilder();
            Map<Integer, TreeSet<Long>> byPartition = new TreeMap<>();
            for (Message m : got) {
                byPartition
                        .computeIfAbsent(m.getPartition(), p -> new TreeSet<>())
                        .add(m.getOffset());
            }
            byPartition.forEach(
                    (p, offsets) -> {
                        long mid = offsets.first() + offsets.size() / 2;
                        acks.addAcks(
                                PartitionOffsets.newBuilder()
                                        .setPartition(p)
                                        .addAllOffsets(offsets.headSet(mid))
                                        .addRanges(
                                                OffsetRange.newBuilder()
                                                        .setFrom(mid)
                                                        .setTo(offsets.last() + 1)));
                    });
            s.send(acks);
            awaitNoLag(grpc, "s-rt", "g-rt");
            assertThat(s.errors()).isEmpty();
            s.halfClose();
            assertThat(s.status().getCode()).isEqualTo(Status.Code.OK);
        }
        Awaitility.await() // the ended stream's take is cancelled
                .atMost(Duration.ofSeconds(10))
                .until(() -> group("g-rt").consumer.pollsWaiting() == 0);
    }

    @Test
    void twoStreamsOfOneGroup_onTwoGateways_shareThePartitions() throws Exception {
        ConsumeCalls other = ConsumeCalls.start(kafka, CONFIG, CONFIG);
        try (GrpcCalls grpc2 = new GrpcCalls(other.gateway.grpcPort());
                ConsumeStream a = open();
                ConsumeStream b = new ConsumeStream(grpc2.channel())) {
            a.subscribe("s-share", "g-share", 1000);
            b.subscribe("s-share", "g-share", 1000);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(
                            () -> {
                                ConsumeCluster.Group ga = group("g-share");
                                ConsumeCluster.Group gb = other.cluster("default").group("g-share");
                                return ga != null
                                        && gb != null
                                        && !ga.consumer.owned().isEmpty()
                                        && !gb.consumer.owned().isEmpty()
                                        && ga.consumer.owned().size() + gb.consumer.owned().size()
                                                == 3;
                            });
            int n = 60;
            produce(grpc, "s-share", "sh", n, 3);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> a.messages().size() + b.messages().size() == n);
            Set<Integer> pa =
                    a.messages().stream().map(Message::getPartition).collect(Collectors.toSet());
            Set<Integer> pb =
                    b.messages().stream().map(Message::getPartition).collect(Collectors.toSet());
            assertThat(pa).isNotEmpty().doesNotContainAnyElementsOf(pb);
            assertThat(pb).isNotEmpty();
            Set<String> all = new HashSet<>(keys(a.messages()));
            all.addAll(keys(b.messages()));
            assertThat(all).as("every message once").hasSize(n);
            for (ConsumeStream s : List.of(a, b)) {
                for (Message m : s.messages()) {
                    s.ack(m.getPartition(), m.getOffset());
                }
            }
            awaitNoLag(grpc, "s-share", "g-share");
            assertThat(a.errors()).isEmpty();
            assertThat(b.errors()).isEmpty();
        } finally {
            other.stop();
        }
    }

    @Test
    void credit_exactlyThatManyArrive_andNoMoreUntilMoreCredit() {
        produce(grpc, "s-credit", "cr", 30, 1);
        try (ConsumeStream s = open()) {
            s.subscribe("s-credit", "g-credit", 10);
            s.awaitMessages(10);
            Awaitility.await()
                    .during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> s.messages().size() == 10);
            assertThat(group("g-credit").consumer.pollsWaiting())
                    .as("no credit: no long poll held")
                    .isZero();
            s.credit(5);
            List<Message> got = s.awaitMessages(15);
            Awaitility.await()
                    .during(Duration.ofMillis(1000))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> s.messages().size() == 15);
            assertThat(keys(got)).hasSize(15);
            assertThat(got).extracting(Message::getDeliveryCount).containsOnly(1);
        }
    }

    @Test
    void aStreamThatStopsGrantingCredit_thenEnds_givesItsUnackedMessagesToTheNextAtOnce()
            throws Exception {
        produce(grpc, "s-stop", "st", 20, 1);
        try (ConsumeStream a = open()) {
            a.subscribe("s-stop", "g-stop", 8);
            List<Message> first = a.awaitMessages(8);
            a.ack(0, first.get(0).getOffset(), first.get(1).getOffset());
            Awaitility.await()
                    .during(Duration.ofMillis(1000))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> a.messages().size() == 8);
            a.halfClose();
            assertThat(a.status().getCode()).isEqualTo(Status.Code.OK);
        }
        try (ConsumeStream b = open()) {
            b.subscribe("s-stop", "g-stop", 100);
            List<Message> rest = b.awaitMessages(18); // well within the 5-minute ack timeout
            assertThat(rest.stream().map(FerryConsumeStreamIT::value))
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.IntStream.range(2, 20)
                                    .mapToObj(i -> "st-" + i)
                                    .toList());
            for (Message m : rest) {
                int i = Integer.parseInt(value(m).substring(3));
                // deliveryCount counts every offer, a give-back's included
                assertThat(m.getDeliveryCount()).as(value(m)).isEqualTo(i < 8 ? 2 : 1);
            }
        }
    }

    @Test
    void cancelMidLongPoll_losesNothing() throws Exception {
        produce(grpc, "s-cancel", "ca", 3, 1);
        try (ConsumeStream a = open()) {
            a.subscribe("s-cancel", "g-cancel", 10);
            a.awaitMessages(3);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> group("g-cancel").consumer.pollsWaiting() == 1);
            a.cancel();
            assertThat(a.status().getCode()).isEqualTo(Status.Code.CANCELLED);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> group("g-cancel").consumer.pollsWaiting() == 0);
        produce(grpc, "s-cancel", "cb", 2, 1);
        try (ConsumeStream b = open()) {
            b.subscribe("s-cancel", "g-cancel", 10);
            List<Message> got = b.awaitMessages(5);
            Map<String, Integer> counts =
                    got.stream()
                            .collect(
                                    Collectors.toMap(
                                            FerryConsumeStreamIT::value,
                                            Message::getDeliveryCount));
            assertThat(counts)
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("ca-0", 2, "ca-1", 2, "ca-2", 2, "cb-0", 1, "cb-1", 1));
        }
    }
}
