package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.kafka.TopicConfigs;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12: once the engine knows a topic's configs, a record Kafka would certainly refuse is
 * refused at the door, at ack=local, before anything is accepted: 413 {@code record_too_large} over
 * {@code max.message.bytes}, 400 {@code invalid_timestamp} outside the CreateTime window; a record
 * just within them is accepted and arrives. On a real Kafka (compression.type none, the default).
 */
@KafkaTest
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TopicConfigsIT {
    private static final String TOPIC = "door";
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic(
                TOPIC,
                1,
                Map.of("max.message.bytes", "2000", "message.timestamp.before.max.ms", "60000"));
        gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        KafkaSettings.from(
                                                Map.of("bootstrap.servers", kafka.bootstrap())),
                                        BrokerConfig.of("memory", Map.of("events", 1024)))
                                .withPort(0));
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.shutdown();
        }
    }

    private static void refused(Http.Response r, int status, String code, String... words) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).isEqualTo(code);
        assertThat(e.getString("message")).contains(words);
    }

    private static List<String> arrived() {
        return kafka.readAll(TOPIC, 1).stream()
                .map(ConsumerRecord::value)
                .map(v -> new String(v, StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void recordsKafkaWouldRefuse_areRefusedAtTheDoor_onceTheConfigsAreKnown() {
        // a first record makes the topic known to the engine's metadata
        assertThat(http.post("/topics/" + TOPIC + "/messages?ack=kafka", "first").status())
                .isEqualTo(200);
        // the configs are fetched in the background on the first ask: poll, bounded
        ClusterRuntime runtime = gateway.clusters().get("default");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> runtime.topicConfigs(TOPIC) != null);
        TopicConfigs known = runtime.topicConfigs(TOPIC);
        assertThat(known.maxMessageBytes()).isEqualTo(2000);
        assertThat(known.createTime()).isTrue();
        assertThat(known.timestampBeforeMaxMs()).isEqualTo(60_000);

        long buffered = gateway.bufferedEvents();
        String tooLarge = "x".repeat(1931); // 2001 bytes in a batch of its own
        refused(
                http.post("/topics/" + TOPIC + "/messages?ack=local", tooLarge),
                413,
                "record_too_large",
                "2001 bytes",
                "max.message.bytes=2000");
        long hourAgo = System.currentTimeMillis() - 3_600_000;
        refused(
                http.post("/topics/" + TOPIC + "/messages?ack=local&timestamp=" + hourAgo, "old"),
                400,
                "invalid_timestamp",
                "in the past",
                "message.timestamp.before.max.ms=60000 ms");
        assertThat(gateway.bufferedEvents()).as("nothing accepted").isEqualTo(buffered);

        // just within: accepted, and Kafka takes them (each alone: a batch of one)
        String fits = "y".repeat(1930);
        assertThat(http.post("/topics/" + TOPIC + "/messages?ack=local", fits).status())
                .isEqualTo(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> arrived().size() == 2);
        long now = System.currentTimeMillis();
        assertThat(
                        http.post(
                                        "/topics/" + TOPIC + "/messages?ack=local&timestamp=" + now,
                                        "now")
                                .status())
                .isEqualTo(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> arrived().size() == 3);
        assertThat(arrived()).containsExactly("first", fits, "now");
        assertThat(kafka.readAll(TOPIC, 1).get(2).timestamp()).isEqualTo(now);
    }
}
