package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthConfigTest {
    private static final String AT = "gateway.security.api.authentication";
    private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

    private static AuthConfig parse(String yaml) {
        try {
            JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            return AuthConfig.parse(n, AT);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void absent_isOff() {
        assertThat(AuthConfig.parse(null, AT)).isEqualTo(AuthConfig.OFF);
        assertThat(AuthConfig.OFF.enabled()).isFalse();
        assertThat(parse("methods: []").enabled()).isFalse();
    }

    @Test
    void everyMethod_withItsSettings() {
        AuthConfig c =
                parse(
                        """
                        methods: [client-cert, jwt, api-key]
                        client-cert: { principal: san-email }
                        jwt:
                          jwks-file: /etc/ferry/jwks.json
                          issuer: https://idp.example.com
                          audience: [ferry, ferry-admin]
                          principal-claim: email
                          groups-claim: roles
                          leeway-seconds: 5
                        api-keys: { file: /etc/ferry/keys.txt, reload-check-ms: 2000 }
                        protect-metrics: true
                        """);
        assertThat(c.methods())
                .containsExactlyInAnyOrder(
                        AuthConfig.Method.CLIENT_CERT,
                        AuthConfig.Method.JWT,
                        AuthConfig.Method.API_KEY);
        assertThat(c.clientCert().principal()).isEqualTo(AuthConfig.PrincipalFrom.SAN_EMAIL);
        assertThat(c.jwt().jwksFile()).isEqualTo(Path.of("/etc/ferry/jwks.json"));
        assertThat(c.jwt().secret()).isNull();
        assertThat(c.jwt().issuer()).isEqualTo("https://idp.example.com");
        assertThat(c.jwt().audience()).containsExactly("ferry", "ferry-admin");
        assertThat(c.jwt().principalClaim()).isEqualTo("email");
        assertThat(c.jwt().groupsClaim()).isEqualTo("roles");
        assertThat(c.jwt().leewaySeconds()).isEqualTo(5);
        assertThat(c.apiKeys().file()).isEqualTo(Path.of("/etc/ferry/keys.txt"));
        assertThat(c.apiKeys().reloadCheckMs()).isEqualTo(2000);
        assertThat(c.protectMetrics()).isTrue();
    }

    @Test
    void defaults() {
        AuthConfig c =
                parse(
                        """
                        methods: [jwt, api-key, client-cert]
                        jwt: { secret: "%s" }
                        api-keys: { file: keys.txt }
                        """
                                .formatted(SECRET));
        assertThat(c.clientCert()).isEqualTo(AuthConfig.ClientCert.DEFAULT);
        assertThat(c.jwt().principalClaim()).isEqualTo("sub");
        assertThat(c.jwt().groupsClaim()).isEqualTo("groups");
        assertThat(c.jwt().leewaySeconds()).isEqualTo(30);
        assertThat(c.jwt().cacheEntries()).isEqualTo(10_000);
        assertThat(c.jwt().issuer()).isNull();
        assertThat(c.jwt().audience()).isEmpty();
        assertThat(c.apiKeys().reloadCheckMs()).isEqualTo(10_000);
        assertThat(c.protectMetrics()).isFalse();
    }

    @Test
    void theSecret_neverAppearsInToStringOrErrors() {
        AuthConfig c = parse("methods: [jwt]\njwt: { secret: \"%s\" }".formatted(SECRET));
        assertThat(c.jwt().secret()).isEqualTo(SECRET);
        assertThat(c.toString()).doesNotContain(SECRET).contains("(hidden)");
        assertThatThrownBy(() -> parse("methods: [jwt]\njwt: { secret: short-secret-value }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AT + ".jwt.secret is 18 bytes")
                .hasMessageNotContaining("short-secret-value");
    }

    @Test
    void badValues_failNamingTheKey() {
        refused("methods: [password]", AT + ".methods has 'password'");
        refused("methods: [api-key, api-key]\napi-keys: {file: k}", "twice");
        refused("methods: [jwt]", AT + ".jwt is needed");
        refused("methods: [api-key]", AT + ".api-keys.file is needed");
        refused("methods: [api-key]\napi-keys: {}", AT + ".api-keys.file is needed");
        refused(
                "methods: [api-key]\napi-keys: {file: k, reload-check-ms: 5}",
                AT + ".api-keys.reload-check-ms is 5");
        refused("methods: [api-key]\napi-keys: {file: k}\njwt: {secret: x}", "does not list jwt");
        refused(
                "methods: [jwt]\njwt: {secret: \"%s\"}\napi-keys: {file: k}".formatted(SECRET),
                "does not list api-key");
        refused(
                "methods: [api-key]\napi-keys: {file: k}\nclient-cert: {principal: cn}",
                "does not list client-cert");
        refused("methods: [jwt]\njwt: {}", "exactly one of jwks-file");
        refused(
                "methods: [jwt]\njwt: {jwks-file: j.json, secret: \"%s\"}".formatted(SECRET),
                "exactly one of jwks-file");
        refused(
                "methods: [jwt]\njwt: {jwks-file: j.json, leeway-seconds: -1}",
                AT + ".jwt.leeway-seconds is -1");
        refused(
                "methods: [jwt]\njwt: {jwks-file: j.json, audiences: [x]}",
                "unknown setting '" + AT + ".jwt.audiences'");
        refused(
                "methods: [client-cert]\nclient-cert: {principal: ou}",
                AT + ".client-cert.principal is 'ou'");
        refused(
                "methods: [client-cert]\nprotect-metrics: maybe",
                AT + ".protect-metrics is 'maybe'");
        refused("protect-metrics: true", "no methods");
        refused("method: [jwt]", "unknown setting '" + AT + ".method'");
    }

    private static void refused(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void methodNames() {
        assertThat(List.of(AuthConfig.Method.values()))
                .extracting(AuthConfig.Method::wireName)
                .containsExactly("client-cert", "jwt", "api-key");
        assertThat(Set.of(AuthConfig.PrincipalFrom.values()))
                .extracting(AuthConfig.PrincipalFrom::wireName)
                .containsExactlyInAnyOrder("cn", "subject", "san-dns", "san-email", "san-uri");
    }
}
