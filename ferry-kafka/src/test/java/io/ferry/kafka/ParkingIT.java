package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Brokers;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Head-of-line parking on a real cluster (issue 12): a partition whose only replica is stopped
 * would pin the head of the broker (it releases only its contiguous acknowledged prefix), so the
 * broker would fill and nothing else would flow. Parked aside, its events wait in their own lane
 * while the rest flows; when the node is back they arrive, also after a restart of the pipeline
 * (disk).
 */
@KafkaTest(brokers = 2)
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParkingIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    private final Map<Long, String> failures = new ConcurrentHashMap<>();

    private ProduceEngine engine() {
        KafkaSettings s =
                KafkaSettings.defaults(cluster.bootstrap())
                        .withLingerMs(5)
                        .withTimeouts(1_000, 4_000);
        return ProduceEngine.start(
                s, (e, why) -> failures.put(ByteBuffer.wrap(e.value()).getLong(), why.toString()));
    }

    private static Event event(String topic, int partition, long i) {
        return Event.builder(topic)
                .partition(partition)
                .value(ByteBuffer.allocate(64).putLong(i).array())
                .build();
    }

    /** The partition led by {@code victim}'s node and one led by the other. */
    private static int[] partitions(String topic, int[] victim) throws Exception {
        Map<Integer, Integer> leaders = new HashMap<>();
        try (Admin admin = cluster.admin()) {
            for (TopicPartitionInfo info :
                    admin.describeTopics(java.util.List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions()) {
                leaders.put(info.partition(), info.leader().id());
            }
        }
        int blocked = 0;
        int other = -1;
        for (int p = 1; p < leaders.size(); p++) {
            if (!leaders.get(p).equals(leaders.get(blocked))) {
                other = p;
                break;
            }
        }
        assertThat(other).as("two partitions on different nodes").isGreaterThan(0);
        victim[0] = leaders.get(blocked);
        return new int[] {blocked, other};
    }

    private void stopped(int node, ThrowingRunnable during) throws Exception {
        var server = cluster.kit().brokers().get(node);
        server.shutdown();
        server.awaitShutdown();
        boolean restarted = false;
        try {
            during.run(
                    () -> {
                        server.startup();
                        cluster.kit().waitForReadyBrokers();
                    });
            restarted = true;
        } finally {
            if (!restarted) {
                server.startup();
                cluster.kit().waitForReadyBrokers();
            }
        }
    }

    /** The partition's end offset: the records written to it (a fresh topic, no transactions). */
    private static long endOffset(String topic, int partition) throws Exception {
        var tp = new org.apache.kafka.common.TopicPartition(topic, partition);
        try (Admin admin = cluster.admin()) {
            return admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(tp)
                    .get()
                    .offset();
        }
    }

    interface ThrowingRunnable {
        void run(ThrowingAction restart) throws Exception;
    }

    interface ThrowingAction {
        void run() throws Exception;
    }

    @Test
    void aLeaderlessPartition_isParkedAside_soAFullBrokerKeepsFlowing() throws Exception {
        String topic = "parking-memory";
        cluster.createTopic(topic, 4, 1); // one replica: a stopped node leaves no leader
        int[] victim = new int[1];
        int[] ps = partitions(topic, victim);
        int blocked = ps[0];
        int other = ps[1];
        int parkedCount = 100;
        int flowing = 5_000;
        BrokerConfig config = BrokerConfig.of("memory", Map.of("events", 500));
        stopped(
                victim[0],
                restart -> {
                    AtomicLong acked = new AtomicLong();
                    try (ProduceEngine engine = engine();
                            Broker broker = Brokers.load(Eventer.NONE, config)) {
                        KafkaOutput output =
                                KafkaOutput.start(
                                        broker, engine, 2048, 64, ParkingSpace.like(config, null));
                        Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
                        for (long i = 0; i < parkedCount; i++) {
                            assertThat(p.publish(event(topic, blocked, i))).isTrue();
                        }
                        // 10 times the broker's capacity: without parking the 100 events pinned
                        // at its head would stop it after 400 more
                        for (long i = 0; i < flowing; i++) {
                            assertThat(p.publish(event(topic, other, parkedCount + i))).isTrue();
                        }
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(60))
                                .until(() -> engine.ackedRecords() >= flowing);
                        assertThat(output.parkedEvents()).isEqualTo(parkedCount);
                        assertThat(engine.cluster().status().degraded()).isTrue();
                        assertThat(failures).isEmpty();

                        restart.run();
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(90))
                                .until(() -> engine.ackedRecords() >= flowing + parkedCount);
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(10))
                                .until(() -> output.parkedEvents() == 0);
                        assertThat(acked.get()).isEqualTo(flowing + parkedCount);
                        assertThat(failures).isEmpty();
                        assertThat(output.close(Duration.ofSeconds(30))).isTrue();
                    }
                });
        assertThat(endOffset(topic, blocked)).isEqualTo(parkedCount);
    }

    @Test
    void diskParkedEvents_surviveARestartOfThePipeline_andArriveWhenTheNodeIsBack(@TempDir Path dir)
            throws Exception {
        String topic = "parking-disk";
        cluster.createTopic(topic, 4, 1);
        int[] victim = new int[1];
        int[] ps = partitions(topic, victim);
        int blocked = ps[0];
        int other = ps[1];
        int parkedCount = 200;
        Path main = dir.resolve("spool");
        BrokerConfig config = BrokerConfig.of("disk", Map.of("path", main.toString()));
        stopped(
                victim[0],
                restart -> {
                    try (ProduceEngine engine = engine();
                            Broker broker = Brokers.load(Eventer.NONE, config)) {
                        KafkaOutput output =
                                KafkaOutput.start(
                                        broker, engine, 2048, 64, ParkingSpace.like(config, null));
                        Producer p = broker.producer(ProducerConfig.DEFAULT);
                        for (long i = 0; i < parkedCount; i++) {
                            assertThat(p.publish(event(topic, blocked, i))).isTrue();
                            assertThat(p.publish(event(topic, other, i))).isTrue();
                        }
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(60))
                                .until(() -> output.parkedEvents() == parkedCount);
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(30))
                                .until(() -> broker.stats().bufferedEvents() == 0);
                        output.close(Duration.ofSeconds(5));
                    }
                    Path parked = dir.resolve("spool-parked").resolve(topic + "-" + blocked);
                    assertThat(parked).as("kept on disk for the next start").isDirectory();

                    try (ProduceEngine engine = engine();
                            Broker broker = Brokers.load(Eventer.NONE, config)) {
                        KafkaOutput output =
                                KafkaOutput.start(
                                        broker, engine, 2048, 64, ParkingSpace.like(config, null));
                        assertThat(output.parkedEvents()).isEqualTo(parkedCount);
                        restart.run();
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(90))
                                .until(() -> engine.ackedRecords() >= parkedCount);
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(10))
                                .until(() -> !Files.exists(parked));
                        assertThat(failures).isEmpty();
                        assertThat(output.close(Duration.ofSeconds(30))).isTrue();
                    }
                });
        assertThat(endOffset(topic, blocked)).isEqualTo(parkedCount);
        assertThat(endOffset(topic, other)).isEqualTo(parkedCount);
    }
}
