package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code gateway.grpc.*}: parsing, defaults and the errors naming the key. */
class GrpcSettingsTest {
    private static GatewayConfig parse(String gateway) {
        return GatewayConfig.parse(
                "gateway:\n"
                        + gateway.indent(2)
                        + "clusters:\n  default:\n    kafka:\n      bootstrap.servers: localhost:9092\n");
    }

    @Test
    void absent_takesTheDefaults_aPortOfItsOwn_19091_orAFreeOneBesideAFreeHttpPort() {
        GrpcSettings g = parse("port: 8080\n").grpc();
        assertThat(g).isEqualTo(GrpcSettings.DEFAULT);
        assertThat(g.port()).isEqualTo(GrpcSettings.AUTO);
        assertThat(g.ownPort()).isTrue();
        assertThat(g.ownPort(8080)).isEqualTo(19_091);
        assertThat(g.ownPort(0)).as("a free HTTP port: a free gRPC port").isZero();
        assertThat(g.maxMessageBytes()).isEqualTo(4 << 20);
        assertThat(parse("grpc: {port: 9443}\n").grpc().ownPort(0)).isEqualTo(9443);
    }

    @Test
    void port_sameOffZeroOrANumber() {
        assertThat(parse("grpc: {port: same}\n").grpc().port()).isEqualTo(GrpcSettings.SAME_PORT);
        assertThat(parse("grpc: {port: same}\n").grpc().ownPort()).isFalse();
        assertThat(parse("grpc: {port: off}\n").grpc().port()).isEqualTo(GrpcSettings.OFF);
        assertThat(parse("grpc: {port: false}\n").grpc().port()).isEqualTo(GrpcSettings.OFF);
        assertThat(parse("grpc: {port: 0}\n").grpc().port()).isZero();
        assertThat(parse("grpc: {port: 0}\n").grpc().ownPort()).isTrue();
        assertThat(parse("grpc: {port: 9443, max-message-bytes: 1024}\n").grpc())
                .isEqualTo(new GrpcSettings(9443, 1024));
    }

    @Test
    void badValues_failNamingTheKey() {
        assertThatThrownBy(() -> parse("grpc: {port: 70000}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.port is 70000");
        assertThatThrownBy(() -> parse("grpc: {port: sometimes}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.port is 'sometimes'")
                .hasMessageContaining("same");
        assertThatThrownBy(() -> parse("grpc: {max-message-bytes: 0}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.max-message-bytes is 0");
        assertThatThrownBy(() -> parse("grpc: {ports: 1}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("unknown setting 'gateway.grpc.ports'");
        assertThatThrownBy(() -> parse("grpc: 9090\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc must be a map");
    }

    @Test
    void aPortOfItsOwn_cannotBeTheHttpOrManagementPort() {
        assertThatThrownBy(() -> parse("port: 9000\ngrpc: {port: 9000}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.port is 9000")
                .hasMessageContaining("'same'");
        assertThatThrownBy(() -> parse("management-port: 9001\ngrpc: {port: 9001}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.port is 9001");
        assertThatThrownBy(() -> parse("port: 19091\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.grpc.port is 19091 (the default)");
        assertThat(parse("port: 19091\ngrpc: {port: same}\n").grpc().port())
                .isEqualTo(GrpcSettings.SAME_PORT);
    }
}
