package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.security.AuthConfig;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.TlsConfig;
import io.ferry.kafka.KafkaSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
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

    private static GatewayConfig secured(TlsConfig tls, AuthConfig auth) {
        GatewayConfig c = config("0.0.0.0");
        return c.withSecurity(
                SecurityConfig.OFF.withApi(
                        ListenerSecurity.OFF.withTls(tls).withAuthentication(auth)));
    }

    private static final AuthConfig KEYS =
            new AuthConfig(
                    Set.of(AuthConfig.Method.API_KEY),
                    AuthConfig.ClientCert.DEFAULT,
                    null,
                    new AuthConfig.ApiKeys(Path.of("keys.txt"), 1000),
                    false);
    private static final TlsConfig TLS = TlsConfig.pem(Path.of("s.pem"), Path.of("s.key"));

    @Test
    void tlsAndAuthentication_warnOfNothing_eitherAloneSaysWhatIsMissing() {
        assertThat(Exposure.api(secured(TLS, KEYS), 8080, 19091)).isEmpty();
        assertThat(Exposure.api(secured(TLS, AuthConfig.OFF), 8080, GrpcSettings.OFF))
                .singleElement()
                .asString()
                .contains("without authentication: anyone who reaches it");
        assertThat(Exposure.api(secured(TlsConfig.OFF, KEYS), 8080, GrpcSettings.OFF))
                .singleElement()
                .asString()
                .contains("without TLS: credentials and records cross the network in clear text");
        TlsConfig mtls = TLS.withClientAuth(TlsConfig.ClientAuth.REQUIRED, Path.of("ca.pem"));
        assertThat(Exposure.api(secured(mtls, AuthConfig.OFF), 8080, GrpcSettings.OFF))
                .as("client certificates required: only their holders get in")
                .isEmpty();
    }
}
