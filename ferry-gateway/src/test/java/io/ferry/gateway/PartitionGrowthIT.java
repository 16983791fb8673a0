package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Partitions added to a topic in use are picked up. Regression (issue 11): after {@code
 * createPartitions} from 3 to 5, {@code partition=4&ack=kafka} answered 400 "has 3 partitions" for
 * as long as the gateway ran, {@code ack=local} answered 202 and the record was dropped, and keyed
 * records kept hashing modulo 3, while {@code GET /topics/t} showed 5.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PartitionGrowthIT {
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        // a long metadata.max.age.ms: the growth must be found through the request, not the timer
        KafkaSettings s =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers", kafka.bootstrap(),
                                "linger.ms", 1,
                                "metadata.max.age.ms", 600_000));
        gateway =
                Gateway.start(
                        GatewayConfig.of(s, BrokerConfig.of("memory", Map.of("events", 4096)))
                                .withPort(0));
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.shutdown();
    }

    private static void grow(String topic, int to) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(to)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                kafka
                                                .admin()
                                                .describeTopics(java.util.List.of(topic))
                                                .allTopicNames()
                                                .get()
                                                .get(topic)
                                                .partitions()
                                                .stream()
                                                .allMatch(p -> p.leader() != null)
                                        && kafka.admin()
                                                        .describeTopics(java.util.List.of(topic))
                                                        .allTopicNames()
                                                        .get()
                                                        .get(topic)
                                                        .partitions()
                                                        .size()
                                                == to);
    }

    @Test
    void aNewPartition_isWritable_atEveryAckLevel_assoonAsKafkaHasIt() throws Exception {
        kafka.createTopic("grow", 3);
        assertThat(http.post("/topics/grow/messages?ack=kafka", "warm").status()).isEqualTo(200);
        grow("grow", 5);

        Http.Response kafkaAck =
                http.post("/topics/grow/messages?partition=4&ack=kafka", "p4 kafka");
        assertThat(kafkaAck.status()).as(kafkaAck.toString()).isEqualTo(200);
        assertThat(kafkaAck.json().getInteger("partition")).isEqualTo(4);

        Http.Response local = http.post("/topics/grow/messages?partition=3&ack=local", "p3 local");
        assertThat(local.status()).isEqualTo(202);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () ->
                                assertThat(kafka.readAll("grow", 5))
                                        .anySatisfy(
                                                r -> {
                                                    assertThat(r.partition()).isEqualTo(3);
                                                    assertThat(new String(r.value(), UTF_8))
                                                            .isEqualTo("p3 local");
                                                }));
        Http.Response topic = http.get("/topics/grow");
        assertThat(topic.json().getJsonArray("partitions")).hasSize(5);
    }

    @Test
    void keyedRecords_hashOverTheNewCount_likeKafkasProducer() throws Exception {
        kafka.createTopic("grow-keys", 3);
        assertThat(http.post("/topics/grow-keys/messages?ack=kafka", "warm").status())
                .isEqualTo(200);
        grow("grow-keys", 5);
        String key = null;
        for (int i = 0; key == null; i++) {
            String k = "k" + i;
            int five = Utils.toPositive(Utils.murmur2(k.getBytes(UTF_8))) % 5;
            if (five != Utils.toPositive(Utils.murmur2(k.getBytes(UTF_8))) % 3) {
                key = k;
            }
        }
        int expected = Utils.toPositive(Utils.murmur2(key.getBytes(UTF_8))) % 5;
        // the engine learns of the growth at its next refresh; a request for a new partition is one
        assertThat(http.post("/topics/grow-keys/messages?partition=4&ack=kafka", "nudge").status())
                .isEqualTo(200);
        Http.Response keyed = http.post("/topics/grow-keys/messages?ack=kafka&key=" + key, "keyed");
        assertThat(keyed.status()).as(keyed.toString()).isEqualTo(200);
        assertThat(keyed.json().getInteger("partition"))
                .as("murmur2(key) %% 5, not %% 3")
                .isEqualTo(expected);
    }
}
