package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 15: {@link Exposure}, the start's warnings about listeners open to other machines. */
class ExposureTest {
    private static GatewayConfig config(String host) {
        return GatewayConfig.of(
                        KafkaSettings.from(Map.of("bootstrap.servers", "localhost:9092")),
                        BrokerConfig.of("memory", Map.of("events", 1024)))
                .withHost(host);
    }

    @Test
    void loopback_warnsOfNothing() {
        assertThat(Exposure.api(config("127.0.0.1"), 8080, 19091)).isEmpty();
        assertThat(Exposure.api(config("localhost"), 8080, 19091)).isEmpty();
        assertThat(Exposure.api(config("::1"), 8080, GrpcSettings.OFF)).isEmpty();
    }

    @Test
    void everyInterface_withoutTlsOrAuthentication_warnsForTheHttpAndTheGrpcPort() {
        assertThat(Exposure.api(config("0.0.0.0"), 8080, 19091))
                .satisfiesExactly(
                        http ->
                                assertThat(http)
                                        .startsWith("the HTTP port on 0.0.0.0:8080 is reachable")
                                        .contains("without TLS or authentication")
                                        .contains("gateway.host 127.0.0.1")
                                        .contains("gateway.security.api.tls"),
                        grpc -> assertThat(grpc).startsWith("the gRPC port on 0.0.0.0:19091"));
    }

    @Test
    void grpcOnTheHttpPort_isOneWarning_andNoGrpc_none() {
        assertThat(Exposure.api(config("0.0.0.0"), 8080, 8080))
                .singleElement()
                .asString()
                .startsWith("the HTTP port (and gRPC) on 0.0.0.0:8080");
        assertThat(Exposure.api(config("10.1.2.3"), 8080, GrpcSettings.OFF))
                .singleElement()
                .asString()
                .startsWith("the HTTP port on 10.1.2.3:8080");
    }
}
