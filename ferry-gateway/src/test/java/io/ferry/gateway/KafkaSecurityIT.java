package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.TlsMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway against a Kafka with SASL_PLAINTEXT (PLAIN) and SSL listeners and an authorizer, one
 * cluster of the gateway per way of connecting. Right settings produce; wrong credentials, an
 * untrusted certificate and a user Kafka does not authorize fail fast with Kafka's reason at
 * ack=kafka, while ack=local still queues (the records stay in the broker until an operator fixes
 * the cause), and /readyz says why.
 *
 * <p>Regressions (issue 11): an authentication or TLS failure looked like a disconnect retried
 * forever, and a non-retriable InitProducerId answer ended, 120 s later, as a misleading "cannot
 * get an idempotent producer id within delivery.timeout.ms".
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KafkaSecurityIT {
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        kafka =
                InProcessKafka.builder()
                        .brokers(1)
                        .combined(true)
                        .saslPlain(Map.of("alice", "alice-secret", "bob", "bob-secret"))
                        .ssl()
                        // an authorizer: alice and the PLAINTEXT/SSL clients are super users, bob
                        // has no ACL at all (so Kafka refuses him an idempotent producer id)
                        .config(
                                "authorizer.class.name",
                                "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                        .config("super.users", "User:ANONYMOUS;User:alice")
                        .start();
        kafka.createTopic("secure", 1);
        TlsMaterial stranger = TlsMaterial.generate(dir.resolve("stranger"));
        Map<String, Object> clusters = new LinkedHashMap<>();
        clusters.put("sasl-right", cluster(kafka.saslPlainClientSettings("alice", "alice-secret")));
        clusters.put(
                "sasl-wrong", cluster(kafka.saslPlainClientSettings("alice", "not-her-password")));
        clusters.put("sasl-bob", cluster(kafka.saslPlainClientSettings("bob", "bob-secret")));
        clusters.put("ssl-right", cluster(kafka.sslClientSettings()));
        Map<String, Object> untrusted = new LinkedHashMap<>(kafka.sslClientSettings());
        untrusted.putAll(stranger.clientTruststoreSettings());
        clusters.put("ssl-untrusted", cluster(untrusted));
        Map<String, Object> config =
                Map.of(
                        "gateway",
                        Map.of(
                                "port",
                                0,
                                "event-loops",
                                1,
                                "default-cluster",
                                "sasl-right",
                                // the refused clusters' events never drain: do not wait 30 s
                                "shutdown-timeout-ms",
                                2_000),
                        "clusters",
                        clusters);
        gateway = Gateway.start(GatewayConfig.parse(new ObjectMapper().writeValueAsString(config)));
        http = new Http(gateway.port());
    }

    private static Map<String, Object> cluster(Map<String, Object> client) {
        Map<String, Object> k = new LinkedHashMap<>(client);
        k.put("request.timeout.ms", 5_000);
        k.put("retry.backoff.ms", 50);
        return Map.of("kafka", k, "broker", Map.of("type", "memory", "events", 1024));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.shutdown();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Http.Response post(String cluster, String ack, String value) {
        return http.post("/clusters/" + cluster + "/topics/secure/messages?ack=" + ack, value);
    }

    /** The cluster's /readyz entry, once it is not connecting any more. */
    private static io.vertx.core.json.JsonObject settledReadiness(String cluster) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                !"connecting"
                                        .equals(
                                                http.get("/clusters/" + cluster + "/readyz")
                                                        .json()
                                                        .getJsonObject("clusters")
                                                        .getJsonObject(cluster)
                                                        .getString("state")));
        return http.get("/clusters/" + cluster + "/readyz")
                .json()
                .getJsonObject("clusters")
                .getJsonObject(cluster);
    }

    @Test
    void saslWithTheRightCredentials_produces() {
        assertThat(settledReadiness("sasl-right").getString("state")).isEqualTo("ready");
        Http.Response r = post("sasl-right", "kafka", "over sasl");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(
                        new String(
                                kafka.recordAt("secure", 0, r.json().getLong("offset")).value(),
                                UTF_8))
                .isEqualTo("over sasl");
        assertThat(kafka.bootstrap(SecurityProtocol.SASL_PLAINTEXT)).isNotBlank();
    }

    @Test
    void sslWithTheClusterCa_produces() {
        assertThat(settledReadiness("ssl-right").getString("state")).isEqualTo("ready");
        Http.Response r = post("ssl-right", "kafka", "over tls");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void aWrongPassword_failsFast_withKafkasReason_atEveryAckLevel() {
        io.vertx.core.json.JsonObject ready = settledReadiness("sasl-wrong");
        assertThat(ready.getString("state")).isEqualTo("refused");
        assertThat(ready.getString("reason")).containsIgnoringCase("authentication failed");
        long start = System.nanoTime();
        Http.Response kafkaAck = post("sasl-wrong", "kafka", "never");
        assertThat(kafkaAck.status()).as(kafkaAck.toString()).isEqualTo(503);
        assertThat(kafkaAck.json().getJsonObject("error").getString("code"))
                .isEqualTo("kafka_refused");
        assertThat(kafkaAck.body()).containsIgnoringCase("authentication failed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        Http.Response local = post("sasl-wrong", "local", "kept");
        assertThat(local.status()).as("queued for when the credentials are fixed").isEqualTo(202);
        assertThat(http.get("/clusters/sasl-wrong/readyz").status()).isEqualTo(503);
    }

    @Test
    void anUntrustedCertificate_failsFast_withTheTlsReason() {
        io.vertx.core.json.JsonObject ready = settledReadiness("ssl-untrusted");
        assertThat(ready.getString("state")).isEqualTo("refused");
        assertThat(ready.getString("reason")).containsIgnoringCase("ssl");
        Http.Response kafkaAck = post("ssl-untrusted", "kafka", "never");
        assertThat(kafkaAck.status()).as(kafkaAck.toString()).isEqualTo(503);
        assertThat(kafkaAck.body()).containsIgnoringCase("ssl").doesNotContain("Exception:");
        assertThat(post("ssl-untrusted", "none", "kept").status()).isEqualTo(202);
    }

    @Test
    void aUserKafkaDoesNotAuthorize_getsNoProducerId_andAnswersSayWhy_withinSeconds() {
        io.vertx.core.json.JsonObject ready = settledReadiness("sasl-bob");
        assertThat(ready.getString("state")).isEqualTo("refused");
        assertThat(ready.getString("reason")).contains("CLUSTER_AUTHORIZATION_FAILED");
        Http.Response kafkaAck = post("sasl-bob", "kafka", "never");
        assertThat(kafkaAck.status()).as(kafkaAck.toString()).isEqualTo(503);
        assertThat(kafkaAck.body()).contains("CLUSTER_AUTHORIZATION_FAILED");
        Http.Response local = post("sasl-bob", "local", "kept");
        assertThat(local.status()).isEqualTo(202);
        assertThat(gateway.bufferedEvents()).as("accepted records stay in the broker").isPositive();
    }
}
