package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Set;

/**
 * One listener's security settings ({@code gateway.security.<listener>}); immutable, any thread.
 *
 * <pre>
 * gateway:
 *   security:
 *     api:                      # Ferry's API: the HTTP port and the gRPC port
 *       tls: { cert-file: server.pem, key-file: server.key }
 *       authentication: { methods: [jwt, api-key], ... }
 *       authorization: { rules: [ ... ] }
 *       rate-limits: { requests-per-second: 1000 }
 *       cors: { allowed-origins: [https://app.example.com] }
 *       audit: { lines-per-second: 10 }
 * </pre>
 *
 * @param tls {@code tls}: TLS and mutual TLS
 * @param authentication {@code authentication}: how callers prove who they are
 * @param authorization {@code authorization}: what each principal may do (default deny once
 *     authentication is on)
 * @param rateLimits {@code rate-limits}: requests and bytes per second per principal
 * @param cors {@code cors}: browser clients' cross-origin requests
 * @param audit {@code audit}: the log of refused requests
 */
public record ListenerSecurity(
        TlsConfig tls,
        AuthConfig authentication,
        AccessConfig authorization,
        RateLimitConfig rateLimits,
        CorsConfig cors,
        AuditConfig audit) {
    /** No TLS, no authentication: anybody may do anything (the default). */
    public static final ListenerSecurity OFF =
            new ListenerSecurity(
                    TlsConfig.OFF,
                    AuthConfig.OFF,
                    AccessConfig.OFF,
                    RateLimitConfig.OFF,
                    CorsConfig.OFF,
                    AuditConfig.OFF);

    static final Set<String> KEYS =
            Set.of("tls", "authentication", "authorization", "rate-limits", "cors", "audit");

    /** Validates. */
    public ListenerSecurity {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(authentication, "authentication");
        Objects.requireNonNull(authorization, "authorization");
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(cors, "cors");
        Objects.requireNonNull(audit, "audit");
    }

    /**
     * Parses {@code n} (at {@code at}, such as {@code gateway.security.api}); absent: {@link #OFF}.
     */
    public static ListenerSecurity parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        return new ListenerSecurity(
                TlsConfig.parse(n.path("tls"), at + ".tls"),
                AuthConfig.parse(n.path("authentication"), at + ".authentication"),
                AccessConfig.parse(n.path("authorization"), at + ".authorization"),
                RateLimitConfig.parse(n.path("rate-limits"), at + ".rate-limits"),
                CorsConfig.parse(n.path("cors"), at + ".cors"),
                AuditConfig.parse(n.path("audit"), at + ".audit"));
    }

    /** This with other TLS settings. */
    public ListenerSecurity withTls(TlsConfig t) {
        return new ListenerSecurity(t, authentication, authorization, rateLimits, cors, audit);
    }

    /** This with other authentication settings. */
    public ListenerSecurity withAuthentication(AuthConfig a) {
        return new ListenerSecurity(tls, a, authorization, rateLimits, cors, audit);
    }

    /** This with other authorization rules. */
    public ListenerSecurity withAuthorization(AccessConfig a) {
        return new ListenerSecurity(tls, authentication, a, rateLimits, cors, audit);
    }

    /** This with other rate limits. */
    public ListenerSecurity withRateLimits(RateLimitConfig r) {
        return new ListenerSecurity(tls, authentication, authorization, r, cors, audit);
    }

    /** This with other CORS settings. */
    public ListenerSecurity withCors(CorsConfig c) {
        return new ListenerSecurity(tls, authentication, authorization, rateLimits, c, audit);
    }

    /** This with other audit settings. */
    public ListenerSecurity withAudit(AuditConfig a) {
        return new ListenerSecurity(tls, authentication, authorization, rateLimits, cors, a);
    }
}
