package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link DeliveryListener}: each event's reported partition and offset are where Kafka has it. */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeliveryListenerIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    /** What the listener heard for an event, by its sequence number. */
    record Outcome(int partition, long offset, String failure) {}

    @Test
    void onDelivered_reportsThePartitionAndOffsetEachRecordHasInTheLog_andFailuresGoToOnFailure()
            throws Exception {
        cluster.createTopic("offsets", 3, 1);
        Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
        DeliveryListener listener =
                new DeliveryListener() {
                    @Override
                    public void onDelivered(Event event, int partition, long offset) {
                        assertThat(
                                        outcomes.put(
                                                ByteBuffer.wrap(event.value()).getLong(),
                                                new Outcome(partition, offset, null)))
                                .isNull();
                    }

                    @Override
                    public void onFailure(Event event, DeliveryFailure reason) {
                        outcomes.put(
                                ByteBuffer.wrap(event.value()).getLong(),
                                new Outcome(-1, -1, reason.toString()));
                    }
                };
        KafkaSettings kafka =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                cluster.bootstrap(),
                                "linger.ms",
                                2,
                                "batch.size",
                                4096));
        int n = 5_000;
        try (FerryPipeline ferry =
                FerryPipeline.start(BrokerConfig.of("memory"), kafka, listener)) {
            Producer producer = ferry.producer(ProducerConfig.DEFAULT);
            for (long i = 0; i < n; i++) {
                producer.publish(
                        Event.of(
                                "offsets",
                                ByteBuffer.allocate(4).putInt((int) (i % 11)).array(),
                                ByteBuffer.allocate(8).putLong(i).array()));
            }
            producer.publish(Event.of("no-such-topic", ByteBuffer.allocate(8).putLong(n).array()));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> outcomes.size() == n + 1);
        }
        assertThat(outcomes.get((long) n).failure())
                .startsWith("UNKNOWN_TOPIC/UNKNOWN_TOPIC_OR_PARTITION")
                .contains("no-such-topic");

        Properties props = new Properties();
        props.put("bootstrap.servers", cluster.bootstrap());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                tps.add(new TopicPartition("offsets", p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            int read = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (read < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Outcome o = outcomes.get(ByteBuffer.wrap(r.value()).getLong());
                    assertThat(o.failure()).isNull();
                    assertThat(o.partition()).isEqualTo(r.partition());
                    assertThat(o.offset()).isEqualTo(r.offset());
                    read++;
                }
            }
            assertThat(read).isEqualTo(n);
        }
    }
}
