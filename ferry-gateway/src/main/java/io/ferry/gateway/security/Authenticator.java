package io.ferry.gateway.security;

import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLSession;

/**
 * Authenticates the requests of one listener by its {@link AuthConfig}: a bearer token (a JWT or an
 * API key), an {@code X-API-Key}, or the TLS peer certificate. {@link #authenticate} from any
 * thread (event loops); it never blocks.
 */
public final class Authenticator {
    /* Design notes
     * Which credential counts: a token sent (Authorization: Bearer, else X-API-Key) decides alone,
     * even over a client certificate, so a refused token is never papered over by another
     * credential. A bearer token with two dots is a JWT when jwt is a method, anything else an API
     * key when api-key is one. Without a token, the peer certificate (client-cert).
     * Cost: an API key is one SHA-256 and a map lookup; a JWT already verified is a map lookup
     * (JwtVerifier's cache, until it expires); a client certificate is read once per TLS session
     * (its verdict is kept in the session).
     * Recent JWTs: before any parsing, the whole Authorization header is looked up in `recent`, a
     * small direct-mapped table of accepted JWT verdicts keyed by the header (slot from its
     * length and last characters, the signature's; a hit needs String.equals of the whole
     * header), valid until JwtVerifier's entry is (exp + leeway). A request with a known token then
     * costs no trim, substring, dot count or hash of the token: issue 15's TLS + JWT figure. Only
     * JWTs: an API key can be revoked by its file, a JWT only by expiring. Slots are written by
     * any event loop without a lock; an entry is immutable (final fields), a lost write is a miss.
     */
    private static final String BEARER = "bearer ";
    private static final int RECENT = 512; // a power of two

    private record Recent(String header, Verdict verdict, long validUntilMs) {}

    private final Recent[] recent = new Recent[RECENT];
    private final LongSupplier clockMs;

    private final AuthConfig config;
    private final ApiKeyStore apiKeys;
    private final JwtVerifier jwt;
    private final CertPrincipals certs;

    /** The verdict of a request without credentials, saying what is accepted: made once. */
    private final Verdict noCredentials;

    private Authenticator(
            AuthConfig config,
            ApiKeyStore apiKeys,
            JwtVerifier jwt,
            CertPrincipals certs,
            LongSupplier clockMs) {
        this.config = config;
        this.clockMs = clockMs;
        this.apiKeys = apiKeys;
        this.jwt = jwt;
        this.certs = certs;
        this.noCredentials =
                Verdict.refused(
                        null,
                        AuthFailure.NO_CREDENTIALS,
                        "no credentials; accepted: " + accepted());
    }

    /**
     * The authenticator of {@code config} (at {@code at} in errors); reads its files now.
     *
     * @param vertx for the JWT library
     * @param clockMs wall-clock milliseconds (JWT expiry, API key file checks)
     * @throws ConfigException naming the key when a file cannot be read or is not valid
     */
    public static Authenticator of(
            AuthConfig config, String at, io.vertx.core.Vertx vertx, LongSupplier clockMs) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("authentication is off at " + at);
        }
        ApiKeyStore keys = null;
        if (config.apiKeys() != null) {
            try {
                keys =
                        ApiKeyStore.open(
                                config.apiKeys().file(), config.apiKeys().reloadCheckMs(), clockMs);
            } catch (ApiKeyFile.BadLine | IllegalStateException e) {
                throw new ConfigException(at + ".api-keys.file: " + e.getMessage());
            }
        }
        JwtVerifier jwt =
                config.jwt() == null
                        ? null
                        : JwtVerifier.of(config.jwt(), at + ".jwt", vertx, clockMs);
        CertPrincipals certs =
                config.accepts(AuthConfig.Method.CLIENT_CERT)
                        ? new CertPrincipals(config.clientCert().principal())
                        : null;
        return new Authenticator(config, keys, jwt, certs, clockMs);
    }

    /** Its settings. */
    public AuthConfig config() {
        return config;
    }

    /** The API keys, or null when api-key is not a method. */
    public ApiKeyStore apiKeys() {
        return apiKeys;
    }

    /** The JWT verifier, or null when jwt is not a method. */
    public JwtVerifier jwt() {
        return jwt;
    }

    /**
     * The verdict for a request with these credentials; null when it is not known yet: {@code
     * later} then gets it (from any thread). Any thread; never blocks.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param apiKey the {@code X-API-Key} header, or null
     * @param ssl the TLS session of the connection, or null (clear text)
     */
    public Verdict authenticate(
            String authorization, String apiKey, SSLSession ssl, Consumer<Verdict> later) {
        if (authorization != null) {
            if (jwt != null) {
                Recent r = recent[slot(authorization)];
                if (r != null
                        && r.header.equals(authorization)
                        && clockMs.getAsLong() < r.validUntilMs) {
                    return r.verdict;
                }
            }
            String a = authorization.trim();
            if (!a.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Verdict.refused(
                        null,
                        AuthFailure.METHOD_NOT_ACCEPTED,
                        "the Authorization header's scheme is not accepted: send"
                                + " 'Authorization: Bearer <token>'");
            }
            String token = a.substring(BEARER.length()).trim();
            Verdict v = token(token, later);
            if (v != null && v.ok() && v.method() == AuthConfig.Method.JWT) {
                long until = jwt.validUntil(token);
                if (until > 0) {
                    recent[slot(authorization)] = new Recent(authorization, v, until);
                }
            }
            return v;
        }
        if (apiKey != null) {
            if (apiKeys == null) {
                return Verdict.refused(
                        null,
                        AuthFailure.METHOD_NOT_ACCEPTED,
                        "API keys are not accepted here; accepted: " + accepted());
            }
            return apiKeys.lookup(apiKey.trim());
        }
        if (certs != null && ssl != null) {
            Verdict v = certs.verdict(ssl);
            if (v.failure() != AuthFailure.NO_CREDENTIALS) {
                return v;
            }
        }
        return noCredentials;
    }

    private Verdict token(String token, Consumer<Verdict> later) {
        if (jwt != null && dots(token) == 2) {
            return jwt.verify(token, later);
        }
        if (apiKeys != null) {
            return apiKeys.lookup(token);
        }
        if (jwt != null) {
            return Verdict.refused(
                    AuthConfig.Method.JWT,
                    AuthFailure.MALFORMED_TOKEN,
                    "the bearer token is not a JWT (header.claims.signature)");
        }
        return Verdict.refused(
                null,
                AuthFailure.METHOD_NOT_ACCEPTED,
                "bearer tokens are not accepted here; accepted: " + accepted());
    }

    /** The slot of {@code header} in {@link #recent}: its length and last 16 characters. */
    private static int slot(String header) {
        int n = header.length();
        int h = n;
        for (int i = Math.max(0, n - 16); i < n; i++) {
            h = 31 * h + header.charAt(i);
        }
        return (h ^ (h >>> 16)) & (RECENT - 1);
    }

    private static int dots(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '.') {
                n++;
            }
        }
        return n;
    }

    /** What a client may send, for refusals. */
    private String accepted() {
        StringBuilder b = new StringBuilder();
        if (config.accepts(AuthConfig.Method.JWT)) {
            b.append("Authorization: Bearer <JWT>");
        }
        if (config.accepts(AuthConfig.Method.API_KEY)) {
            b.append(b.length() == 0 ? "" : ", ")
                    .append("Authorization: Bearer <API key> or X-API-Key: <API key>");
        }
        if (config.accepts(AuthConfig.Method.CLIENT_CERT)) {
            b.append(b.length() == 0 ? "" : ", ").append("a TLS client certificate");
        }
        return b.toString();
    }
}
