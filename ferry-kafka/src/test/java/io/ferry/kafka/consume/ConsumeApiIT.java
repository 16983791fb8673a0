package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consume engine's API beyond taking and acknowledging, on a real 3-node Kafka 4.2 (session
 * timeout 3 s in the test cluster): a group's offsets read and set (kafka-pixy's {@code
 * /topics/{t}/offsets}), the groupless read, leader moves followed from the metadata, and the
 * metrics getters (issue 13). Test data is written with Kafka's own producer.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeApiIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static InProcessKafka kafka;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void start(InProcessKafka k) {
        kafka = k;
    }

    @AfterEach
    void close() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static ConsumeSettings settings() {
        return ConsumeSettings.defaults()
                .withReset(FetchLane.OffsetReset.EARLIEST)
                .withCommitIntervalMs(200)
                .withFetch(FetchSettings.defaults().withMaxWaitMs(100));
    }

    private KafkaCluster cluster() {
        KafkaCluster c = KafkaCluster.start(KafkaSettings.defaults(kafka.bootstrap()));
        open.add(c);
        return c;
    }

    private ConsumeEngine engine(KafkaCluster c) {
        ConsumeEngine e =
                ConsumeEngine.start(c, settings(), ConsumeEngine.ConsumeDeadLetter.logOnly());
        open.add(e);
        return e;
    }

    private ConsumeEngine engine() {
        return engine(cluster());
    }

    private static void produce(String topic, int partitions, long n) {
        TestData.write(
                kafka,
                topic,
                partitions,
                0,
                n,
                i -> ByteBuffer.allocate(8).putLong(i).array(),
                Map.of());
    }

    private static long id(ConsumedMessage m) {
        return ByteBuffer.wrap(m.value()).getLong();
    }

    private static List<ConsumedMessage> take(GroupConsumer g, int n) throws Exception {
        List<ConsumedMessage> all = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(g.next(n - all.size(), Duration.ofSeconds(1)));
        }
        assertThat(all).hasSize(n);
        return all;
    }

    private static ConsumeException.Reason reasonOf(CompletableFuture<?> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + f.join());
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ConsumeException.class);
            return ((ConsumeException) e.getCause()).reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void offsets_ofAGroupConsumedHere_showBeginEndCountLagAndSparseAcks_asKafkaPixy()
            throws Exception {
        String topic = "api-offsets";
        kafka.createTopic(topic, 2);
        produce(topic, 2, 200); // 100 per partition
        ConsumeEngine e = engine();
        GroupConsumer g = e.subscribe("api-offsets", List.of(topic));
        for (ConsumedMessage m : take(g, 200)) {
            boolean p0 = m.partition() == 0;
            long o = m.offset();
            if (!p0 || o == 2 || o == 3 || o == 10) {
                assertThat(g.ack(topic, m.partition(), o)).isEqualTo(PartitionAcks.AckResult.OK);
            }
        }

        List<PartitionOffset> offsets = g.offsets(topic, WAIT).get(60, TimeUnit.SECONDS);

        // kafka-pixy's documented example, relative to offset 0: acked [2,4) and [10,11)
        assertThat(offsets)
                .containsExactly(
                        new PartitionOffset(0, 0, 100, 100, 0, 100, "CCGB", "2-4,10-11"),
                        new PartitionOffset(1, 0, 100, 100, 100, 0, "", ""));
        assertThat(e.offsets("api-offsets", topic, WAIT).get(60, TimeUnit.SECONDS))
                .as("the same through the engine (the commits were flushed)")
                .isEqualTo(offsets);

        GroupMetrics m = g.metrics();
        assertThat(m.offered()).isEqualTo(200);
        assertThat(m.acknowledged()).isEqualTo(103);
        assertThat(m.redelivered()).isZero();
        assertThat(m.deadLettered()).isZero();
        assertThat(m.pending()).isEqualTo(97);
        GroupMetrics.PartitionMetrics p0 = m.partitions().get(new TopicPartition(topic, 0));
        assertThat(p0.pending()).isEqualTo(97);
        assertThat(p0.acknowledged()).isEqualTo(3);
        assertThat(p0.lag()).isEqualTo(100);
        assertThat(m.partitions().get(new TopicPartition(topic, 1)).lag()).isZero();
        assertThat(e.metrics()).containsOnlyKeys("api-offsets");
        assertThat(e.metrics().get("api-offsets").acknowledged()).isEqualTo(103);
        assertThat(e.fetchStats())
                .isNotEmpty()
                .allSatisfy(
                        (node, s) -> {
                            assertThat(s.rounds()).isPositive();
                            assertThat(s.lastRoundRequests())
                                    .as("one lane: at most one Fetch per node per round")
                                    .isLessThanOrEqualTo(1);
                        });
    }

    @Test
    void setOffsets_ofAGroupWithNoMembers_isWhereItsNextMemberStarts_skippingTheSparseAcks()
            throws Exception {
        String topic = "api-set";
        kafka.createTopic(topic, 2);
        produce(topic, 2, 200);
        ConsumeEngine admin = engine();
        admin.setOffsets("api-set", topic, List.of(new OffsetToSet(0, 40, "CCGB")), WAIT)
                .get(60, TimeUnit.SECONDS);

        assertThat(admin.offsets("api-set", topic, WAIT).get(60, TimeUnit.SECONDS))
                .containsExactly(
                        new PartitionOffset(0, 0, 100, 100, 40, 60, "CCGB", "2-4,10-11"),
                        // none committed, EARLIEST: all of it is lag
                        new PartitionOffset(1, 0, 100, 100, -1, 100, "", ""));

        GroupConsumer g = engine().subscribe("api-set", List.of(topic));
        List<Long> p0 = new ArrayList<>();
        for (ConsumedMessage m : take(g, 57 + 100)) {
            if (m.partition() == 0) {
                p0.add(m.offset());
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long o = 40; o < 100; o++) {
            if (o != 42 && o != 43 && o != 50) {
                expected.add(o);
            }
        }
        assertThat(p0).as("from 40, without 42, 43 and 50").containsExactlyElementsOf(expected);
    }

    @Test
    void setOffsets_isRefused_whileTheGroupHasMembers_andForAGroupConsumedHere() throws Exception {
        String topic = "api-set-members";
        kafka.createTopic(topic, 1);
        produce(topic, 1, 10);
        ConsumeEngine here = engine();
        GroupConsumer g = here.subscribe("api-members", List.of(topic));
        take(g, 10);

        assertThatThrownBy(
                        () ->
                                here.setOffsets(
                                        "api-members",
                                        topic,
                                        List.of(new OffsetToSet(0, 0, "")),
                                        WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("close its consumer first");

        CompletableFuture<Void> other =
                engine().setOffsets("api-members", topic, List.of(new OffsetToSet(0, 0, "")), WAIT);
        assertThat(reasonOf(other)).isEqualTo(ConsumeException.Reason.REFUSED);
        assertThatThrownBy(other::join).hasMessageContaining("the group has members");

        assertThat(reasonOf(here.offsets("api-members", "api-no-such-topic", WAIT)))
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);
        assertThat(
                        reasonOf(
                                engine().setOffsets(
                                                "api-idle",
                                                topic,
                                                List.of(new OffsetToSet(3, 0, "")),
                                                WAIT)))
                .as("partition 3 of a 1-partition topic")
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);
    }

    @Test
    void aGrouplessRead_readsFromAnOffset_upToN_andCommitsNothing() throws Exception {
        String topic = "api-read";
        kafka.createTopic(topic, 2);
        produce(topic, 2, 100); // 50 per partition; partition 1 holds ids 1, 3, 5 ...
        ConsumeEngine e = engine();

        CompletableFuture<List<ConsumedMessage>> a = e.read(topic, 1, 10, 5, WAIT);
        CompletableFuture<List<ConsumedMessage>> b =
                e.read(topic, 1, 45, 100, Duration.ofSeconds(3));
        List<ConsumedMessage> first = a.get(60, TimeUnit.SECONDS);
        assertThat(first)
                .extracting(ConsumedMessage::offset)
                .containsExactly(10L, 11L, 12L, 13L, 14L);
        assertThat(first).extracting(ConsumeApiIT::id).containsExactly(21L, 23L, 25L, 27L, 29L);
        assertThat(first).extracting(ConsumedMessage::deliveryCount).containsOnly(0);
        assertThat(b.get(60, TimeUnit.SECONDS))
                .as("up to the end when fewer than n are there, at its own position")
                .extracting(ConsumedMessage::offset)
                .containsExactly(45L, 46L, 47L, 48L, 49L);

        assertThat(e.read(topic, 0, 1_000, 5, WAIT).get(60, TimeUnit.SECONDS))
                .as("past the end")
                .isEmpty();
        assertThat(reasonOf(e.read("api-read-missing", 0, 0, 5, WAIT)))
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);
        assertThat(reasonOf(engine().read(topic, 7, 0, 5, WAIT)))
                .as("partition 7 of a 2-partition topic, on an engine that had not asked yet")
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);
        assertThatThrownBy(() -> e.read(topic, 0, -1, 5, WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset -1");

        try (Admin admin = kafka.admin()) {
            Set<String> groups = new HashSet<>();
            admin.listGroups()
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach(l -> groups.add(l.groupId()));
            assertThat(groups)
                    .as("a groupless read joins and commits nothing")
                    .noneMatch(gr -> gr.startsWith("ferry-read"));
        }
        assertThat(e.metrics()).isEmpty();
    }

    @Test
    void leaderMoves_areFollowedFromTheMetadata_andNothingIsLostOrOfferedTwice() throws Exception {
        String topic = "api-leaders";
        int partitions = 3;
        kafka.createTopic(topic, partitions, 3);
        produce(topic, partitions, 300);
        KafkaCluster c = cluster();
        ConsumeEngine e = engine(c);
        GroupConsumer g = e.subscribe("api-leaders", List.of(topic));
        Set<Long> seen = new HashSet<>();
        for (ConsumedMessage m : take(g, 300)) {
            assertThat(seen.add(id(m))).isTrue();
            g.ack(m.topic(), m.partition(), m.offset());
        }

        try (Admin admin = kafka.admin()) {
            Leaders.moveEvery(admin, topic);
            EngineAccess.of(c).refresh(Set.of(topic)).get(30, TimeUnit.SECONDS);
            Map<Integer, Integer> after = Leaders.of(admin, topic);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> {
                                for (int p = 0; p < partitions; p++) {
                                    FetchWorker w =
                                            e.fetch.worker(
                                                    new FetchLane(
                                                            "api-leaders", settings().reset()),
                                                    new TopicPartition(topic, p));
                                    assertThat(w.assignedExecutor()).isNotNull();
                                    assertThat(w.assignedExecutor().node().id())
                                            .as("partition %d fetched from its new leader", p)
                                            .isEqualTo(after.get(p));
                                }
                            });
        }
        assertThat(e.leaderMovesFollowed())
                .as(
                        "the metadata listener moved workers (it cannot be ordered before the old"
                                + " leader's error on a real cluster: FetchExecutorTest does that)")
                .isPositive();

        produce(topic, partitions, 300); // ids 0..299 again, at offsets 100..199
        Set<Long> again = new HashSet<>();
        for (ConsumedMessage m : take(g, 300)) {
            assertThat(m.offset()).as("nothing offered twice").isGreaterThanOrEqualTo(100);
            assertThat(again.add(id(m))).isTrue();
            g.ack(m.topic(), m.partition(), m.offset());
        }
        assertThat(again).hasSize(300);
        assertThat(g.next(10, Duration.ofSeconds(1))).isEmpty();
    }
}
