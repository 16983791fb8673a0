package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * {@code <listener>.authentication}: how callers of one listener prove who they are; immutable, any
 * thread. No methods (the default): no authentication, everybody may do everything.
 *
 * <pre>
 * authentication:
 *   methods: [client-cert, jwt, api-key]
 *   client-cert: { principal: cn }            # cn | subject | san-dns | san-email | san-uri
 *   jwt:
 *     jwks-file: /etc/ferry/jwks.json         # or secret: ${FERRY_JWT_SECRET} (HS256)
 *     issuer: https://idp.example.com
 *     audience: ferry
 *     principal-claim: sub
 *     groups-claim: groups
 *     leeway-seconds: 30
 *   api-keys: { file: /etc/ferry/api-keys.txt, reload-check-ms: 10000 }
 *   protect-metrics: false
 * </pre>
 *
 * @param methods the methods accepted (empty: authentication is off)
 * @param clientCert {@code client-cert}: where a client certificate's principal comes from
 * @param jwt {@code jwt}: how bearer JWTs are verified, or null when {@code jwt} is not a method
 * @param apiKeys {@code api-keys}: the file of API key hashes, or null when {@code api-key} is not
 *     a method
 * @param protectMetrics {@code protect-metrics}: {@code /metrics} needs an authenticated caller
 */
public record AuthConfig(
        Set<Method> methods,
        ClientCert clientCert,
        Jwt jwt,
        ApiKeys apiKeys,
        boolean protectMetrics) {
    /** Off: no authentication. */
    public static final AuthConfig OFF =
            new AuthConfig(Set.of(), ClientCert.DEFAULT, null, null, false);

    static final Set<String> KEYS =
            Set.of("methods", "client-cert", "jwt", "api-keys", "protect-metrics");

    /** An authentication method. */
    public enum Method {
        /** The TLS peer certificate (mutual TLS). */
        CLIENT_CERT,
        /** {@code Authorization: Bearer <JWT>}. */
        JWT,
        /** {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}. */
        API_KEY;

        /** Its name in configuration, principals and metrics: {@code client-cert}, ... */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Method of(String name, String at) {
            for (Method m : values()) {
                if (m.wireName().equals(name)) {
                    return m;
                }
            }
            throw new ConfigException(
                    at + " has '" + name + "'; expected client-cert, jwt or api-key");
        }
    }

    /** Validates; copies the methods. */
    public AuthConfig {
        methods = methods.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(methods));
        Objects.requireNonNull(clientCert, "clientCert");
        if (methods.contains(Method.JWT) != (jwt != null)) {
            throw new IllegalArgumentException("jwt settings exactly when jwt is a method");
        }
        if (methods.contains(Method.API_KEY) != (apiKeys != null)) {
            throw new IllegalArgumentException(
                    "api-keys settings exactly when api-key is a method");
        }
    }

    /** True when the listener authenticates its callers. */
    public boolean enabled() {
        return !methods.isEmpty();
    }

    /** True when {@code m} is accepted. */
    public boolean accepts(Method m) {
        return methods.contains(m);
    }

    /** {@code client-cert}: the principal of a client certificate. */
    public record ClientCert(PrincipalFrom principal) {
        /** The principal is the subject's CN. */
        public static final ClientCert DEFAULT = new ClientCert(PrincipalFrom.CN);

        static final Set<String> KEYS = Set.of("principal");

        /** Validates. */
        public ClientCert {
            Objects.requireNonNull(principal, "principal");
        }
    }

    /** The part of a client certificate that names its principal. */
    public enum PrincipalFrom {
        /** The subject's common name. */
        CN,
        /** The whole subject, RFC 2253 ({@code CN=alice,O=Example}). */
        SUBJECT,
        /** The first DNS name among the subject alternative names. */
        SAN_DNS,
        /** The first e-mail address (rfc822Name) among the subject alternative names. */
        SAN_EMAIL,
        /** The first URI among the subject alternative names. */
        SAN_URI;

        /** Its name in configuration: {@code cn}, {@code san-dns}, ... */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * {@code jwt}: bearer JWTs, verified against a JWKS file (RS256, ES256, ...) or a shared secret
     * (HS256); {@code toString} never shows the secret.
     *
     * @param jwksFile {@code jwks-file}: a JSON Web Key Set, or null
     * @param secret {@code secret}: an HS256 secret of at least 32 bytes, or null
     * @param issuer {@code issuer}: the {@code iss} required, or null: any
     * @param audience {@code audience}: the {@code aud} values of which a token must name one, or
     *     empty: any
     * @param principalClaim {@code principal-claim}: the claim naming the principal
     * @param groupsClaim {@code groups-claim}: the claim listing its groups
     * @param leewaySeconds {@code leeway-seconds}: clock skew allowed on {@code exp} and {@code
     *     nbf}
     * @param cacheEntries {@code cache-entries}: verified tokens remembered until they expire
     */
    public record Jwt(
            Path jwksFile,
            String secret,
            String issuer,
            List<String> audience,
            String principalClaim,
            String groupsClaim,
            long leewaySeconds,
            int cacheEntries) {
        static final Set<String> KEYS =
                Set.of(
                        "jwks-file",
                        "secret",
                        "issuer",
                        "audience",
                        "principal-claim",
                        "groups-claim",
                        "leeway-seconds",
                        "cache-entries");

        /** The shortest HS256 secret accepted (RFC 7518 3.2: the hash's size). */
        public static final int MIN_SECRET_BYTES = 32;

        /** Validates. */
        public Jwt {
            if ((jwksFile == null) == (secret == null)) {
                throw new IllegalArgumentException("one of jwks-file and secret");
            }
            audience = List.copyOf(audience);
            Objects.requireNonNull(principalClaim, "principalClaim");
            Objects.requireNonNull(groupsClaim, "groupsClaim");
        }

        @Override
        public String toString() {
            return "Jwt[jwksFile="
                    + jwksFile
                    + ", secret="
                    + (secret == null ? "none" : "(hidden)")
                    + ", issuer="
                    + issuer
                    + ", audience="
                    + audience
                    + ", principalClaim="
                    + principalClaim
                    + ", groupsClaim="
                    + groupsClaim
                    + ", leewaySeconds="
                    + leewaySeconds
                    + ", cacheEntries="
                    + cacheEntries
                    + "]";
        }
    }

    /**
     * {@code api-keys}: the file of API keys (lines {@code <principal> sha256:<hex> [groups]}).
     *
     * @param file {@code file}
     * @param reloadCheckMs {@code reload-check-ms}: how often the file is checked for changes
     */
    public record ApiKeys(Path file, long reloadCheckMs) {
        static final Set<String> KEYS = Set.of("file", "reload-check-ms");

        /** The default of {@code reload-check-ms}. */
        public static final long DEFAULT_RELOAD_CHECK_MS = 10_000;

        /** Validates. */
        public ApiKeys {
            Objects.requireNonNull(file, "file");
        }
    }

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static AuthConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        Set<Method> methods = EnumSet.noneOf(Method.class);
        for (String m : ConfigNodes.strings(n, at, "methods")) {
            if (!methods.add(Method.of(m, at + ".methods"))) {
                throw new ConfigException(at + ".methods names '" + m + "' twice");
            }
        }
        ClientCert cc = clientCert(n.path("client-cert"), at + ".client-cert");
        Jwt jwt = null;
        JsonNode j = n.path("jwt");
        if (methods.contains(Method.JWT)) {
            if (ConfigNodes.absent(j)) {
                throw new ConfigException(
                        at
                                + ".jwt is needed with the method jwt: jwks-file or secret, and"
                                + " issuer and audience");
            }
            jwt = jwt(j, at + ".jwt");
        } else if (!ConfigNodes.absent(j)) {
            throw new ConfigException(
                    at
                            + ".jwt is set but "
                            + at
                            + ".methods does not list jwt; add it or remove jwt");
        }
        ApiKeys keys = null;
        JsonNode k = n.path("api-keys");
        if (methods.contains(Method.API_KEY)) {
            if (ConfigNodes.absent(k)) {
                throw new ConfigException(
                        at
                                + ".api-keys.file is needed with the method api-key (the file of hashes)");
            }
            keys = apiKeys(k, at + ".api-keys");
        } else if (!ConfigNodes.absent(k)) {
            throw new ConfigException(
                    at
                            + ".api-keys is set but "
                            + at
                            + ".methods does not list api-key; add it or remove api-keys");
        }
        if (!ConfigNodes.absent(n.path("client-cert")) && !methods.contains(Method.CLIENT_CERT)) {
            throw new ConfigException(
                    at
                            + ".client-cert is set but "
                            + at
                            + ".methods does not list client-cert; add it or remove client-cert");
        }
        boolean protect = ConfigNodes.bool(n, at, "protect-metrics", false);
        if (protect && methods.isEmpty()) {
            throw new ConfigException(
                    at
                            + ".protect-metrics is true but no methods are listed: nobody could read it");
        }
        return new AuthConfig(methods, cc, jwt, keys, protect);
    }

    private static ClientCert clientCert(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return ClientCert.DEFAULT;
        }
        ConfigNodes.map(n, at, ClientCert.KEYS);
        String p = ConfigNodes.text(n, at, "principal", "cn").trim();
        for (PrincipalFrom f : PrincipalFrom.values()) {
            if (f.wireName().equals(p)) {
                return new ClientCert(f);
            }
        }
        throw new ConfigException(
                at
                        + ".principal is '"
                        + p
                        + "'; expected cn, subject, san-dns, san-email or san-uri");
    }

    private static Jwt jwt(JsonNode n, String at) {
        ConfigNodes.map(n, at, Jwt.KEYS);
        String jwks = ConfigNodes.text(n, at, "jwks-file", null);
        String secret = ConfigNodes.text(n, at, "secret", null);
        if ((jwks == null) == (secret == null)) {
            throw new ConfigException(
                    at
                            + " needs exactly one of jwks-file (a JSON Web Key Set: RS256, ES256) and"
                            + " secret (HS256)");
        }
        if (secret != null
                && secret.getBytes(StandardCharsets.UTF_8).length < Jwt.MIN_SECRET_BYTES) {
            // the value is never shown: only its length
            throw new ConfigException(
                    at
                            + ".secret is "
                            + secret.getBytes(StandardCharsets.UTF_8).length
                            + " bytes; an HS256 secret needs at least "
                            + Jwt.MIN_SECRET_BYTES);
        }
        if (jwks != null && jwks.isBlank()) {
            throw new ConfigException(at + ".jwks-file is empty; expected a file path");
        }
        String issuer = ConfigNodes.text(n, at, "issuer", null);
        List<String> audience = new ArrayList<>(ConfigNodes.strings(n, at, "audience"));
        String principalClaim = ConfigNodes.text(n, at, "principal-claim", "sub").trim();
        String groupsClaim = ConfigNodes.text(n, at, "groups-claim", "groups").trim();
        if (principalClaim.isEmpty()) {
            throw new ConfigException(at + ".principal-claim is empty; expected a claim name");
        }
        if (groupsClaim.isEmpty()) {
            throw new ConfigException(at + ".groups-claim is empty; expected a claim name");
        }
        long leeway = ConfigNodes.number(n, at, "leeway-seconds", 30, 0, 3600);
        long cache = ConfigNodes.number(n, at, "cache-entries", 10_000, 0, 10_000_000);
        return new Jwt(
                jwks == null ? null : Path.of(jwks.trim()),
                secret,
                issuer == null || issuer.isBlank() ? null : issuer.trim(),
                audience,
                principalClaim,
                groupsClaim,
                leeway,
                (int) cache);
    }

    private static ApiKeys apiKeys(JsonNode n, String at) {
        ConfigNodes.map(n, at, ApiKeys.KEYS);
        String file = ConfigNodes.text(n, at, "file", null);
        if (file == null || file.isBlank()) {
            throw new ConfigException(
                    at + ".file is needed: the file of lines <principal> sha256:<hex> [groups]");
        }
        long check =
                ConfigNodes.number(
                        n, at, "reload-check-ms", ApiKeys.DEFAULT_RELOAD_CHECK_MS, 100, 86_400_000);
        return new ApiKeys(Path.of(file.trim()), check);
    }
}
