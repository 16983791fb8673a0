package io.ferry.gateway.security;

import io.ferry.gateway.GatewayConfig.ConfigException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Verifies bearer JWTs of one listener ({@link AuthConfig.Jwt}) and remembers the verified ones
 * until they expire; {@link #verify} from any thread (event loops), never blocking.
 */
public final class JwtVerifier {
    /* Design notes
     * The signature (and the algorithm: never "none") is Vert.x's vertx-auth-jwt, against a JWKS
     * file's keys (chosen by the token's kid) or an HS256 secret. The claims are checked here, with
     * the injected clock, so each refusal says what was wrong: exp and nbf (with the leeway), iss,
     * aud, the principal claim. The library is asked not to check expiry (it would use the wall
     * clock and say only "invalid"), nor aud/iss (checked here the same way).
     * Cache: token string -> (verdict, valid-until). A request with a known token costs one
     * ConcurrentHashMap lookup and a clock read: the throughput target (TLS + JWT single POSTs at
     * 0.7x clear text) needs that. Only accepted tokens are kept. Bounded by cache-entries: an
     * insert into a full map first drops the expired entries, and if that is not enough, all of
     * them (one thread does it; the others skip it): simple, bounded, and a full cache of live
     * tokens costs one verification each again. A token without exp is kept at most
     * NO_EXP_CACHE_MS.
     * JWTAuth.authenticate returns a Future; in vertx-auth-jwt 5.0.7 it is complete on return
     * (decoding and verifying are synchronous), and that result is used at once. Were it not
     * complete, the verdict goes to the caller's callback when it is.
     */
    /** How long a token without {@code exp} is remembered before it is verified again. */
    static final long NO_EXP_CACHE_MS = 600_000;

    private final AuthConfig.Jwt config;
    private final JWTAuth auth;
    private final LongSupplier clockMs;
    private final String keysName;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    private record Cached(Verdict verdict, long validUntilMs) {}

    private JwtVerifier(
            AuthConfig.Jwt config, JWTAuth auth, LongSupplier clockMs, String keysName) {
        this.config = config;
        this.auth = auth;
        this.clockMs = clockMs;
        this.keysName = keysName;
    }

    /**
     * A verifier of {@code config} (at {@code at} in errors), its JWKS file read now.
     *
     * @throws ConfigException naming the key when the JWKS file cannot be read or has no key
     */
    public static JwtVerifier of(
            AuthConfig.Jwt config, String at, Vertx vertx, LongSupplier clockMs) {
        JWTAuthOptions o =
                new JWTAuthOptions().setJWTOptions(new JWTOptions().setIgnoreExpiration(true));
        String keysName;
        if (config.jwksFile() != null) {
            List<JsonObject> keys = jwks(config, at);
            o.setJwks(keys);
            keysName = "the keys of " + config.jwksFile();
        } else {
            o.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.secret()));
            keysName = "the shared secret (HS256)";
        }
        JWTAuth auth;
        try {
            auth = JWTAuth.create(vertx, o);
        } catch (RuntimeException e) {
            // the message of a bad key never holds the secret: the library names the key's kind
            throw new ConfigException(
                    at
                            + (config.jwksFile() != null
                                    ? ".jwks-file " + config.jwksFile()
                                    : ".secret")
                            + ": the keys are not usable ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        return new JwtVerifier(config, auth, clockMs, keysName);
    }

    private static List<JsonObject> jwks(AuthConfig.Jwt config, String at) {
        String text;
        try {
            text = Files.readString(config.jwksFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(
                    at + ".jwks-file: cannot read " + config.jwksFile() + ": " + e);
        }
        JsonArray keys;
        try {
            keys = new JsonObject(text).getJsonArray("keys");
        } catch (RuntimeException e) {
            throw new ConfigException(
                    at
                            + ".jwks-file "
                            + config.jwksFile()
                            + " is not a JSON Web Key Set ({\"keys\": [...]})");
        }
        if (keys == null || keys.isEmpty()) {
            throw new ConfigException(
                    at + ".jwks-file " + config.jwksFile() + " has no keys ({\"keys\": [...]})");
        }
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Object k = keys.getValue(i);
            if (!(k instanceof JsonObject jk) || jk.getString("kty") == null) {
                throw new ConfigException(
                        at
                                + ".jwks-file "
                                + config.jwksFile()
                                + ": key "
                                + i
                                + " is not a JSON Web Key (no kty)");
            }
            if (jk.containsKey("d") || jk.containsKey("k")) {
                throw new ConfigException(
                        at
                                + ".jwks-file "
                                + config.jwksFile()
                                + ": key "
                                + i
                                + " holds private or secret key material; give the public keys"
                                + " only (HS256: use secret)");
            }
            out.add(jk);
        }
        return out;
    }

    /** Tokens remembered now. */
    public int cached() {
        return cache.size();
    }

    /**
     * Until when (wall-clock ms) {@code token}'s accepted verdict is remembered, or 0 when it is
     * not (refused, not verified yet, or caching off). Any thread.
     */
    public long validUntil(String token) {
        Cached c = cache.get(token);
        return c == null ? 0 : c.validUntilMs;
    }

    /**
     * The verdict for {@code token}, or null when it is not known yet: {@code later} then gets it.
     * Any thread.
     */
    public Verdict verify(String token, Consumer<Verdict> later) {
        long now = clockMs.getAsLong();
        Cached c = cache.get(token);
        if (c != null) {
            if (now < c.validUntilMs) {
                return c.verdict;
            }
            cache.remove(token, c);
        }
        JsonObject claims = claims(token);
        if (claims == null) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.MALFORMED_TOKEN,
                    "the bearer token is not a valid JWT (base64url header.claims.signature, JSON"
                            + " header and claims)");
        }
        Future<User> f;
        try {
            f = auth.authenticate(new TokenCredentials(token));
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        if (f.isComplete()) {
            return decide(token, claims, f, now);
        }
        f.onComplete(ar -> later.accept(decide(token, claims, ar, clockMs.getAsLong())));
        return null;
    }

    private Verdict decide(String token, JsonObject claims, AsyncResult<User> signature, long now) {
        if (signature.failed()) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.BAD_SIGNATURE,
                    "the token's signature does not verify against "
                            + keysName
                            + " (another key, or an algorithm those keys do not have)");
        }
        long leewayMs = config.leewaySeconds() * 1000;
        Long exp = seconds(claims, "exp");
        if (exp != null && now > exp * 1000 + leewayMs) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.EXPIRED,
                    "the token expired at "
                            + Instant.ofEpochSecond(exp)
                            + " (leeway "
                            + config.leewaySeconds()
                            + " s); get a new one");
        }
        Long nbf = seconds(claims, "nbf");
        if (nbf != null && now + leewayMs < nbf * 1000) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.NOT_YET_VALID,
                    "the token is not valid before "
                            + Instant.ofEpochSecond(nbf)
                            + " (leeway "
                            + config.leewaySeconds()
                            + " s)");
        }
        if (config.issuer() != null && !config.issuer().equals(claims.getValue("iss"))) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.WRONG_ISSUER,
                    "the token's issuer (iss) is not " + config.issuer());
        }
        if (!config.audience().isEmpty() && !audienceMatches(claims.getValue("aud"))) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.WRONG_AUDIENCE,
                    "the token's audience (aud) names none of " + config.audience());
        }
        Object p = claims.getValue(config.principalClaim());
        if (!(p instanceof String name) || name.isBlank()) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.NO_PRINCIPAL,
                    "the token has no claim '"
                            + config.principalClaim()
                            + "' naming its principal (jwt.principal-claim)");
        }
        Verdict ok =
                Verdict.ok(
                        AuthConfig.Method.JWT,
                        new Principal(name, groups(claims.getValue(config.groupsClaim())), "jwt"));
        if (config.cacheEntries() > 0) {
            long until = exp != null ? exp * 1000 + leewayMs : now + NO_EXP_CACHE_MS;
            remember(token, new Cached(ok, until));
        }
        return ok;
    }

    private void remember(String token, Cached c) {
        if (cache.size() >= config.cacheEntries() && sweeping.compareAndSet(false, true)) {
            try {
                long now = clockMs.getAsLong();
                for (Iterator<Cached> it = cache.values().iterator(); it.hasNext(); ) {
                    if (now >= it.next().validUntilMs) {
                        it.remove();
                    }
                }
                if (cache.size() >= config.cacheEntries()) {
                    cache.clear();
                }
            } finally {
                sweeping.set(false);
            }
        }
        if (cache.size() < config.cacheEntries()) {
            cache.put(token, c);
        }
    }

    private boolean audienceMatches(Object aud) {
        if (aud instanceof String s) {
            return config.audience().contains(s);
        }
        if (aud instanceof JsonArray a) {
            for (Object o : a) {
                if (o instanceof String s && config.audience().contains(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Set<String> groups(Object g) {
        Set<String> out = new LinkedHashSet<>();
        if (g instanceof JsonArray a) {
            for (Object o : a) {
                if (o instanceof String s && !s.isBlank()) {
                    out.add(s);
                }
            }
        } else if (g instanceof String s) {
            for (String one : s.split("[\\s,]+", -1)) {
                if (!one.isBlank()) {
                    out.add(one);
                }
            }
        }
        return out;
    }

    private static Long seconds(JsonObject claims, String name) {
        Object v = claims.getValue(name);
        return v instanceof Number n ? n.longValue() : null;
    }

    /** The claims of {@code token} when it has a JWT's shape (not yet verified), else null. */
    private static JsonObject claims(String token) {
        int a = token.indexOf('.');
        int b = token.indexOf('.', a + 1);
        if (a <= 0 || b <= a + 1 || token.indexOf('.', b + 1) >= 0) {
            return null;
        }
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            JsonObject header =
                    new JsonObject(
                            new String(d.decode(token.substring(0, a)), StandardCharsets.UTF_8));
            if (header.getString("alg") == null) {
                return null;
            }
            return new JsonObject(
                    new String(d.decode(token.substring(a + 1, b)), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
