package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consume engine end to end under faults, on a real 3-node Kafka 4.2 cluster in production
 * parity (session timeout 3 s): a member killed without leaving, leaders moved and a node stopped
 * mid-stream, the group coordinator's node stopped, transactional and compressed topics, and two
 * groups at different positions through one engine (issue 13). Test data is written with Kafka's
 * own producer; the product path under test uses none of Kafka's clients. Each test counts what was
 * acknowledged against what was produced and prints the redeliveries.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeFaultsIT {
    private static final int PARTITIONS = 6;
    private static final List<String> CODECS = List.of("gzip", "snappy", "lz4", "zstd");
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

    /** A consume engine on a cluster core of its own (as another gateway process would be). */
    private ConsumeEngine engine() {
        KafkaCluster c = KafkaCluster.start(KafkaSettings.defaults(kafka.bootstrap()));
        open.add(c);
        ConsumeEngine e =
                ConsumeEngine.start(c, settings(), ConsumeEngine.ConsumeDeadLetter.logOnly());
        open.add(e);
        return e;
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", 5);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String v) {
        return new ProducerRecord<>(topic, partition, null, v.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes "m-from" .. "m-(to-1)", message i to partition i % PARTITIONS. */
    private static void produce(String topic, long from, long to) {
        TestData.write(
                kafka,
                topic,
                PARTITIONS,
                from,
                to,
                i -> ("m-" + i).getBytes(StandardCharsets.UTF_8),
                Map.of());
    }

    private static String value(ConsumedMessage m) {
        return new String(m.value(), StandardCharsets.UTF_8);
    }

    /**
     * A member's reader thread: takes batches of up to 500 and acknowledges each batch one batch
     * late, shuffled (so acknowledgements are pending when a fault strikes). Counts acks per value
     * in a map shared by the readers of one group.
     */
    private static final class Reader {
        final GroupConsumer consumer;
        final Map<String, Integer> acks;
        final ConcurrentLinkedQueue<ConsumedMessage> offered = new ConcurrentLinkedQueue<>();
        final AtomicLong refused = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean stop;

        Reader(GroupConsumer consumer, Map<String, Integer> acks) {
            this.consumer = consumer;
            this.acks = acks;
            this.thread = new Thread(this::run, "reader-" + consumer.group());
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            Random rnd = new Random(13);
            List<ConsumedMessage> late = new ArrayList<>();
            try {
                while (!stop) {
                    List<ConsumedMessage> got;
                    try {
                        got = consumer.next(500, Duration.ofMillis(200));
                    } catch (ConsumeException e) {
                        if (e.reason() != ConsumeException.Reason.CLOSED) {
                            failure.set(e);
                        }
                        return;
                    }
                    offered.addAll(got);
                    Collections.shuffle(late, rnd);
                    for (ConsumedMessage m : late) {
                        try {
                            if (consumer.ack(m.topic(), m.partition(), m.offset())
                                    == PartitionAcks.AckResult.OK) {
                                acks.merge(value(m), 1, Integer::sum);
                            }
                        } catch (ConsumeException moved) {
                            refused.incrementAndGet(); // revoked or lost: its next owner offers it
                        }
                    }
                    late = got;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                failure.set(e);
            }
        }

        /** Offers with a delivery count above 1 (offered again by this member). */
        long redelivered() {
            return offered.stream().filter(m -> m.deliveryCount() > 1).count();
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(10_000);
            assertThat(thread.isAlive()).as("reader stopped").isFalse();
            assertThat(failure.get()).as("reader failure").isNull();
        }
    }

    private static void awaitAcks(Map<String, Integer> acks, long atLeast, Reader... readers) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .untilAsserted(
                        () -> {
                            for (Reader r : readers) {
                                assertThat(r.failure.get()).as("reader failure").isNull();
                            }
                            assertThat(acks.size()).isGreaterThanOrEqualTo((int) atLeast);
                        });
    }

    private static long twice(Map<String, Integer> acks) {
        return acks.values().stream().filter(c -> c > 1).count();
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group)
            throws Exception {
        return admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
    }

    /** Waits until {@code group}'s committed offset of every partition is its log end. */
    private static void awaitCommittedAtLogEnd(Admin admin, String group, String topic)
            throws Exception {
        Map<TopicPartition, Long> ends = Leaders.endOffsets(admin, topic, PARTITIONS);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            Map<TopicPartition, Long> got = new HashMap<>();
                            committed(admin, group).forEach((tp, o) -> got.put(tp, o.offset()));
                            assertThat(got).as("committed offsets = log ends").isEqualTo(ends);
                        });
    }

    private static int coordinator(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(group)
                .coordinator()
                .id();
    }

    // ---- a member killed ----------------------------------------------------------------------

    /**
     * A member killed without leaving: after the session timeout its partitions move to the other
     * member, which offers again every message the killed one had offered and not acknowledged, and
     * none that it had acknowledged and committed.
     */
    @Test
    void aMemberKilledWithoutLeaving_itsPartitionsMove_unacknowledgedOffersAgain_committedNot()
            throws Exception {
        String topic = "faults-killed";
        String group = "faults-killed";
        long n = 30_000;
        kafka.createTopic(topic, PARTITIONS, 3);
        produce(topic, 0, n);
        ConsumeEngine ea = engine();
        GroupConsumer a = ea.subscribe(group, List.of(topic));
        GroupConsumer b = engine().subscribe(group, List.of(topic));
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                a.owned().size() == PARTITIONS / 2
                                        && b.owned().size() == PARTITIONS / 2);
        Set<TopicPartition> ofA = a.owned();
        Map<String, Integer> acks = new ConcurrentHashMap<>();
        Reader rb = new Reader(b, acks);

        // A acknowledges 3000 or more as offered, then takes 300 it never acknowledges.
        Map<TopicPartition, Long> nextAfterAcked = new HashMap<>();
        Set<String> ackedByA = new HashSet<>();
        while (ackedByA.size() < 3_000) {
            for (ConsumedMessage m : a.next(100, Duration.ofSeconds(2))) {
                assertThat(a.ack(m.topic(), m.partition(), m.offset()))
                        .isEqualTo(PartitionAcks.AckResult.OK);
                acks.merge(value(m), 1, Integer::sum);
                ackedByA.add(value(m));
                nextAfterAcked.merge(
                        new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
        }
        List<ConsumedMessage> pendingOnA = new ArrayList<>();
        while (pendingOnA.size() < 300) {
            pendingOnA.addAll(a.next(300 - pendingOnA.size(), Duration.ofSeconds(2)));
        }
        // What A's periodic commits must reach: the lowest offset it holds unacknowledged.
        Map<TopicPartition, Long> expected = new HashMap<>(nextAfterAcked);
        for (ConsumedMessage m : pendingOnA) {
            expected.merge(new TopicPartition(m.topic(), m.partition()), m.offset(), Math::min);
        }
        try (Admin admin = kafka.admin()) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> {
                                Map<TopicPartition, OffsetAndMetadata> c = committed(admin, group);
                                expected.forEach(
                                        (tp, off) ->
                                                assertThat(c.get(tp))
                                                        .as("committed %s", tp)
                                                        .isNotNull()
                                                        .extracting(OffsetAndMetadata::offset)
                                                        .isEqualTo(off));
                            });
        }

        String killedId = a.member().memberId();
        long killedAt = System.nanoTime();
        ea.kill();
        try (Admin admin = kafka.admin()) {
            assertThat(
                            admin.describeConsumerGroups(List.of(group))
                                    .all()
                                    .get(30, TimeUnit.SECONDS)
                                    .get(group)
                                    .members())
                    .as("killed, not left: still a member until its session times out (3 s)")
                    .anyMatch(d -> d.consumerId().equals(killedId));
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> b.owned().size() == PARTITIONS);
        long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        awaitAcks(acks, n, rb);
        long allAckedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        rb.stop();

        assertThat(acks).as("every message acknowledged").hasSize((int) n);
        Set<String> offeredToB =
                rb.offered.stream().map(ConsumeFaultsIT::value).collect(Collectors.toSet());
        Set<String> offeredAgain = new HashSet<>(ackedByA);
        offeredAgain.retainAll(offeredToB);
        assertThat(offeredAgain)
                .as("acknowledged and committed by the killed member: never offered again")
                .isEmpty();
        Set<String> notOffered =
                pendingOnA.stream().map(ConsumeFaultsIT::value).collect(Collectors.toSet());
        notOffered.removeAll(offeredToB);
        assertThat(notOffered)
                .as("offered to the killed member and not acknowledged: offered again")
                .isEmpty();
        List<ConsumedMessage> belowCommitted =
                rb.offered.stream()
                        .filter(
                                m -> {
                                    Long c =
                                            expected.get(
                                                    new TopicPartition(m.topic(), m.partition()));
                                    return c != null && m.offset() < c;
                                })
                        .toList();
        assertThat(belowCommitted).as("offers below the killed member's commits").isEmpty();
        System.out.printf(
                "member killed, %d messages: the killed member acknowledged %d (committed) and held"
                        + " %d unacknowledged; its %d partitions moved %d ms after the kill, all"
                        + " acknowledged %d ms after it; the"
                        + " survivor made %d offers (%d of the killed member's unacknowledged"
                        + " offered again, %d redelivered by itself), %d acknowledged twice%n",
                n,
                ackedByA.size(),
                pendingOnA.size(),
                ofA.size(),
                takeoverMs,
                allAckedMs,
                rb.offered.size(),
                pendingOnA.size(),
                rb.redelivered(),
                twice(acks));
        assertThat(twice(acks)).isZero();
    }

    // ---- leaders moved, a node stopped --------------------------------------------------------

    /**
     * Leaders moved (reassignment and election) and then a node (not the coordinator's) stopped
     * while one member consumes: every message is acknowledged, none twice; after a clean close the
     * committed offsets are the log ends.
     */
    @Test
    void leadersMovedAndANodeStopped_midStream_everyMessageAcknowledgedOnce() throws Exception {
        String topic = "faults-leaders";
        String group = "faults-leaders";
        long n = 30_000;
        kafka.createTopic(topic, PARTITIONS, 3);
        GroupConsumer g = engine().subscribe(group, List.of(topic));
        Map<String, Integer> acks = new ConcurrentHashMap<>();
        Reader r = new Reader(g, acks);
        try (Admin admin = kafka.admin()) {
            produce(topic, 0, n / 3);
            awaitAcks(acks, n / 6, r);

            Leaders.moveEvery(admin, topic);
            produce(topic, n / 3, 2 * n / 3);
            awaitAcks(acks, n / 2, r);

            int coordinator = coordinator(admin, group);
            Map<Integer, Integer> leaders = Leaders.of(admin, topic);
            int victim =
                    leaders.values().stream()
                            .filter(id -> id != coordinator)
                            .findFirst()
                            .orElseThrow();
            kafka.stopBroker(victim);
            try {
                produce(topic, 2 * n / 3, n);
                awaitAcks(acks, n, r);
                assertThat(Leaders.of(admin, topic).values()).doesNotContain(victim);
            } finally {
                kafka.startBroker(victim);
            }
            r.stop();
            int epoch = g.member().memberEpoch();
            assertThat(g.close(Duration.ofSeconds(20))).as("left cleanly").isTrue();
            awaitCommittedAtLogEnd(admin, group, topic);
            assertThat(acks).as("every message acknowledged").hasSize((int) n);
            System.out.printf(
                    "leaders moved and node %d stopped, %d messages: %d offers (%d redelivered),"
                            + " %d acks refused, member epoch %d at the end, %d acknowledged"
                            + " twice%n",
                    victim,
                    n,
                    r.offered.size(),
                    r.redelivered(),
                    r.refused.get(),
                    epoch,
                    twice(acks));
            assertThat(twice(acks)).as("acknowledged twice").isZero();
            assertThat(r.redelivered()).as("offered again by the same member").isZero();
        }
    }

    // ---- the coordinator's node stopped -------------------------------------------------------

    /**
     * The group coordinator's node stopped mid-stream: membership and commits find the new
     * coordinator, consumption goes on, and a clean close commits up to the log ends while the old
     * coordinator is still down.
     */
    @Test
    void theCoordinatorsNodeStopped_membershipAndCommitsFindTheNewOne_consumptionGoesOn()
            throws Exception {
        String topic = "faults-coordinator";
        String group = "faults-coordinator";
        long n = 30_000;
        kafka.createTopic(topic, PARTITIONS, 3);
        GroupConsumer g = engine().subscribe(group, List.of(topic));
        Map<String, Integer> acks = new ConcurrentHashMap<>();
        Reader r = new Reader(g, acks);
        try (Admin admin = kafka.admin()) {
            produce(topic, 0, n / 2);
            awaitAcks(acks, n / 4, r);
            int before = coordinator(admin, group);
            int epochBefore = g.member().memberEpoch();
            kafka.stopBroker(before);
            try {
                produce(topic, n / 2, n);
                awaitAcks(acks, n, r);
                int after = coordinator(admin, group);
                assertThat(after).as("a new coordinator").isNotEqualTo(before);
                r.stop();
                assertThat(g.member().state()).isEqualTo(MemberState.STABLE);
                int epochAfter = g.member().memberEpoch();
                assertThat(g.close(Duration.ofSeconds(20))).as("left cleanly").isTrue();
                awaitCommittedAtLogEnd(admin, group, topic);
                System.out.printf(
                        "coordinator node %d stopped (now %d), %d messages: %d offers (%d"
                                + " redelivered), %d acks refused, member epoch %d -> %d, %d"
                                + " acknowledged twice%n",
                        before,
                        after,
                        n,
                        r.offered.size(),
                        r.redelivered(),
                        r.refused.get(),
                        epochBefore,
                        epochAfter,
                        twice(acks));
            } finally {
                kafka.startBroker(before);
            }
            assertThat(acks).as("every message acknowledged").hasSize((int) n);
            assertThat(twice(acks)).as("acknowledged twice").isZero();
        }
    }

    // ---- transactions and compression ---------------------------------------------------------

    /**
     * Compressed batches (gzip, snappy, lz4, zstd producers) and transactions (committed, aborted,
     * committed, so every partition ends in a COMMIT marker) through the whole engine: every
     * committed record offered once and acknowledged, aborted ones never, and the committed offset
     * reaches the log end past the final control batch.
     */
    @Test
    void compressedAndTransactionalTopics_abortedNeverDelivered_commitsPastTheFinalMarker()
            throws Exception {
        String topic = "faults-txn";
        String group = "faults-txn";
        kafka.createTopic(topic, PARTITIONS, 3);
        List<String> expected = new ArrayList<>();
        for (String codec : CODECS) {
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of("compression.type", codec))) {
                for (int i = 0; i < 1_000; i++) {
                    String v = codec + "-" + i;
                    p.send(record(topic, i % PARTITIONS, v));
                    expected.add(v);
                }
                p.flush();
            }
        }
        try (KafkaProducer<byte[], byte[]> p =
                producer(Map.of("transactional.id", "faults-txn", "compression.type", "zstd"))) {
            p.initTransactions();
            for (String kind : List.of("commit1", "abort", "commit2")) {
                p.beginTransaction();
                for (int i = 0; i < 120; i++) {
                    String v = "txn-" + kind + "-" + i;
                    p.send(record(topic, i % PARTITIONS, v));
                    if (!kind.equals("abort")) {
                        expected.add(v);
                    }
                }
                if (kind.equals("abort")) {
                    p.flush();
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
        }
        GroupConsumer g = engine().subscribe(group, List.of(topic));
        Map<String, Integer> acks = new ConcurrentHashMap<>();
        Reader r = new Reader(g, acks);
        try (Admin admin = kafka.admin()) {
            awaitAcks(acks, expected.size(), r);
            // the periodic commit, not the close, steps past the markers to the log end
            awaitCommittedAtLogEnd(admin, group, topic);
            r.stop();
            Map<TopicPartition, Long> ends = Leaders.endOffsets(admin, topic, PARTITIONS);
            long endsSum = ends.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf(
                    "compressed and transactional: %d committed records over %d offsets, %d"
                            + " offers (%d redelivered), %d acknowledged twice%n",
                    expected.size(), endsSum, r.offered.size(), r.redelivered(), twice(acks));
            assertThat(endsSum)
                    .as("markers and aborted records occupy offsets")
                    .isGreaterThan(expected.size());
        }
        assertThat(acks.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(r.offered)
                .extracting(ConsumeFaultsIT::value)
                .noneMatch(v -> v.contains("abort"));
        assertThat(r.offered).as("each offered once").hasSize(expected.size());
        assertThat(twice(acks)).isZero();
    }

    // ---- two groups, one engine ---------------------------------------------------------------

    /**
     * Two groups on the same partitions at different positions through one engine: each
     * acknowledges what is past its position, once, and both read through one executor per leader
     * node, at most one Fetch per group per round.
     */
    @Test
    void twoGroupsAtDifferentPositions_throughOneEngine_oneExecutorPerNode() throws Exception {
        String topic = "faults-groups";
        long n = 12_000;
        long start = 1_000; // the late group's committed offset on every partition
        kafka.createTopic(topic, PARTITIONS, 3);
        produce(topic, 0, n);
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> at = new HashMap<>();
            for (int i = 0; i < PARTITIONS; i++) {
                at.put(new TopicPartition(topic, i), new OffsetAndMetadata(start));
            }
            admin.alterConsumerGroupOffsets("faults-late", at).all().get(30, TimeUnit.SECONDS);
            ConsumeEngine e = engine();
            Map<String, Integer> early = new ConcurrentHashMap<>();
            Map<String, Integer> late = new ConcurrentHashMap<>();
            Reader re = new Reader(e.subscribe("faults-early", List.of(topic)), early);
            Reader rl = new Reader(e.subscribe("faults-late", List.of(topic)), late);
            long lateN = n - start * PARTITIONS;
            awaitAcks(early, n, re);
            awaitAcks(late, lateN, rl);
            Map<Integer, FetchEngine.NodeStats> stats = e.fetchStats();
            re.stop();
            rl.stop();

            assertThat(early).hasSize((int) n);
            assertThat(late).hasSize((int) lateN);
            assertThat(rl.offered).allMatch(m -> m.offset() >= start);
            Set<Integer> leaders = new HashSet<>(Leaders.of(admin, topic).values());
            assertThat(stats.keySet())
                    .as("one executor per leader node, not per group")
                    .isEqualTo(leaders);
            long rounds = 0;
            long fetches = 0;
            for (FetchEngine.NodeStats st : stats.values()) {
                assertThat(st.fetchRequests())
                        .as("at most one Fetch per group per round")
                        .isLessThanOrEqualTo(2 * st.rounds());
                rounds += st.rounds();
                fetches += st.fetchRequests();
            }
            assertThat(fetches).as("both groups in the same rounds").isGreaterThan(rounds);
            System.out.printf(
                    "two groups, one engine, %d messages from offset 0 and %d from %d: %d and %d"
                            + " offers (%d and %d redelivered), %d executors, %d rounds, %d"
                            + " Fetches (%.2f per node per round), %d and %d acknowledged twice%n",
                    n,
                    lateN,
                    start,
                    re.offered.size(),
                    rl.offered.size(),
                    re.redelivered(),
                    rl.redelivered(),
                    stats.size(),
                    rounds,
                    fetches,
                    (double) fetches / rounds,
                    twice(early),
                    twice(late));
            assertThat(twice(early) + twice(late)).isZero();
        }
    }
}
