package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.kafka.wire.FetchedRecord;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fetch engine on a real 3-node Kafka 4.2 cluster in production parity: compressed and
 * transactional topics read back whole (aborted records never), two lanes at different positions
 * through the same executors, and workers following moved leaders. Test data is written with {@code
 * KafkaProducer}; the engine reads with Ferry's own requests only.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FetchEngineIT {
    private static final int PARTITIONS = 6;
    private static final List<String> CODECS = List.of("gzip", "snappy", "lz4", "zstd");
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka k) {
        kafka = k;
    }

    /** What one lane received: values per partition, in order, and the positions reported. */
    private static final class Collected implements FetchSink {
        final List<String> values = Collections.synchronizedList(new ArrayList<>());
        final List<Long> offsets = Collections.synchronizedList(new ArrayList<>());
        volatile long next = -1;
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override
        public void accept(List<FetchedRecord> records, long nextOffset, long highWatermark) {
            threads.add(Thread.currentThread().getName());
            for (FetchedRecord r : records) {
                values.add(new String(r.value(), StandardCharsets.UTF_8));
                offsets.add(r.offset());
            }
            next = nextOffset;
        }

        @Override
        public boolean wantsMore() {
            return true;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", 5);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String v) {
        return new ProducerRecord<>(topic, partition, null, v.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code perCodec} records per codec, spread over the partitions; returns the values.
     */
    private static List<String> writeCompressed(String topic, int perCodec, String tag) {
        List<String> values = new ArrayList<>();
        for (String codec : CODECS) {
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of("compression.type", codec))) {
                for (int i = 0; i < perCodec; i++) {
                    String v = tag + "-" + codec + "-" + i;
                    p.send(record(topic, i % PARTITIONS, v));
                    values.add(v);
                }
                p.flush();
            }
        }
        return values;
    }

    /**
     * A committed transaction, an aborted one, a committed one, each over every partition; returns
     * the committed values.
     */
    private static List<String> writeTransactions(String topic, int perTxn) {
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p =
                producer(
                        Map.of(
                                "transactional.id",
                                "fetch-it-" + topic,
                                "compression.type",
                                "lz4"))) {
            p.initTransactions();
            for (String kind : List.of("commit1", "abort", "commit2")) {
                p.beginTransaction();
                for (int i = 0; i < perTxn; i++) {
                    String v = "txn-" + kind + "-" + i;
                    p.send(record(topic, i % PARTITIONS, v));
                    if (!kind.equals("abort")) {
                        committed.add(v);
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
        return committed;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic)
            throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q)
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    private static KafkaCluster cluster() {
        return KafkaCluster.start(KafkaSettings.defaults(kafka.bootstrap()));
    }

    private static FetchEngine engine(KafkaCluster c) {
        return FetchEngine.start(c, FetchSettings.defaults().withMaxWaitMs(100));
    }

    private static List<String> all(Map<TopicPartition, Collected> sinks) {
        List<String> out = new ArrayList<>();
        sinks.values().forEach(s -> out.addAll(s.values));
        return out;
    }

    private static void awaitPositions(
            Map<TopicPartition, Collected> sinks,
            Map<TopicPartition, Long> ends,
            FetchEngine engine,
            FetchLane lane) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () ->
                                ends.forEach(
                                        (tp, end) ->
                                                assertThat(sinks.get(tp).next)
                                                        .as(
                                                                "position of %s (%s, %s)",
                                                                tp,
                                                                engine.worker(lane, tp).status(),
                                                                engine.nodeStats())
                                                        .isEqualTo(end)));
    }

    @Test
    void compressedAndTransactionalRecords_areReadOnce_andAbortedOnesNever() throws Exception {
        String topic = "fetch-it-codecs";
        kafka.createTopic(topic, PARTITIONS, 3);
        List<String> expected = new ArrayList<>(writeCompressed(topic, 400, "c"));
        expected.addAll(writeTransactions(topic, 60));
        FetchLane lane = new FetchLane("g-codecs", FetchLane.OffsetReset.EARLIEST);
        Map<TopicPartition, Collected> sinks = new ConcurrentHashMap<>();
        try (Admin admin = kafka.admin();
                KafkaCluster c = cluster();
                FetchEngine engine = engine(c)) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            for (int i = 0; i < PARTITIONS; i++) {
                TopicPartition tp = new TopicPartition(topic, i);
                sinks.put(tp, new Collected());
                engine.add(lane, tp, FetchWorker.UNKNOWN_POSITION, sinks.get(tp));
            }
            awaitPositions(sinks, ends, engine, lane);
            assertThat(all(sinks)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(all(sinks)).noneMatch(v -> v.contains("abort"));
            for (Collected s : sinks.values()) {
                assertThat(s.offsets).isSorted();
                assertThat(s.threads)
                        .as("sinks are called by the executor threads only")
                        .allMatch(t -> t.startsWith("ferry-fetch-node-"));
            }
            // the topic ends in a COMMIT marker: the position stepped past it, over no record
            assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
                    .isGreaterThan(expected.size());
            for (FetchEngine.NodeStats st : engine.nodeStats().values()) {
                assertThat(st.fetchRequests())
                        .as("one lane: one Fetch per round")
                        .isEqualTo(st.rounds());
            }
        }
    }

    @Test
    void twoLanesAtDifferentPositions_shareTheExecutors_withOneFetchEachPerRound()
            throws Exception {
        String topic = "fetch-it-lanes";
        kafka.createTopic(topic, PARTITIONS, 3);
        List<String> written = writeCompressed(topic, 300, "l");
        FetchLane early = new FetchLane("g-early", FetchLane.OffsetReset.EARLIEST);
        FetchLane late = new FetchLane("g-late", FetchLane.OffsetReset.EARLIEST);
        Map<TopicPartition, Collected> fromZero = new ConcurrentHashMap<>();
        Map<TopicPartition, Collected> fromTen = new ConcurrentHashMap<>();
        try (Admin admin = kafka.admin();
                KafkaCluster c = cluster();
                FetchEngine engine = engine(c)) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            for (int i = 0; i < PARTITIONS; i++) {
                TopicPartition tp = new TopicPartition(topic, i);
                fromZero.put(tp, new Collected());
                fromTen.put(tp, new Collected());
                engine.add(early, tp, 0, fromZero.get(tp));
                engine.add(late, tp, 10, fromTen.get(tp));
            }
            awaitPositions(fromZero, ends, engine, early);
            awaitPositions(fromTen, ends, engine, late);
            assertThat(all(fromZero)).containsExactlyInAnyOrderElementsOf(written);
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            assertThat(all(fromTen)).hasSize((int) total - 10 * PARTITIONS);
            for (Collected s : fromTen.values()) {
                assertThat(s.offsets).isSorted().allMatch(o -> o >= 10);
            }
            Set<Integer> leaders = new java.util.HashSet<>();
            describe(admin, topic).partitions().forEach(p -> leaders.add(p.leader().id()));
            assertThat(engine.nodeStats().keySet())
                    .as("one executor per leader, not per lane")
                    .isEqualTo(leaders);
            for (FetchEngine.NodeStats st : engine.nodeStats().values()) {
                assertThat(st.fetchRequests())
                        .as("at most one Fetch per lane per round")
                        .isLessThanOrEqualTo(2 * st.rounds());
                assertThat(st.fetchRequests())
                        .as("both lanes in the same rounds")
                        .isGreaterThan(st.rounds());
            }
        }
    }

    @Test
    void movedLeaders_areFollowed_andNothingIsLostOrRepeated() throws Exception {
        String topic = "fetch-it-moves";
        int partitions = 3;
        kafka.createTopic(topic, partitions, 3);
        FetchLane lane = new FetchLane("g-moves", FetchLane.OffsetReset.EARLIEST);
        Map<TopicPartition, Collected> sinks = new ConcurrentHashMap<>();
        List<String> expected = new ArrayList<>();
        try (Admin admin = kafka.admin();
                KafkaCluster c = cluster();
                FetchEngine engine = engine(c);
                KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            for (int i = 0; i < partitions; i++) {
                TopicPartition tp = new TopicPartition(topic, i);
                sinks.put(tp, new Collected());
                engine.add(lane, tp, 0, sinks.get(tp));
            }
            for (int i = 0; i < 300; i++) {
                String v = "before-" + i;
                p.send(record(topic, i % partitions, v));
                expected.add(v);
            }
            p.flush();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> all(sinks).size() == 300);
            Map<Integer, Integer> before = leaders(admin, topic);

            moveEveryLeader(admin, topic, before);
            Map<Integer, Integer> after = leaders(admin, topic);
            for (int i = 0; i < 300; i++) {
                String v = "after-" + i;
                p.send(record(topic, i % partitions, v));
                expected.add(v);
            }
            p.flush();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> all(sinks).size() >= 600);
            assertThat(all(sinks)).containsExactlyInAnyOrderElementsOf(expected);
            for (int i = 0; i < partitions; i++) {
                FetchWorker w = engine.worker(lane, new TopicPartition(topic, i));
                assertThat(w.assignedExecutor().node().id())
                        .as("partition %d fetched from its new leader", i)
                        .isEqualTo(after.get(i));
            }
        }
    }

    static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
    }

    static Map<Integer, Integer> leaders(Admin admin, String topic) throws Exception {
        Map<Integer, Integer> m = new HashMap<>();
        for (TopicPartitionInfo info : describe(admin, topic).partitions()) {
            m.put(info.partition(), info.leader().id());
        }
        return m;
    }

    /**
     * Rotates every replica list so each preferred leader changes, then elects (as KafkaFaultsIT);
     * also used by ConsumeApiIT.
     */
    static void moveEveryLeader(Admin admin, String topic, Map<Integer, Integer> before)
            throws Exception {
        Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
        for (TopicPartitionInfo info : describe(admin, topic).partitions()) {
            List<Integer> replicas = new ArrayList<>();
            info.replicas().forEach(r -> replicas.add(r.id()));
            while (replicas.get(0) == info.leader().id()) {
                replicas.add(replicas.remove(0));
            }
            moves.put(
                    new TopicPartition(topic, info.partition()),
                    Optional.of(new NewPartitionReassignment(replicas)));
        }
        admin.alterPartitionReassignments(moves).all().get(30, TimeUnit.SECONDS);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> admin.listPartitionReassignments().reassignments().get().isEmpty());
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            try {
                                admin.electLeaders(ElectionType.PREFERRED, moves.keySet())
                                        .all()
                                        .get(10, TimeUnit.SECONDS);
                            } catch (java.util.concurrent.ExecutionException e) {
                                // ELECTION_NOT_NEEDED for a partition already moved: checked below
                            }
                            Map<Integer, Integer> now = leaders(admin, topic);
                            for (int i = 0; i < before.size(); i++) {
                                assertThat(now.get(i))
                                        .as("leader of partition %d moved", i)
                                        .isNotEqualTo(before.get(i));
                            }
                        });
    }
}
