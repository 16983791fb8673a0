package io.ferry.testkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder's SASL_PLAINTEXT (PLAIN) and SSL listeners, proven with a plain {@code
 * KafkaProducer}: the right credentials and the cluster's CA produce, a wrong password fails with
 * an authentication error, a truststore of another CA fails the TLS handshake.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SecureListenersIT {
    private static final String TOPIC = "secure";
    private static InProcessKafka kafka;

    @BeforeAll
    static void start() {
        kafka =
                InProcessKafka.builder()
                        .saslPlain(Map.of("alice", "secret", "bob", "pa\"ss\\word"))
                        .ssl()
                        .start();
        kafka.createTopic(TOPIC, 1);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static RecordMetadata produce(Map<String, Object> settings) throws Exception {
        Map<String, Object> p = new HashMap<>(settings);
        p.put("max.block.ms", "15000");
        p.put("delivery.timeout.ms", "15000");
        p.put("request.timeout.ms", "10000");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void saslPlain_rightCredentials_produce() throws Exception {
        assertThat(produce(kafka.saslPlainClientSettings("alice", "secret")).offset())
                .isGreaterThanOrEqualTo(0);
        assertThat(produce(kafka.saslPlainClientSettings("bob", "pa\"ss\\word")).offset())
                .as("a password with a quote and a backslash")
                .isGreaterThanOrEqualTo(0);
    }

    @Test
    void saslPlain_wrongPassword_failsWithAnAuthenticationError() {
        assertThatThrownBy(() -> produce(kafka.saslPlainClientSettings("alice", "wrong")))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        assertThatThrownBy(() -> produce(kafka.saslPlainClientSettings("mallory", "secret")))
                .as("an unknown user")
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void ssl_clusterCa_produces() throws Exception {
        Map<String, Object> s = kafka.sslClientSettings();
        assertThat(s)
                .containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.location", kafka.tls().truststore().toString())
                .containsEntry("bootstrap.servers", kafka.bootstrap(SecurityProtocol.SSL));
        assertThat(produce(s).offset()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void ssl_untrustedCa_failsTheHandshake(@TempDir Path dir) throws Exception {
        TlsMaterial other = TlsMaterial.generate(dir);
        assertThat(Files.size(other.truststore())).isPositive();
        Map<String, Object> s = new HashMap<>(kafka.sslClientSettings());
        s.putAll(other.clientTruststoreSettings());
        assertThatThrownBy(() -> produce(s))
                .hasCauseInstanceOf(SslAuthenticationException.class)
                .rootCause()
                .hasMessageContaining("unable to find valid certification path");
    }

    @Test
    void plaintext_staysOpen_onTheSameCluster() throws Exception {
        assertThat(produce(kafka.clientSettings()).offset()).isGreaterThanOrEqualTo(0);
        assertThat(kafka.bootstrap(SecurityProtocol.SASL_PLAINTEXT))
                .isNotEqualTo(kafka.bootstrap(SecurityProtocol.SSL))
                .isNotEqualTo(kafka.bootstrap());
    }
}
