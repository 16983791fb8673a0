package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.GatewayConfig.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT verification and its cache, with a fake clock; tokens made by hand ({@link TestJwts}). */
class JwtVerifierTest {
    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes!";
    private static final long NOW_S = 1_800_000_000L;
    private static Vertx vertx;

    @TempDir Path dir;
    private final AtomicLong clock = new AtomicLong(NOW_S * 1000);

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() {
        vertx.close();
    }

    private static AuthConfig.Jwt secretConfig(int cacheEntries) {
        return new AuthConfig.Jwt(
                null, SECRET, "https://idp", List.of("ferry"), "sub", "groups", 30, cacheEntries);
    }

    private JwtVerifier verifier(AuthConfig.Jwt c) {
        return JwtVerifier.of(c, "gateway.security.api.authentication.jwt", vertx, clock::get);
    }

    private static JsonObject claims() {
        return new JsonObject()
                .put("sub", "alice")
                .put("iss", "https://idp")
                .put("aud", "ferry")
                .put("groups", new JsonArray().add("billing").add("ops"))
                .put("iat", NOW_S)
                .put("exp", NOW_S + 60);
    }

    private static Verdict now(JwtVerifier v, String token) {
        Verdict r =
                v.verify(
                        token,
                        later -> {
                            throw new AssertionError("vertx-auth-jwt answers synchronously");
                        });
        assertThat(r).isNotNull();
        return r;
    }

    private static void refused(JwtVerifier v, String token, AuthFailure f, String message) {
        Verdict r = now(v, token);
        assertThat(r.failure()).as(r.message()).isEqualTo(f);
        assertThat(r.method()).isEqualTo(AuthConfig.Method.JWT);
        assertThat(r.invalidToken()).isTrue();
        assertThat(r.message()).contains(message).doesNotContain(token).doesNotContain(SECRET);
    }

    @Test
    void aGoodToken_namesItsPrincipalAndGroups_andIsThenAnsweredFromTheCache() {
        JwtVerifier v = verifier(secretConfig(100));
        String t = TestJwts.hs256(SECRET, claims());
        Verdict ok = now(v, t);
        assertThat(ok.ok()).isTrue();
        assertThat(ok.principal().name()).isEqualTo("alice");
        assertThat(ok.principal().groups()).containsExactlyInAnyOrder("billing", "ops");
        assertThat(ok.principal().method()).isEqualTo("jwt");
        assertThat(v.cached()).isEqualTo(1);
        assertThat(now(v, t)).isSameAs(ok); // a map lookup: the same verdict, nothing verified
    }

    @Test
    void aCachedToken_isRefusedOnceItExpires_andLeavesTheCache() {
        JwtVerifier v = verifier(secretConfig(100));
        String t = TestJwts.hs256(SECRET, claims());
        assertThat(now(v, t).ok()).isTrue();
        clock.set((NOW_S + 60 + 30) * 1000); // exp + leeway: still good
        assertThat(now(v, t).ok()).isTrue();
        clock.addAndGet(1);
        refused(v, t, AuthFailure.EXPIRED, "expired at 2027-01-15T08:01:00Z (leeway 30 s)");
        assertThat(v.cached()).isZero();
    }

    @Test
    void expired_beyondTheLeeway_isRefused_butWithinItPasses() {
        JwtVerifier v = verifier(secretConfig(100));
        refused(
                v,
                TestJwts.hs256(SECRET, claims().put("exp", NOW_S - 31)),
                AuthFailure.EXPIRED,
                "expired");
        assertThat(now(v, TestJwts.hs256(SECRET, claims().put("exp", NOW_S - 29))).ok()).isTrue();
    }

    @Test
    void notYetValid_isRefusedUntilItsTime() {
        JwtVerifier v = verifier(secretConfig(100));
        String t = TestJwts.hs256(SECRET, claims().put("nbf", NOW_S + 40).put("exp", NOW_S + 600));
        refused(v, t, AuthFailure.NOT_YET_VALID, "not valid before");
        assertThat(v.cached()).isZero();
        clock.addAndGet(10_000); // now + leeway reaches nbf
        assertThat(now(v, t).ok()).isTrue();
    }

    @Test
    void wrongAudience_wrongIssuer_andNoPrincipal_areRefusedSayingSo() {
        JwtVerifier v = verifier(secretConfig(100));
        refused(
                v,
                TestJwts.hs256(SECRET, claims().put("aud", "someone-else")),
                AuthFailure.WRONG_AUDIENCE,
                "audience");
        refused(
                v,
                TestJwts.hs256(SECRET, claims().put("aud", new JsonArray().add("a").add("b"))),
                AuthFailure.WRONG_AUDIENCE,
                "[ferry]");
        assertThat(
                        now(
                                        v,
                                        TestJwts.hs256(
                                                SECRET,
                                                claims().put(
                                                                "aud",
                                                                new JsonArray()
                                                                        .add("x")
                                                                        .add("ferry"))))
                                .ok())
                .isTrue();
        refused(
                v,
                TestJwts.hs256(SECRET, claims().put("iss", "https://evil")),
                AuthFailure.WRONG_ISSUER,
                "https://idp");
        JsonObject noSub = claims();
        noSub.remove("sub");
        refused(v, TestJwts.hs256(SECRET, noSub), AuthFailure.NO_PRINCIPAL, "'sub'");
    }

    @Test
    void wronglySigned_unsigned_andMalformedTokens_areRefused() {
        JwtVerifier v = verifier(secretConfig(100));
        refused(
                v,
                TestJwts.hs256("another-secret-of-at-least-32-bytes!!", claims()),
                AuthFailure.BAD_SIGNATURE,
                "the shared secret");
        refused(v, TestJwts.none(claims()), AuthFailure.BAD_SIGNATURE, "signature");
        refused(
                v,
                TestJwts.rs256(TestJwts.rsa(), "k", claims()),
                AuthFailure.BAD_SIGNATURE,
                "signature");
        refused(v, "not.a.jwt", AuthFailure.MALFORMED_TOKEN, "not a valid JWT");
        String good = TestJwts.hs256(SECRET, claims());
        String tampered =
                good.substring(0, good.indexOf('.') + 1)
                        + java.util.Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(
                                        claims().put("sub", "root")
                                                .encode()
                                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        + good.substring(good.lastIndexOf('.'));
        refused(v, tampered, AuthFailure.BAD_SIGNATURE, "signature");
        assertThat(v.cached()).isZero();
    }

    @Test
    void rs256AndEs256_fromAJwksFile_pickedByKid() throws IOException {
        KeyPair rsa = TestJwts.rsa();
        KeyPair ec = TestJwts.ec();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(
                jwks, TestJwts.jwks(TestJwts.rsaJwk(rsa, "r1"), TestJwts.ecJwk(ec, "e1")).encode());
        JwtVerifier v =
                verifier(new AuthConfig.Jwt(jwks, null, null, List.of(), "sub", "groups", 0, 100));
        assertThat(
                        now(v, TestJwts.rs256(rsa, "r1", claims().put("sub", "rsa-user")))
                                .principal()
                                .name())
                .isEqualTo("rsa-user");
        assertThat(
                        now(v, TestJwts.es256(ec, "e1", claims().put("sub", "ec-user")))
                                .principal()
                                .name())
                .isEqualTo("ec-user");
        // a key that is not in the file
        refused(
                v,
                TestJwts.rs256(TestJwts.rsa(), "r1", claims()),
                AuthFailure.BAD_SIGNATURE,
                jwks.toString());
        refused(v, TestJwts.hs256(SECRET, claims()), AuthFailure.BAD_SIGNATURE, "signature");
    }

    @Test
    void aBadJwksFile_failsNamingTheKey() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> verifier(jwks(missing)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "gateway.security.api.authentication.jwt.jwks-file: cannot read");
        Path empty = Files.writeString(dir.resolve("empty.json"), "{\"keys\": []}");
        assertThatThrownBy(() -> verifier(jwks(empty))).hasMessageContaining("has no keys");
        Path text = Files.writeString(dir.resolve("text.json"), "hello");
        assertThatThrownBy(() -> verifier(jwks(text)))
                .hasMessageContaining("is not a JSON Web Key Set");
        Path secret =
                Files.writeString(
                        dir.resolve("secret.json"),
                        "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}");
        assertThatThrownBy(() -> verifier(jwks(secret)))
                .hasMessageContaining("private or secret key material")
                .hasMessageNotContaining("c2VjcmV0");
    }

    private static AuthConfig.Jwt jwks(Path p) {
        return new AuthConfig.Jwt(p, null, null, List.of(), "sub", "groups", 0, 100);
    }

    @Test
    void theCache_isBounded() {
        JwtVerifier v = verifier(secretConfig(2));
        for (int i = 0; i < 5; i++) {
            assertThat(now(v, TestJwts.hs256(SECRET, claims().put("sub", "u" + i))).ok()).isTrue();
            assertThat(v.cached()).isLessThanOrEqualTo(2);
        }
        JwtVerifier none = verifier(secretConfig(0));
        String t = TestJwts.hs256(SECRET, claims());
        assertThat(now(none, t).ok()).isTrue();
        assertThat(none.cached()).isZero();
    }

    @Test
    void aTokenWithoutExp_isKeptAtMostTenMinutes() {
        JwtVerifier v = verifier(secretConfig(100));
        JsonObject c = claims();
        c.remove("exp");
        String t = TestJwts.hs256(SECRET, c);
        Verdict first = now(v, t);
        assertThat(first.ok()).isTrue();
        clock.addAndGet(JwtVerifier.NO_EXP_CACHE_MS);
        Verdict again = now(v, t);
        assertThat(again.ok()).isTrue();
        assertThat(again).isNotSameAs(first); // verified again
    }
}
