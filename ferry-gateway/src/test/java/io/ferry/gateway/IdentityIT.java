package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identical records at mixed ack levels, concurrently, through both brokers (issue 12): every
 * {@code ack=kafka} answer names a distinct partition and offset that holds such a record in Kafka,
 * and Kafka holds exactly the records accepted. Before, the disk broker matched answers by content.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IdentityIT {
    private static final int REQUESTS = 600;

    private void run(InProcessKafka kafka, String topic, BrokerConfig broker) throws Exception {
        kafka.createTopic(topic, 3);
        Gateway gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        KafkaSettings.from(
                                                Map.of(
                                                        "bootstrap.servers",
                                                        kafka.bootstrap(),
                                                        "linger.ms",
                                                        2)),
                                        broker)
                                .withPort(0));
        try {
            Http http = new Http(gateway.port());
            List<CompletableFuture<Http.Response>> kafkaAcks = new ArrayList<>();
            List<CompletableFuture<Http.Response>> others = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String ack = i % 3 == 0 ? "kafka" : i % 3 == 1 ? "none" : "local";
                CompletableFuture<Http.Response> f =
                        http.postAsync("/topics/" + topic + "/messages?ack=" + ack, "same");
                (ack.equals("kafka") ? kafkaAcks : others).add(f);
            }
            Set<String> answered = new HashSet<>();
            for (CompletableFuture<Http.Response> f : kafkaAcks) {
                Http.Response r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                var json = r.json();
                String at = json.getInteger("partition") + "@" + json.getLong("offset");
                assertThat(answered.add(at)).as("answered twice: " + at).isTrue();
            }
            for (CompletableFuture<Http.Response> f : others) {
                assertThat(f.get(60, TimeUnit.SECONDS).status()).isIn(200, 202);
            }
            List<ConsumerRecord<byte[], byte[]>> stored = new ArrayList<>();
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .until(
                            () -> {
                                stored.clear();
                                stored.addAll(kafka.readAll(topic, 3));
                                return stored.size() >= REQUESTS;
                            });
            assertThat(stored).hasSize(REQUESTS);
            Set<String> inKafka = new HashSet<>();
            for (var rec : stored) {
                assertThat(new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo("same");
                inKafka.add(rec.partition() + "@" + rec.offset());
            }
            assertThat(inKafka).containsAll(answered);
        } finally {
            gateway.shutdown();
        }
    }

    @Test
    void diskBroker_identicalRecordsAtMixedAckLevels_eachAnsweredWithItsOwnOffset(
            InProcessKafka kafka, @TempDir Path dir) throws Exception {
        run(kafka, "identity-disk", BrokerConfig.of("disk", Map.of("path", dir.toString())));
    }

    @Test
    void memoryBroker_identicalRecordsAtMixedAckLevels_eachAnsweredWithItsOwnOffset(
            InProcessKafka kafka) throws Exception {
        run(kafka, "identity-memory", BrokerConfig.of("memory", Map.of("events", 4096)));
    }
}
