package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
    private static Map<String, Object> with(String key, Object value) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9092");
        m.put(key, value);
        return m;
    }

    @Test
    void defaults_areKafkasProducerDefaults_withIdempotence() {
        KafkaSettings s = KafkaSettings.from(Map.of("bootstrap.servers", "localhost:9092"));
        assertThat(s.lingerMs()).isEqualTo(5);
        assertThat(s.batchSizeBytes()).isEqualTo(16_384);
        assertThat(s.maxRequestSizeBytes()).isEqualTo(1_048_576);
        assertThat(s.acks()).isEqualTo((short) -1);
        assertThat(s.idempotence()).isTrue();
        assertThat(s.deliveryTimeoutMs()).isEqualTo(120_000);
        assertThat(s.compressionType()).isEqualTo("none");
    }

    @Test
    void kafkasNames_areRead_andOtherClientSettingsPassThrough() {
        Map<String, Object> m = with("linger.ms", "20");
        m.put("batch.size", 65536);
        m.put("compression.type", "zstd");
        m.put("acks", "1");
        m.put("security.protocol", "SSL");
        m.put("ssl.endpoint.identification.algorithm", "https");
        KafkaSettings s = KafkaSettings.from(m);
        assertThat(s.lingerMs()).isEqualTo(20);
        assertThat(s.batchSizeBytes()).isEqualTo(65536);
        assertThat(s.compressionType()).isEqualTo("zstd");
        assertThat(s.acks()).isEqualTo((short) 1);
        assertThat(s.idempotence()).as("idempotence follows acks unless set").isFalse();
        assertThat(s.connectionSettings())
                .containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.endpoint.identification.algorithm", "https")
                .containsEntry("bootstrap.servers", "localhost:9092")
                .doesNotContainKey("linger.ms");
    }

    @Test
    void clientId_isHonoured_andDefaultsToAFerryName() {
        assertThat(KafkaSettings.from(with("client.id", "billing-gw")).clientId())
                .isEqualTo("billing-gw");
        assertThat(KafkaSettings.from(Map.of("bootstrap.servers", "h:1")).clientId())
                .startsWith("ferry-");
        assertThat(KafkaSettings.from(with("client.id", "billing-gw")).connectionSettings())
                .as("not passed through: every connection presents it")
                .doesNotContainKey("client.id");
    }

    @Test
    void metadataSettings_haveKafkasDefaults_andAutoCreationIsOff() {
        KafkaSettings s = KafkaSettings.from(Map.of("bootstrap.servers", "h:1"));
        assertThat(s.metadataMaxAgeMs()).isEqualTo(300_000);
        assertThat(s.metadataMaxIdleMs()).isEqualTo(300_000);
        assertThat(s.allowAutoTopicCreation()).as("a typo must not create a topic").isFalse();
        assertThat(
                        KafkaSettings.from(with("allow.auto.create.topics", "true"))
                                .allowAutoTopicCreation())
                .isTrue();
        assertThatThrownBy(() -> KafkaSettings.from(with("metadata.max.idle.ms", 10)))
                .hasMessageContaining("metadata.max.idle.ms");
    }

    @Test
    void aMissingTruststore_failsWhenRead_namingTheSetting(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Map<String, Object> m = with("security.protocol", "SSL");
        m.put("ssl.truststore.location", dir.resolve("absent.p12").toString());
        assertThatThrownBy(() -> KafkaSettings.from(m))
                .hasMessageContaining("ssl.truststore.location")
                .hasMessageContaining("does not exist");
    }

    @Test
    void aTruststoreWithTheWrongPassword_failsWhenRead_withoutShowingThePassword(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path store = dir.resolve("trust.p12");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var out = java.nio.file.Files.newOutputStream(store)) {
            ks.store(out, "right-secret".toCharArray());
        }
        Map<String, Object> m = with("security.protocol", "SSL");
        m.put("ssl.truststore.location", store.toString());
        m.put("ssl.truststore.type", "PKCS12");
        m.put("ssl.truststore.password", "wrong-secret");
        assertThatThrownBy(() -> KafkaSettings.from(m))
                .hasMessageContaining("ssl.truststore.location")
                .hasMessageContaining("ssl.truststore.password does not open it")
                .hasMessageNotContaining("wrong-secret");
        m.put("ssl.truststore.password", "right-secret");
        assertThat(KafkaSettings.from(m).passThrough()).containsKey("ssl.truststore.location");
        m.put("ssl.truststore.type", "PEM");
        assertThatThrownBy(() -> KafkaSettings.from(m)).hasMessageContaining("is not a PEM file");
    }

    @Test
    void badValues_failNamingTheSetting() {
        assertThatThrownBy(() -> KafkaSettings.from(Map.of()))
                .hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> KafkaSettings.from(with("linger.ms", "soon")))
                .hasMessageContaining("linger.ms")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> KafkaSettings.from(with("linger.ms", -1)))
                .hasMessageContaining("linger.ms")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> KafkaSettings.from(with("batch.size", 0)))
                .hasMessageContaining("batch.size");
        assertThatThrownBy(() -> KafkaSettings.from(with("acks", "2")))
                .hasMessageContaining("acks")
                .hasMessageContaining("'2'");
        assertThatThrownBy(() -> KafkaSettings.from(with("compression.type", "brotli")))
                .hasMessageContaining("brotli");
        assertThatThrownBy(() -> KafkaSettings.from(with("enable.idempotence", "yes")))
                .hasMessageContaining("enable.idempotence");
        assertThatThrownBy(
                        () -> KafkaSettings.from(with("max.in.flight.requests.per.connection", 6)))
                .hasMessageContaining("max.in.flight.requests.per.connection");
        Map<String, Object> conflict = with("acks", "1");
        conflict.put("enable.idempotence", "true");
        assertThatThrownBy(() -> KafkaSettings.from(conflict))
                .hasMessageContaining("enable.idempotence")
                .hasMessageContaining("acks=all");
    }
}
