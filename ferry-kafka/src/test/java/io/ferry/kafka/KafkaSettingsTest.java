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
        m.put("ssl.truststore.location", "/etc/ferry/trust.jks");
        KafkaSettings s = KafkaSettings.from(m);
        assertThat(s.lingerMs()).isEqualTo(20);
        assertThat(s.batchSizeBytes()).isEqualTo(65536);
        assertThat(s.compressionType()).isEqualTo("zstd");
        assertThat(s.acks()).isEqualTo((short) 1);
        assertThat(s.idempotence()).as("idempotence follows acks unless set").isFalse();
        assertThat(s.connectionSettings())
                .containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.location", "/etc/ferry/trust.jks")
                .containsEntry("bootstrap.servers", "localhost:9092")
                .doesNotContainKey("linger.ms");
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
