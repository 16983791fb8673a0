package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway started from a YAML file with two named clusters (here both on one Kafka, each with its
 * own broker: memory and disk, chosen by name through the registry).
 */
@KafkaTest(combined = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MultiClusterIT {
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("multi", 1);
    }

    @Test
    void twoClustersFromYaml_eachServedUnderItsPrefix_theDefaultUnprefixed(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(
                file,
                """
                gateway:
                  port: 0
                  event-loops: 1
                  default-ack: kafka
                  default-cluster: durable
                clusters:
                  fast:
                    kafka:
                      bootstrap.servers: %s
                      linger.ms: 1
                    broker:
                      type: memory
                      events: 1024
                  durable:
                    kafka:
                      bootstrap.servers: %s
                    broker:
                      type: disk
                      path: %s
                """
                        .formatted(kafka.bootstrap(), kafka.bootstrap(), dir.resolve("spool")));
        Gateway g = Gateway.start(GatewayConfig.load(file));
        try {
            Http http = new Http(g.port());
            Http.Response viaDefault = http.post("/topics/multi/messages", "to durable");
            assertThat(viaDefault.status()).as(viaDefault.toString()).isEqualTo(200);
            Http.Response viaFast = http.post("/clusters/fast/topics/multi/messages", "to fast");
            assertThat(viaFast.status()).as(viaFast.toString()).isEqualTo(200);
            Http.Response viaDurable =
                    http.post("/clusters/durable/topics/multi/messages", "to durable again");
            assertThat(viaDurable.status()).as(viaDurable.toString()).isEqualTo(200);
            assertThat(
                            new String(
                                    kafka.recordAt("multi", 0, viaFast.json().getLong("offset"))
                                            .value(),
                                    UTF_8))
                    .isEqualTo("to fast");
            assertThat(Files.list(dir.resolve("spool"))).as("the disk broker's files").isNotEmpty();
            // ack=local on the disk broker answers once the broker stored the records durably
            Http.Response local =
                    http.post("/clusters/durable/topics/multi/messages?ack=local", "stored first");
            assertThat(local.status()).as(local.toString()).isEqualTo(202);
            Http.Response localBatch =
                    http.post(
                            "/clusters/durable/topics/multi/records?ack=local",
                            "{\"records\":[{\"value\":1},{\"value\":2}]}");
            assertThat(localBatch.status()).as(localBatch.toString()).isEqualTo(202);
            assertThat(http.post("/clusters/durable/topics/multi/messages?ack=none", "n").status())
                    .isEqualTo(202);

            Http.Response ready = http.get("/readyz");
            assertThat(ready.json().getJsonObject("clusters").fieldNames())
                    .containsExactlyInAnyOrder("fast", "durable");
            assertThat(
                            http.get("/clusters/fast/readyz")
                                    .json()
                                    .getJsonObject("clusters")
                                    .fieldNames())
                    .containsExactly("fast");
            assertThat(http.get("/metrics").body())
                    .contains(
                            "ferry_broker_buffered_events{cluster=\"fast\"}",
                            "ferry_broker_buffered_events{cluster=\"durable\"}");
        } finally {
            assertThat(g.shutdown()).isTrue();
        }
    }
}
