package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12: a write to a topic internal to Kafka is refused at the door with 403 {@code
 * internal_topic} naming it, at every ack level and on both produce routes, before anything is
 * accepted; on a real Kafka where {@code __consumer_offsets} exists (and its metadata says
 * internal) and for the internal names that do not exist yet.
 */
@KafkaTest
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InternalTopicIT {
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("plain", 1);
        // a committed offset makes Kafka create __consumer_offsets
        kafka.admin()
                .alterConsumerGroupOffsets(
                        "internal-it",
                        Map.of(new TopicPartition("plain", 0), new OffsetAndMetadata(0)))
                .all()
                .get(30, TimeUnit.SECONDS);
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

    private static void refused(Http.Response r, String topic) {
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).isEqualTo("internal_topic");
        assertThat(e.getString("message")).contains("'" + topic + "'", "internal to Kafka");
    }

    @Test
    void writesToInternalTopics_areRefused403_atEveryAckLevel_andNothingIsAccepted()
            throws Exception {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            Http.Response d = http.get("/topics/__consumer_offsets");
                            assertThat(d.status()).as(d.toString()).isEqualTo(200);
                            assertThat(d.json().getBoolean("internal")).isTrue();
                        });
        long before = gateway.bufferedEvents();
        for (String topic :
                List.of("__consumer_offsets", "__transaction_state", "__share_group_state")) {
            for (String ack : List.of("none", "local", "kafka")) {
                refused(http.post("/topics/" + topic + "/messages?ack=" + ack, "x"), topic);
                refused(
                        http.post(
                                "/topics/" + topic + "/records?ack=" + ack,
                                "{\"records\":[{\"value\":\"x\"}]}"),
                        topic);
            }
            refused(http.post("/clusters/default/topics/" + topic + "/messages", "x"), topic);
        }
        assertThat(gateway.bufferedEvents()).isEqualTo(before);
        assertThat(http.get("/metrics").body())
                .containsPattern("ferry_http_errors_total\\{[^}]*reason=\"internal_topic\"");

        // an ordinary topic next to it is written as before
        assertThat(http.post("/topics/plain/messages?ack=kafka", "fine").status()).isEqualTo(200);
    }
}
