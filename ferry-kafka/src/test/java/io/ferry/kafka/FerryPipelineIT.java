package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The library entry point, used as the README shows it, on a real 1-node cluster. */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FerryPipelineIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    @Test
    void theReadmeExample_deliversAndAcks() throws Exception {
        cluster.createTopic("orders", 3, 1);
        KafkaSettings kafka =
                KafkaSettings.from(
                        Map.of("bootstrap.servers", cluster.bootstrap(), "linger.ms", 5));
        AtomicLong acked = new AtomicLong();
        long n = 10_000;
        try (FerryPipeline ferry =
                FerryPipeline.start(
                        BrokerConfig.of("memory", Map.of("events", 65536)),
                        kafka,
                        (event, reason) -> {
                            throw new AssertionError(
                                    "not delivered: " + event + " (" + reason + ")");
                        })) {
            Producer producer = ferry.producer(ProducerConfig.withAcks(acked::addAndGet));
            for (long i = 0; i < n; i++) {
                byte[] value = java.nio.ByteBuffer.allocate(8).putLong(i).array();
                producer.publish(
                        Event.of(
                                "orders",
                                java.nio.ByteBuffer.allocate(4).putInt((int) (i % 7)).array(),
                                value));
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() == n);
            assertThat(ferry.engine().ackedRecords()).isEqualTo(n);
        }
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), "orders", 3, n, Set.of());
    }

    @Test
    void closeWithEventsStillBuffered_deliversThemFirst() throws Exception {
        cluster.createTopic("drain-on-close", 2, 1);
        KafkaSettings kafka =
                KafkaSettings.from(
                        Map.of("bootstrap.servers", cluster.bootstrap(), "linger.ms", 1000));
        AtomicLong acked = new AtomicLong();
        long n = 5_000;
        FerryPipeline ferry =
                FerryPipeline.start(BrokerConfig.of("memory"), kafka, DeliveryFailureListener.NONE);
        Producer producer = ferry.producer(ProducerConfig.withAcks(acked::addAndGet));
        for (long i = 0; i < n; i++) {
            producer.publish(
                    Event.of(
                            "drain-on-close",
                            java.nio.ByteBuffer.allocate(4).putInt((int) i).array(),
                            java.nio.ByteBuffer.allocate(8).putLong(i).array()));
        }
        assertThat(ferry.close(Duration.ofSeconds(30)))
                .as("everything settled before close returned")
                .isTrue();
        assertThat(acked.get()).isEqualTo(n);
        ReadBack.assertExactlyOnceInKeyOrder(cluster.bootstrap(), "drain-on-close", 2, n, Set.of());
    }

    @Test
    void aBadBrokerType_failsNamingIt() {
        KafkaSettings kafka = KafkaSettings.from(Map.of("bootstrap.servers", cluster.bootstrap()));
        assertThatThrownBy(
                        () ->
                                FerryPipeline.start(
                                        BrokerConfig.of("tape"),
                                        kafka,
                                        DeliveryFailureListener.NONE))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("tape")
                .hasMessageContaining("memory");
    }

    /**
     * Regression: start waited up to delivery.timeout.ms for a producer id and then threw, so a
     * gateway could not come up while Kafka was away. Now it starts at once, says why it is not
     * ready, and holds the events.
     */
    @Test
    void anUnreachableCluster_startsAtOnce_andSaysWhyItIsNotReady() throws Exception {
        KafkaSettings kafka =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                "127.0.0.1:1",
                                "delivery.timeout.ms",
                                60_000,
                                "request.timeout.ms",
                                1000,
                                "retry.backoff.ms",
                                20));
        long start = System.nanoTime();
        try (FerryPipeline ferry =
                FerryPipeline.start(
                        BrokerConfig.of("memory"), kafka, DeliveryFailureListener.NONE)) {
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(5));
            Producer producer = ferry.producer(ProducerConfig.DEFAULT);
            assertThat(producer.tryPublish(Event.of("orders", new byte[] {1}))).isTrue();
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> {
                                ClusterStatus s = ferry.status();
                                assertThat(s.state()).isEqualTo(ClusterStatus.State.CONNECTING);
                                assertThat(s.reason()).contains("127.0.0.1:1");
                            });
            assertThat(ferry.broker().stats().bufferedEvents())
                    .as("the event waits in the broker")
                    .isEqualTo(1);
            assertThat(ferry.close(Duration.ofMillis(200))).isFalse();
        }
    }
}
