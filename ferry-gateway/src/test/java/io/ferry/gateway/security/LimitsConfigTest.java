package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code rate-limits} and {@code cors}, read through the gateway's own parser. */
class LimitsConfigTest {
    private static ListenerSecurity api(String section) {
        String yaml =
                """
                gateway:
                  security:
                    api:
                """
                        + section.indent(6)
                        + """
                clusters:
                  default:
                    kafka:
                      bootstrap.servers: localhost:9092
                """;
        return GatewayConfig.parse(yaml).security().api();
    }

    @Test
    void absent_isOff() {
        assertThat(RateLimitConfig.OFF.on()).isFalse();
        assertThat(CorsConfig.OFF.on()).isFalse();
        ListenerSecurity s = api("tls: null");
        assertThat(s.rateLimits()).isEqualTo(RateLimitConfig.OFF);
        assertThat(s.cors()).isEqualTo(CorsConfig.OFF);
    }

    @Test
    void rateLimits_readsEverySetting() {
        RateLimitConfig r =
                api("""
                        rate-limits:
                          requests-per-second: 100
                          bytes-per-second: 1048576
                          burst-seconds: 5
                          anonymous: unlimited
                        """)
                        .rateLimits();
        assertThat(r)
                .isEqualTo(
                        new RateLimitConfig(
                                100, 1_048_576, 5, RateLimitConfig.Anonymous.UNLIMITED));
        assertThat(r.on()).isTrue();
    }

    @Test
    void rateLimits_defaults() {
        RateLimitConfig r = api("rate-limits: { requests-per-second: 10 }").rateLimits();
        assertThat(r.bytesPerSecond()).isZero();
        assertThat(r.burstSeconds()).isEqualTo(1);
        assertThat(r.anonymous()).isEqualTo(RateLimitConfig.Anonymous.PER_ADDRESS);
    }

    @Test
    void rateLimits_badValues_nameTheKey() {
        assertThatThrownBy(() -> api("rate-limits: { requests-per-second: -1 }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.security.api.rate-limits.requests-per-second is -1");
        assertThatThrownBy(() -> api("rate-limits: { bytes-per-second: lots }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.rate-limits.bytes-per-second is 'lots'");
        assertThatThrownBy(() -> api("rate-limits: { burst-seconds: 0 }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.rate-limits.burst-seconds is 0; expected 1..3600");
        assertThatThrownBy(() -> api("rate-limits: { anonymous: ip }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.rate-limits.anonymous is 'ip'; expected per-address or unlimited");
        assertThatThrownBy(() -> api("rate-limits: { requests: 10 }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "unknown setting 'gateway.security.api.rate-limits.requests'");
    }

    @Test
    void cors_readsEverySetting_inOneCase() {
        CorsConfig c =
                api("""
                        cors:
                          allowed-origins: [https://App.Example.com, "http://localhost:3000"]
                          allowed-methods: [get, POST]
                          allowed-headers: [Authorization, X-Trace]
                          exposed-headers: [Retry-After, X-Request-Id]
                          max-age-seconds: 60
                          allow-credentials: true
                        """)
                        .cors();
        assertThat(c.allowedOrigins())
                .containsExactly("https://app.example.com", "http://localhost:3000");
        assertThat(c.allowedMethods()).containsExactly("GET", "POST");
        assertThat(c.allowedHeaders()).containsExactly("authorization", "x-trace");
        assertThat(c.exposedHeaders()).containsExactly("retry-after", "x-request-id");
        assertThat(c.maxAgeSeconds()).isEqualTo(60);
        assertThat(c.allowCredentials()).isTrue();
        assertThat(c.on()).isTrue();
    }

    @Test
    void cors_defaults() {
        CorsConfig c = api("cors: { allowed-origins: https://app.example.com }").cors();
        assertThat(c.allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(c.allowedMethods()).containsExactly("GET", "POST", "OPTIONS");
        assertThat(c.allowedHeaders())
                .containsExactly("authorization", "content-type", "x-api-key");
        assertThat(c.exposedHeaders()).containsExactly("retry-after");
        assertThat(c.maxAgeSeconds()).isEqualTo(600);
        assertThat(c.allowCredentials()).isFalse();
    }

    @Test
    void cors_emptyOrigins_isOff() {
        assertThat(api("cors: { allowed-origins: [] }").cors().on()).isFalse();
    }

    @Test
    void cors_starAlone_isAnyOrigin_butNotWithCredentials() {
        assertThat(api("cors: { allowed-origins: [\"*\"] }").cors().allowedOrigins())
                .containsExactly("*");
        assertThatThrownBy(() -> api("cors: { allowed-origins: [\"*\"], allow-credentials: true }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.cors.allowed-origins is \"*\" with allow-credentials: true");
        assertThatThrownBy(() -> api("cors: { allowed-origins: [\"*\", https://app.example.com] }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("has \"*\" and other origins");
        assertThatThrownBy(
                        () ->
                                new CorsConfig(
                                        List.of("*"), List.of(), List.of(), List.of(), 0, true))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void cors_notAnOrigin_isRefusedNamingTheKey() {
        for (String bad :
                List.of(
                        "app.example.com",
                        "https://app.example.com/",
                        "https://app.example.com/path",
                        "https://*.example.com",
                        "null",
                        "https://user@app.example.com")) {
            assertThatThrownBy(() -> api("cors: { allowed-origins: [\"" + bad + "\"] }"))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(
                            "gateway.security.api.cors.allowed-origins has '" + bad + "'");
        }
    }

    @Test
    void cors_badTokens_andMaxAge_nameTheKey() {
        assertThatThrownBy(() -> api("cors: { allowed-headers: [\"*\"] }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.security.api.cors.allowed-headers has '*'");
        assertThatThrownBy(() -> api("cors: { allowed-methods: [\"GET POST\"] }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.security.api.cors.allowed-methods has 'GET POST'");
        assertThatThrownBy(() -> api("cors: { max-age-seconds: 100000 }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.cors.max-age-seconds is 100000; expected 0..86400");
        assertThatThrownBy(() -> api("cors: { origins: [] }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting 'gateway.security.api.cors.origins'");
    }
}
