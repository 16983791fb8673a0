package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.broker.memory.MemoryBroker;
import io.ferry.broker.memory.MemoryBrokerSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults on a real 3-node cluster: a node stopped mid-stream and restarted, leadership moved, a
 * record over the size limits. The promise is the same each time: every accepted event exactly
 * once, in key order; a record that cannot go fails alone with its reason.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KafkaFaultsIT {
    private static final int KEYS = 500;
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    /** The delivery failures: sequence number to reason. */
    private final Map<Long, String> failures = new ConcurrentHashMap<>();

    private ProduceEngine engine() {
        KafkaSettings s =
                KafkaSettings.defaults(cluster.bootstrap())
                        .withLingerMs(5)
                        .withBatchSizeBytes(32 * 1024)
                        .withCompressionType("lz4")
                        .withTimeouts(5_000, 120_000);
        return ProduceEngine.start(
                s, (e, why) -> failures.put(ByteBuffer.wrap(e.value()).getLong(), why.toString()));
    }

    private static Event event(String topic, long seq, int extraBytes) {
        byte[] value = new byte[8 + extraBytes];
        new Random(seq).nextBytes(value); // incompressible padding
        ByteBuffer.wrap(value).putLong(seq);
        return Event.of(topic, ByteBuffer.allocate(4).putInt((int) (seq % KEYS)).array(), value);
    }

    private static void publish(Producer p, String topic, long from, long to)
            throws InterruptedException {
        for (long i = from; i < to; i++) {
            assertThat(p.publish(event(topic, i, 0))).isTrue();
        }
    }

    private static void awaitAcked(AtomicLong acked, long atLeast) {
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> acked.get() >= atLeast);
    }

    @Test
    void nodeStoppedMidStreamAndRestarted_everyEventExactlyOnceInKeyOrder() throws Exception {
        String topic = "faults-restart";
        int partitions = 6;
        long n = 150_000;
        cluster.createTopic(topic, partitions, 3);
        int victim = cluster.kit().brokers().keySet().iterator().next();
        var server = cluster.kit().brokers().get(victim);
        AtomicLong acked = new AtomicLong();
        try (ProduceEngine engine = engine();
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            publish(p, topic, 0, n / 3);
            awaitAcked(acked, n / 6);
            assertThat(engine.executorsByNode()).containsKey(victim);

            server.shutdown();
            server.awaitShutdown();
            publish(p, topic, n / 3, 2 * n / 3);
            awaitAcked(acked, n / 2); // progress while the node is down: its partitions moved
            for (int i = 0; i < partitions; i++) {
                assertThat(engine.assignedNode(topic, i))
                        .as("partition %d left the stopped node", i)
                        .isNotEqualTo(victim);
            }

            server.startup();
            publish(p, topic, 2 * n / 3, n);
            awaitAcked(acked, n);
            assertThat(acked.get()).as("producer acks").isEqualTo(n);
            assertThat(failures).isEmpty();
            assertThat(output.close(Duration.ofSeconds(30))).isTrue();
        }
        cluster.kit().waitForReadyBrokers();
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), topic, partitions, n, Set.of());
    }

    @Test
    void leadershipMoves_workersFollowTheNewLeaders() throws Exception {
        String topic = "faults-leaders";
        int partitions = 3;
        long n = 60_000;
        cluster.createTopic(topic, partitions, 3);
        AtomicLong acked = new AtomicLong();
        try (ProduceEngine engine = engine();
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults());
                Admin admin = cluster.admin()) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            publish(p, topic, 0, n / 2);
            awaitAcked(acked, n / 2);
            Map<Integer, Integer> before = leaders(admin, topic);
            for (int i = 0; i < partitions; i++) {
                assertThat(engine.assignedNode(topic, i))
                        .as("partition %d on its leader", i)
                        .isEqualTo(before.get(i));
            }

            // Rotate every replica list so that each partition's preferred leader changes, then
            // elect.
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
                    .until(
                            () ->
                                    admin.listPartitionReassignments()
                                            .reassignments()
                                            .get()
                                            .isEmpty());
            // The election acts on the controller's view; metadata (and so describe) follows a
            // moment
            // later, and an election asked for too early is "not needed": ask again until it shows.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> {
                                try {
                                    admin.electLeaders(ElectionType.PREFERRED, moves.keySet())
                                            .all()
                                            .get(10, TimeUnit.SECONDS);
                                } catch (java.util.concurrent.ExecutionException e) {
                                    // ELECTION_NOT_NEEDED for a partition already moved: checked
                                    // below
                                }
                                Map<Integer, Integer> now = leaders(admin, topic);
                                for (int i = 0; i < partitions; i++) {
                                    assertThat(now.get(i))
                                            .as("leader of partition %d moved", i)
                                            .isNotEqualTo(before.get(i));
                                }
                            });
            Map<Integer, Integer> after = leaders(admin, topic);

            publish(p, topic, n / 2, n);
            awaitAcked(acked, n);
            for (int i = 0; i < partitions; i++) {
                assertThat(engine.assignedNode(topic, i))
                        .as("worker of partition %d moved to the new leader", i)
                        .isEqualTo(after.get(i));
            }
            assertThat(failures).isEmpty();
            assertThat(output.close(Duration.ofSeconds(30))).isTrue();
        }
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), topic, partitions, n, Set.of());
    }

    @Test
    void recordsOverTheLimitsFailAloneWithTheirReason() throws Exception {
        String topic = "faults-large";
        long n = 2_000;
        long overTopicLimit =
                600; // 20 KiB: over the topic's max.message.bytes, under max.request.size
        long overRequestLimit = 1_300; // 2 MiB: over max.request.size, refused before it is sent
        cluster.createTopic(topic, 2, 3, Map.of("max.message.bytes", "8192"));
        AtomicLong acked = new AtomicLong();
        try (ProduceEngine engine = engine();
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            for (long i = 0; i < n; i++) {
                int extra =
                        i == overTopicLimit
                                ? 20 * 1024
                                : i == overRequestLimit ? 2 * 1024 * 1024 : 0;
                assertThat(p.publish(event(topic, i, extra))).isTrue();
            }
            awaitAcked(acked, n);
            assertThat(failures).containsOnlyKeys(overTopicLimit, overRequestLimit);
            assertThat(failures.get(overTopicLimit))
                    .startsWith("RECORD_TOO_LARGE/MESSAGE_TOO_LARGE");
            assertThat(failures.get(overRequestLimit))
                    .startsWith("RECORD_TOO_LARGE")
                    .contains("max.request.size");
            assertThat(engine.failuresByCode())
                    .containsOnly(Map.entry(DeliveryFailure.Code.RECORD_TOO_LARGE, 2L));
            assertThat(output.close(Duration.ofSeconds(30))).isTrue();
        }
        ReadBack.assertExactlyOnceInKeyOrder(
                cluster.bootstrap(), topic, 2, n, Set.of(overTopicLimit, overRequestLimit));
    }

    @Test
    void eventsForAMissingTopic_failWithTheReason_andTheOthersArrive() throws Exception {
        String topic = "faults-present";
        String missing = "faults-no-such-topic"; // the test cluster does not auto-create topics
        long n = 10_000;
        cluster.createTopic(topic, 2, 3);
        AtomicLong acked = new AtomicLong();
        Set<Long> toMissing = new java.util.HashSet<>();
        try (ProduceEngine engine = engine();
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            for (long i = 0; i < n; i++) {
                boolean wrong = i % 100 == 7;
                if (wrong) {
                    toMissing.add(i);
                }
                assertThat(p.publish(event(wrong ? missing : topic, i, 0))).isTrue();
            }
            awaitAcked(acked, n);
            assertThat(failures).containsOnlyKeys(toMissing);
            assertThat(failures.values())
                    .allSatisfy(
                            why -> assertThat(why).startsWith("UNKNOWN_TOPIC").contains(missing));
            assertThat(output.close(Duration.ofSeconds(30))).isTrue();
        }
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), topic, 2, n, toMissing);
    }

    /**
     * Issue 12: the leaderless partition's events failed as DELIVERY_TIMEOUT before (lost); a spool
     * keeps them past the timeout and delivers them when their node is back.
     */
    @Test
    void aPartitionWithoutALeader_keepsItsEventsPastTheDeliveryTimeout_andDeliversThemLater()
            throws Exception {
        String topic = "faults-leaderless";
        int partitions = 3;
        long n = 3_000;
        cluster.createTopic(
                topic,
                partitions,
                1); // one replica: a stopped node leaves its partition without a leader
        Map<Integer, Integer> leaders;
        try (Admin admin = cluster.admin()) {
            leaders = leaders(admin, topic);
        }
        int victim = leaders.get(0);
        var server = cluster.kit().brokers().get(victim);
        KafkaSettings s =
                KafkaSettings.defaults(cluster.bootstrap())
                        .withLingerMs(5)
                        .withTimeouts(1_000, 4_000);
        AtomicLong acked = new AtomicLong();
        Set<Long> lost = new java.util.HashSet<>();
        boolean[] restarted = new boolean[1];
        server.shutdown();
        server.awaitShutdown();
        try {
            try (ProduceEngine engine =
                            ProduceEngine.start(
                                    s,
                                    (e, why) ->
                                            failures.put(
                                                    ByteBuffer.wrap(e.value()).getLong(),
                                                    why.toString()));
                    MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
                KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
                Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
                for (long i = 0; i < n; i++) {
                    int partition = (int) (i % partitions);
                    if (leaders.get(partition) == victim) {
                        lost.add(i);
                    }
                    byte[] value = ByteBuffer.allocate(8).putLong(i).array();
                    assertThat(
                                    p.publish(
                                            Event.builder(topic)
                                                    .key(
                                                            ByteBuffer.allocate(4)
                                                                    .putInt((int) i)
                                                                    .array())
                                                    .value(value)
                                                    .partition(partition)
                                                    .build()))
                            .isTrue();
                }
                long others = n - lost.size();
                // a timeout here says where each partition stood (seen once in CI, 120 s with
                // the live partitions' records unacknowledged, not reproduced since)
                Awaitility.await()
                        .atMost(Duration.ofSeconds(120))
                        .untilAsserted(
                                () ->
                                        assertThat(engine.ackedRecords())
                                                .as(
                                                        () ->
                                                                "records acknowledged of the"
                                                                        + " live partitions' "
                                                                        + others
                                                                        + "; victim node "
                                                                        + victim
                                                                        + ", leaders "
                                                                        + leaders
                                                                        + ", assigned nodes "
                                                                        + assignedNodes(
                                                                                engine,
                                                                                topic,
                                                                                partitions)
                                                                        + ", outstanding "
                                                                        + engine.outstanding()
                                                                        + ", cluster "
                                                                        + engine.cluster().status())
                                                .isGreaterThanOrEqualTo(others));
                // the outage goes on for twice delivery.timeout.ms: nothing may fail meanwhile
                long outageEndsNs = System.nanoTime() + 2_000_000L * s.deliveryTimeoutMs();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> {
                                    assertThat(failures).isEmpty();
                                    return System.nanoTime() - outageEndsNs > 0;
                                });
                assertThat(engine.outstanding()).isEqualTo(lost.size());
                server.startup();
                restarted[0] = true;
                cluster.kit().waitForReadyBrokers();
                awaitAcked(acked, n);
                assertThat(failures).isEmpty();
                assertThat(output.close(Duration.ofSeconds(30))).isTrue();
            }
        } finally {
            if (!restarted[0]) {
                server.startup();
            }
            cluster.kit().waitForReadyBrokers();
        }
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), topic, partitions, n, Set.of());
    }

    @Test
    void acksZero_withoutIdempotence_sendsEverything() throws Exception {
        String topic = "faults-acks0";
        long n = 20_000;
        cluster.createTopic(topic, 3, 3);
        KafkaSettings s =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                cluster.bootstrap(),
                                "acks",
                                "0",
                                "linger.ms",
                                5));
        AtomicLong acked = new AtomicLong();
        try (ProduceEngine engine =
                        ProduceEngine.start(
                                s,
                                (e, why) ->
                                        failures.put(
                                                ByteBuffer.wrap(e.value()).getLong(),
                                                why.toString()));
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            publish(p, topic, 0, n);
            awaitAcked(acked, n);
            assertThat(failures).isEmpty();
            assertThat(output.close(Duration.ofSeconds(30))).isTrue();
        }
        // acks=0 promises nothing, but on a healthy cluster everything arrives, once, in order.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () ->
                                ReadBack.assertExactlyOnceInKeyOrder(
                                        cluster.bootstrap(), topic, 3, n, Set.of()));
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
    }

    /** Partition to the node the engine has its worker on (see ProduceEngine#assignedNode). */
    private static Map<Integer, Integer> assignedNodes(
            ProduceEngine engine, String topic, int partitions) {
        Map<Integer, Integer> m = new java.util.TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            m.put(p, engine.assignedNode(topic, p));
        }
        return m;
    }

    private static Map<Integer, Integer> leaders(Admin admin, String topic) throws Exception {
        Map<Integer, Integer> m = new HashMap<>();
        for (TopicPartitionInfo info : describe(admin, topic).partitions()) {
            m.put(info.partition(), info.leader().id());
        }
        return m;
    }
}
