package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backpressure and shutdown against a real Kafka. The engine lingers 60 s, so what the gateway
 * accepts stays in the broker (which frees space only once Kafka acknowledges) until the shutdown
 * flushes it: the broker fills deterministically, and the shutdown has real work to do.
 */
@KafkaTest(combined = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShutdownIT {
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
    }

    private static Gateway gateway(int brokerEvents, int maxConcurrent) {
        KafkaSettings settings =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                kafka.bootstrap(),
                                "linger.ms",
                                60_000,
                                "batch.size",
                                1_000_000));
        return Gateway.start(
                GatewayConfig.of(
                                settings, BrokerConfig.of("memory", Map.of("events", brokerEvents)))
                        .withPort(0)
                        .withLimits(1_048_576, maxConcurrent));
    }

    @Test
    void fullBroker_answers429WithRetryAfter_thenShutdownDeliversEverythingAccepted_andNothingElse()
            throws Exception {
        kafka.createTopic("full", 2);
        Gateway g = gateway(16, 1000);
        Http http = new Http(g.port());
        Set<String> accepted = new HashSet<>();
        Http.Response refused = null;
        for (int i = 0; i < 1000 && refused == null; i++) {
            Http.Response r = http.post("/topics/full/messages?ack=local&key=k" + (i % 5), "m" + i);
            if (r.status() == 202) {
                accepted.add("m" + i);
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("the broker filled up").isNotNull();
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.json().getJsonObject("error").getString("code"))
                .isEqualTo("broker_full");
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(16);

        // a batch that does not fit at all is refused whole with 429 as well
        Http.Response batch =
                http.post("/topics/full/records?ack=local", "{\"records\":[{\"value\":\"b\"}]}");
        assertThat(batch.status()).as(batch.toString()).isEqualTo(429);
        assertThat(batch.header("Retry-After")).isEqualTo("1");

        assertThat(g.shutdown()).as("everything accepted was delivered").isTrue();

        List<ConsumerRecord<byte[], byte[]>> log = kafka.readAll("full", 2);
        List<String> values = new ArrayList<>();
        log.forEach(r -> values.add(new String(r.value(), UTF_8)));
        assertThat(values)
                .as("every accepted record exactly once, nothing refused")
                .containsExactlyInAnyOrderElementsOf(accepted);
    }

    @Test
    void whileShuttingDown_newRequestsGet503_requestsInProgressFinish_andTheConcurrencyLimitHolds()
            throws Exception {
        kafka.createTopic("draining", 1);
        Gateway g = gateway(1024, 1);
        Http http = new Http(g.port());
        // waits for Kafka, which the 60 s linger holds back: this request stays in progress
        CompletableFuture<Http.Response> waiting =
                http.postAsync("/topics/draining/messages?ack=kafka", "in flight");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> g.requestsInProgress() == 1);

        Http.Response over = http.post("/topics/draining/messages?ack=none", "one too many");
        assertThat(over.status()).as(over.toString()).isEqualTo(429);
        assertThat(over.json().getJsonObject("error").getString("code"))
                .isEqualTo("too_many_requests");
        assertThat(over.header("Retry-After")).isEqualTo("1");
        assertThat(http.get("/healthz").status())
                .as("health and metrics are not limited")
                .isEqualTo(200);

        g.beginShutdown();
        Http.Response late = http.post("/topics/draining/messages?ack=local", "too late");
        assertThat(late.status()).as(late.toString()).isEqualTo(503);
        assertThat(late.json().getJsonObject("error").getString("code")).isEqualTo("shutting_down");
        assertThat(http.get("/readyz").status()).isEqualTo(503);
        assertThat(http.get("/healthz").status()).isEqualTo(200);

        // the shutdown flushes (ignoring linger): the request in progress gets its offset
        Http.Response done = waiting.get(30, TimeUnit.SECONDS);
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().getLong("offset")).isZero();
        assertThat(g.shutdown()).isTrue();

        List<ConsumerRecord<byte[], byte[]>> log = kafka.readAll("draining", 1);
        assertThat(log).hasSize(1);
        assertThat(new String(log.get(0).value(), UTF_8)).isEqualTo("in flight");
    }
}
