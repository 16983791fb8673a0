package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.ChildKafka;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Kafka that freezes (SIGSTOP: its connections stay open, nothing answers) under a running
 * gateway. Regression (issue 11): with the topic's cached partition count expired, every POST,
 * ack=none included, took 5.0 s (the topic check asked Kafka with a 5 s timeout). Now the checks
 * answer from the engine's cache, readiness says Kafka does not answer within seconds, and what was
 * accepted is delivered once Kafka thaws.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrozenKafkaIT {
    @Test
    void aFrozenKafka_stallsNoAckNoneOrLocalAnswer_andReadinessSaysWhy() throws Exception {
        try (ChildKafka kafka = ChildKafka.start()) {
            kafka.createTopic("frozen", 2);
            KafkaSettings s =
                    KafkaSettings.from(
                            Map.of(
                                    "bootstrap.servers", kafka.bootstrap(),
                                    "linger.ms", 1,
                                    "request.timeout.ms", 60_000));
            Gateway g =
                    Gateway.start(
                            GatewayConfig.of(s, BrokerConfig.of("memory", Map.of("events", 4096)))
                                    .withPort(0));
            try {
                Http http = new Http(g.port());
                assertThat(http.post("/topics/frozen/messages?ack=kafka", "warm").status())
                        .isEqualTo(200);
                assertThat(http.get("/topics").status())
                        .isEqualTo(200); // a listing to fall back on

                kafka.freeze();
                for (String ack : new String[] {"none", "local", "none", "local"}) {
                    long start = System.nanoTime();
                    Http.Response r =
                            http.post("/topics/frozen/messages?ack=" + ack, "while frozen " + ack);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(r.status()).as(r.toString()).isEqualTo(202);
                    assertThat(took)
                            .as("ack=%s answered from the cache", ack)
                            .isLessThan(Duration.ofSeconds(1));
                }
                Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .untilAsserted(
                                () -> {
                                    Http.Response ready = http.get("/readyz");
                                    assertThat(ready.status()).isEqualTo(503);
                                    assertThat(ready.body()).contains("has not answered");
                                });
                long start = System.nanoTime();
                Http.Response listing = http.get("/topics");
                assertThat(listing.status()).isEqualTo(200);
                assertThat(listing.json().getBoolean("stale")).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .isLessThan(Duration.ofSeconds(4));
                start = System.nanoTime();
                Http.Response unknown = http.post("/topics/never-seen/messages?ack=kafka", "x");
                assertThat(unknown.status()).as(unknown.toString()).isEqualTo(503);
                assertThat(unknown.json().getJsonObject("error").getString("code"))
                        .isEqualTo("cannot_verify");
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("Kafka is known not to answer: no wait")
                        .isLessThan(Duration.ofSeconds(1));

                kafka.thaw();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(
                                () ->
                                        g.bufferedEvents() == 0
                                                && http.get("/readyz").status() == 200);
            } finally {
                g.shutdown();
            }
        }
    }
}
