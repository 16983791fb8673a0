package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.cli.DevKafka;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry serve} started while its Kafka is not there yet, as a child process. Regression
 * (issue 16): it did not bind HTTP for 120 s (no /healthz, no /readyz), logged about 20 WARN lines
 * a second, then exited with a producer-id timeout. Now it binds at once, says why it is not ready
 * in words, spools what the ack level allows, logs the condition once, and connects when Kafka
 * appears at the configured address, delivering what it accepted.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KafkaDownAtStartIT {
    private static final Pattern LISTENING =
            Pattern.compile("gateway listening on http://[^:]+:(\\d+)");

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void bindsAtOnce_saysWhy_spools_andDeliversWhenKafkaAppears(@TempDir Path dir)
            throws Exception {
        int kafkaPort = freePort();
        Path config = dir.resolve("ferry.yaml");
        Files.writeString(
                config,
                """
                gateway:
                  port: 0
                  default-ack: local
                clusters:
                  default:
                    kafka:
                      bootstrap.servers: 127.0.0.1:%d
                      linger.ms: 1
                      delivery.timeout.ms: 300000
                    broker:
                      type: disk
                      path: %s
                """
                        .formatted(kafkaPort, dir.resolve("spool")));
        long started = System.nanoTime();
        DevKafka kafka = null;
        try (ChildFerry child =
                ChildFerry.start(
                        List.of(ChildFerry.productLogging()),
                        "serve",
                        "--config",
                        config.toString())) {
            Http http =
                    new Http(
                            Integer.parseInt(
                                    child.await(LISTENING, Duration.ofSeconds(30)).group(1)));
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("bound at once, not after delivery.timeout.ms")
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(http.get("/healthz").status()).isEqualTo(200);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> {
                                Http.Response ready = http.get("/readyz");
                                assertThat(ready.status()).isEqualTo(503);
                                assertThat(ready.body())
                                        .contains("cannot connect to 127.0.0.1:" + kafkaPort);
                            });
            assertThat(http.get("/readyz").body()).doesNotContain("Exception");

            Http.Response spooled = http.post("/topics/later/messages?ack=local", "kept on disk");
            assertThat(spooled.status()).as(spooled.toString()).isEqualTo(202);
            Http.Response unverified = http.post("/topics/later/messages?ack=kafka", "x");
            assertThat(unverified.status()).as(unverified.toString()).isEqualTo(503);

            int before = child.lines().size();
            long quietFrom = System.nanoTime();
            Thread.sleep(10_000); // a window to count log lines in, not a synchronisation
            List<String> all = child.lines();
            List<String> during = all.subList(before, all.size());
            assertThat(during)
                    .as(
                            "a repeated condition logs once, then at most once a minute (%d s)",
                            (System.nanoTime() - quietFrom) / 1_000_000_000)
                    .hasSizeLessThan(5);
            assertThat(child.process().isAlive())
                    .as("never exits because Kafka is slow to appear")
                    .isTrue();

            kafka = DevKafka.start(dir.resolve("kafka"), kafkaPort);
            kafka.createTopic("later", 1);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> http.get("/readyz").status() == 200);
            DevKafka k = kafka;
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .untilAsserted(
                            () ->
                                    assertThat(readAll(k.bootstrapServers(), "later"))
                                            .contains("kept on disk"));
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private static List<String> readAll(String bootstrap, String topic) {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap);
        List<String> out = new ArrayList<>();
        try (var consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
                        props,
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> out.add(new String(r.value(), UTF_8)));
            }
        }
        return out;
    }
}
