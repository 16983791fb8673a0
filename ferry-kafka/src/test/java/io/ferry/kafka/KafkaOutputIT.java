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
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end on a real 3-node cluster: MemoryBroker drained by KafkaOutput through the mapper's
 * executors.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KafkaOutputIT {
    static final int EVENTS = Integer.getInteger("ferry.it.events", 1_000_000);
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    static KafkaSettings settings() {
        return KafkaSettings.defaults(cluster.bootstrap())
                .withLingerMs(5)
                .withBatchSizeBytes(64 * 1024)
                .withCompressionType("lz4");
    }

    /** Key: 4-byte key id; value: 8-byte global sequence. */
    static Event event(String topic, int key, long seq) {
        return Event.of(
                topic,
                ByteBuffer.allocate(4).putInt(key).array(),
                ByteBuffer.allocate(8).putLong(seq).array());
    }

    @Test
    void millionEvents_overTwelvePartitionsOfThreeNodes_arriveExactlyOnceInKeyOrder()
            throws Exception {
        String topic = "e2e-million";
        cluster.createTopic(topic, 12, 3);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (ProduceEngine engine =
                        ProduceEngine.start(settings(), (e, why) -> failures.add(why.toString()));
                MemoryBroker broker = MemoryBroker.create(MemoryBrokerSettings.defaults())) {
            KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
            AtomicLong acked = new AtomicLong();
            Producer p = broker.producer(ProducerConfig.withAcks(acked::addAndGet));
            int keys = 1000;
            for (long i = 0; i < EVENTS; i++) {
                assertThat(p.publish(event(topic, (int) (i % keys), i))).isTrue();
            }
            Awaitility.await().atMost(Duration.ofSeconds(240)).until(() -> acked.get() == EVENTS);
            assertThat(failures).isEmpty();
            assertThat(output.close(Duration.ofSeconds(10))).isTrue();

            long[] rp = engine.requestsAndPartitionsSent();
            // One executor per node that leads a partition of the topic (normally all three; on a
            // loaded machine a broker that registered late may lead none).
            java.util.Set<Integer> leaders = new java.util.HashSet<>();
            try (org.apache.kafka.clients.admin.Admin admin = cluster.admin()) {
                admin.describeTopics(java.util.List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .forEach(info -> leaders.add(info.leader().id()));
            }
            assertThat(engine.executorsByNode().keySet())
                    .as("one executor per leading node")
                    .isEqualTo(leaders);
            assertThat((double) rp[1] / rp[0])
                    .as("partitions per ProduceRequest")
                    .isGreaterThan(1.0);
        }
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), topic, 12, EVENTS, Set.of());
    }
}
