package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.GatewayConfig.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which credential decides, and what a refusal says (no TLS here: no certificate). */
class AuthenticatorTest {
    private static final String AT = "gateway.security.api.authentication";
    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes!";
    private static final String KEY = ApiKeyFile.newKey(new SecureRandom());
    private static Vertx vertx;

    @TempDir Path dir;

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() {
        vertx.close();
    }

    private Authenticator of(Set<AuthConfig.Method> methods) throws IOException {
        return of(methods, System::currentTimeMillis);
    }

    private Authenticator of(Set<AuthConfig.Method> methods, java.util.function.LongSupplier clock)
            throws IOException {
        Path keys = dir.resolve("keys.txt");
        Files.write(keys, List.of(ApiKeyFile.line("key-owner", KEY, List.of("g"))));
        AuthConfig c =
                new AuthConfig(
                        methods,
                        AuthConfig.ClientCert.DEFAULT,
                        methods.contains(AuthConfig.Method.JWT)
                                ? new AuthConfig.Jwt(
                                        null, SECRET, null, List.of(), "sub", "groups", 0, 100)
                                : null,
                        methods.contains(AuthConfig.Method.API_KEY)
                                ? new AuthConfig.ApiKeys(keys, 1000)
                                : null,
                        false);
        return Authenticator.of(c, AT, vertx, clock);
    }

    private static Verdict auth(Authenticator a, String authorization, String apiKey) {
        return a.authenticate(
                authorization,
                apiKey,
                null,
                v -> {
                    throw new AssertionError("answered at once");
                });
    }

    private static String jwt(String sub) {
        return TestJwts.hs256(
                SECRET,
                new JsonObject()
                        .put("sub", sub)
                        .put("exp", System.currentTimeMillis() / 1000 + 600));
    }

    @Test
    void aBearerTokenWithTwoDots_isAJwt_anythingElseAnApiKey() throws IOException {
        Authenticator a = of(EnumSet.of(AuthConfig.Method.JWT, AuthConfig.Method.API_KEY));
        Verdict j = auth(a, "Bearer " + jwt("alice"), null);
        assertThat(j.method()).isEqualTo(AuthConfig.Method.JWT);
        assertThat(j.principal().name()).isEqualTo("alice");
        Verdict k = auth(a, "bearer   " + KEY + " ", null);
        assertThat(k.method()).isEqualTo(AuthConfig.Method.API_KEY);
        assertThat(k.principal().name()).isEqualTo("key-owner");
        assertThat(auth(a, null, KEY).principal().name()).isEqualTo("key-owner");
        // a token sent decides: a bad Authorization is not rescued by a good X-API-Key
        assertThat(auth(a, "Bearer nope", KEY).failure()).isEqualTo(AuthFailure.UNKNOWN_API_KEY);
    }

    @Test
    void aKnownJwt_isAcceptedAgainFromTheRecentTable_untilItExpires() throws IOException {
        java.util.concurrent.atomic.AtomicLong now =
                new java.util.concurrent.atomic.AtomicLong(1_800_000_000_000L);
        Authenticator a = of(EnumSet.of(AuthConfig.Method.JWT), now::get);
        String header =
                "Bearer "
                        + TestJwts.hs256(
                                SECRET,
                                new JsonObject()
                                        .put("sub", "alice")
                                        .put("exp", now.get() / 1000 + 60));
        for (int i = 0; i < 3; i++) {
            Verdict v = auth(a, header, null);
            assertThat(v.ok()).as("request " + i).isTrue();
            assertThat(v.principal().name()).isEqualTo("alice");
        }
        now.addAndGet(60_001); // past exp (leeway 0): the remembered verdict no longer holds
        assertThat(auth(a, header, null).failure()).isEqualTo(AuthFailure.EXPIRED);
    }

    @Test
    void aTokenSharingAKnownTokensSlot_isVerifiedOnItsOwn() throws IOException {
        Authenticator a = of(EnumSet.of(AuthConfig.Method.JWT));
        String good = jwt("alice");
        assertThat(auth(a, "Bearer " + good, null).ok()).isTrue();
        // the same length and signature (so the same slot), other claims: not alice's verdict
        int dot = good.indexOf('.');
        char c = good.charAt(dot + 3);
        String forged =
                good.substring(0, dot + 3) + (c == 'A' ? 'B' : 'A') + good.substring(dot + 4);
        Verdict v = auth(a, "Bearer " + forged, null);
        assertThat(v.ok()).isFalse();
        assertThat(v.failure()).isIn(AuthFailure.BAD_SIGNATURE, AuthFailure.MALFORMED_TOKEN);
        assertThat(auth(a, "Bearer " + good, null).ok()).as("still alice's").isTrue();
    }

    @Test
    void noCredentials_listsWhatIsAccepted() throws IOException {
        Verdict v =
                auth(of(EnumSet.of(AuthConfig.Method.JWT, AuthConfig.Method.API_KEY)), null, null);
        assertThat(v.failure()).isEqualTo(AuthFailure.NO_CREDENTIALS);
        assertThat(v.invalidToken()).isFalse();
        assertThat(v.message())
                .isEqualTo(
                        "no credentials; accepted: Authorization: Bearer <JWT>, Authorization:"
                                + " Bearer <API key> or X-API-Key: <API key>");
    }

    @Test
    void credentialsOfAKindTheListenerDoesNotTake_areRefusedSayingWhatItTakes() throws IOException {
        Authenticator jwtOnly = of(EnumSet.of(AuthConfig.Method.JWT));
        Verdict header = auth(jwtOnly, null, KEY);
        assertThat(header.failure()).isEqualTo(AuthFailure.METHOD_NOT_ACCEPTED);
        assertThat(header.message()).contains("API keys are not accepted").doesNotContain(KEY);
        Verdict notJwt = auth(jwtOnly, "Bearer " + KEY, null);
        assertThat(notJwt.failure()).isEqualTo(AuthFailure.MALFORMED_TOKEN);
        assertThat(auth(jwtOnly, "Basic YWxpY2U6cHc=", null).failure())
                .isEqualTo(AuthFailure.METHOD_NOT_ACCEPTED);

        Authenticator keysOnly = of(EnumSet.of(AuthConfig.Method.API_KEY));
        // a JWT-shaped token where only keys are taken is just an unknown key
        assertThat(auth(keysOnly, "Bearer " + jwt("alice"), null).failure())
                .isEqualTo(AuthFailure.UNKNOWN_API_KEY);
        Authenticator certOnly = of(EnumSet.of(AuthConfig.Method.CLIENT_CERT));
        assertThat(auth(certOnly, "Bearer " + KEY, null).failure())
                .isEqualTo(AuthFailure.METHOD_NOT_ACCEPTED);
        assertThat(auth(certOnly, null, null).message()).endsWith("a TLS client certificate");
    }

    @Test
    void aBadApiKeyFile_failsTheStartNamingTheKeyAndLine() throws IOException {
        Path keys = Files.write(dir.resolve("bad.txt"), List.of("alice sha256:123"));
        AuthConfig c =
                new AuthConfig(
                        Set.of(AuthConfig.Method.API_KEY),
                        AuthConfig.ClientCert.DEFAULT,
                        null,
                        new AuthConfig.ApiKeys(keys, 1000),
                        false);
        assertThatThrownBy(() -> Authenticator.of(c, AT, vertx, () -> 0L))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(AT + ".api-keys.file: " + keys + ":1: ");
        AuthConfig missing =
                new AuthConfig(
                        Set.of(AuthConfig.Method.API_KEY),
                        AuthConfig.ClientCert.DEFAULT,
                        null,
                        new AuthConfig.ApiKeys(dir.resolve("none.txt"), 1000),
                        false);
        assertThatThrownBy(() -> Authenticator.of(missing, AT, vertx, () -> 0L))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read the API key file");
    }
}
