package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code gateway.kafka-pixy.*}: read strictly, as every other setting. */
class KafkaPixyConfigTest {
    private static final String CLUSTERS =
            """
            clusters:
              default:
                kafka:
                  bootstrap.servers: localhost:9092
            """;

    @Test
    void absent_isOff_onLoopbackAndKafkaPixysPortOnceEnabled() {
        KafkaPixyConfig k = GatewayConfig.parse(CLUSTERS).kafkaPixy();
        assertThat(k).isEqualTo(KafkaPixyConfig.OFF);
        assertThat(k.enabled()).isFalse();
        assertThat(k.host()).isEqualTo("127.0.0.1");
        assertThat(k.port()).isEqualTo(19092);
        assertThat(
                        GatewayConfig.parse("gateway:\n  kafka-pixy: {enabled: true}\n" + CLUSTERS)
                                .kafkaPixy())
                .isEqualTo(new KafkaPixyConfig(true, "127.0.0.1", 19092));
    }

    @Test
    void everySetting_isRead() {
        GatewayConfig c =
                GatewayConfig.parse(
                        "gateway:\n  kafka-pixy:\n    enabled: 'true'\n    host: 0.0.0.0\n"
                                + "    port: 19999\n"
                                + CLUSTERS);
        assertThat(c.kafkaPixy()).isEqualTo(new KafkaPixyConfig(true, "0.0.0.0", 19999));
        // the other with* keep it
        assertThat(c.withPort(0).withHost("::1").kafkaPixy()).isEqualTo(c.kafkaPixy());
    }

    @Test
    void unknownKeysAndBadValues_failNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  kafka-pixy: {enabled: true, prot: 1}\n"
                                                + CLUSTERS))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessage(
                        "unknown setting 'gateway.kafka-pixy.prot'; known: [enabled, host, port]");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  kafka-pixy: {port: 70000}\n" + CLUSTERS))
                .hasMessage(
                        "gateway.kafka-pixy.port is '70000'; expected a port 0..65535 (0 picks a"
                                + " free one)");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  kafka-pixy: {enabled: maybe}\n" + CLUSTERS))
                .hasMessage("gateway.kafka-pixy.enabled is 'maybe'; expected true or false");
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  kafka-pixy: 19092\n" + CLUSTERS))
                .hasMessageContaining("gateway.kafka-pixy must be a map of settings");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  kafka-pixy: {host: ''}\n" + CLUSTERS))
                .hasMessageContaining("gateway.kafka-pixy.host is empty");
    }

    @Test
    void portOfTheMainOrManagementPort_isRefused_onlyWhenEnabled() {
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  port: 19092\n  kafka-pixy: {enabled: true}\n"
                                                + CLUSTERS))
                .hasMessage(
                        "gateway.kafka-pixy.port is 19092, the same as gateway.port; the"
                                + " kafka-pixy listener needs a port of its own");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  management-port: 9000\n"
                                                + "  kafka-pixy: {enabled: true, port: 9000}\n"
                                                + CLUSTERS))
                .hasMessageContaining("the same as gateway.management-port");
        assertThat(
                        GatewayConfig.parse(
                                        "gateway:\n  port: 19092\n  kafka-pixy: {enabled: false}\n"
                                                + CLUSTERS)
                                .kafkaPixy()
                                .enabled())
                .isFalse();
    }

    @Test
    void exposureWarning_onlyBeyondLoopback() {
        assertThat(KafkaPixyConfig.on("127.0.0.1", 1).exposureWarning(1)).isNull();
        assertThat(KafkaPixyConfig.on("localhost", 1).exposureWarning(1)).isNull();
        assertThat(KafkaPixyConfig.on("::1", 1).exposureWarning(1)).isNull();
        assertThat(new KafkaPixyConfig(false, "0.0.0.0", 1).exposureWarning(1)).isNull();
        assertThat(KafkaPixyConfig.on("0.0.0.0", 0).exposureWarning(19093))
                .contains("0.0.0.0:19093")
                .contains("without TLS")
                .contains("gateway.kafka-pixy.host 127.0.0.1");
    }
}
