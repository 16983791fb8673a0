package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code <listener>.cors}: which browser pages (origins) may call the listener cross-origin, off
 * unless {@code allowed-origins} lists some; immutable, any thread. Enforced by {@link Cors}; the
 * model is in {@code docs/security.md}, "Rate limits and CORS".
 *
 * <pre>
 * cors:
 *   allowed-origins: [https://app.example.com]     # exact origins; "*" alone: any (no credentials)
 *   allowed-methods: [GET, POST, OPTIONS]
 *   allowed-headers: [authorization, content-type, x-api-key]
 *   exposed-headers: [retry-after]
 *   max-age-seconds: 600
 *   allow-credentials: false
 * </pre>
 *
 * @param allowedOrigins {@code allowed-origins}: origins ({@code scheme://host[:port]}, stored in
 *     lower case) whose pages may call; {@code ["*"]} is any origin; empty is CORS off
 * @param allowedMethods {@code allowed-methods}: methods a preflight may ask for (upper case)
 * @param allowedHeaders {@code allowed-headers}: request headers a preflight may ask for (lower
 *     case)
 * @param exposedHeaders {@code exposed-headers}: answer headers the page may read beyond the
 *     CORS-safelisted ones (lower case)
 * @param maxAgeSeconds {@code max-age-seconds}: how long a browser may cache a preflight's answer
 * @param allowCredentials {@code allow-credentials}: whether the page may send credentials the
 *     browser holds (cookies, HTTP authentication, client certificates); never with {@code "*"}
 */
public record CorsConfig(
        List<String> allowedOrigins,
        List<String> allowedMethods,
        List<String> allowedHeaders,
        List<String> exposedHeaders,
        long maxAgeSeconds,
        boolean allowCredentials) {

    /** Any origin: {@code allowed-origins: ["*"]}. */
    public static final String ANY_ORIGIN = "*";

    static final List<String> DEFAULT_METHODS = List.of("GET", "POST", "OPTIONS");
    static final List<String> DEFAULT_HEADERS =
            List.of("authorization", "content-type", "x-api-key");
    static final List<String> DEFAULT_EXPOSED = List.of("retry-after");
    static final long DEFAULT_MAX_AGE_SECONDS = 600;

    /** A day: browsers cap what they keep anyway (Firefox 24 h, Chromium 2 h). */
    static final long MAX_MAX_AGE_SECONDS = 86_400;

    /** Off: no origin allowed, no CORS header sent (the default). */
    public static final CorsConfig OFF =
            new CorsConfig(
                    List.of(),
                    DEFAULT_METHODS,
                    DEFAULT_HEADERS,
                    DEFAULT_EXPOSED,
                    DEFAULT_MAX_AGE_SECONDS,
                    false);

    static final Set<String> KEYS =
            Set.of(
                    "allowed-origins",
                    "allowed-methods",
                    "allowed-headers",
                    "exposed-headers",
                    "max-age-seconds",
                    "allow-credentials");

    /** scheme "://" host [":" port]: no path, query, fragment, user or wildcard. */
    private static final Pattern ORIGIN =
            Pattern.compile("[a-z][a-z0-9+.-]*://[^/?#@*\\s:]+(:[0-9]{1,5})?");

    /** An HTTP token (RFC 9110 tchar), as header names and methods are. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /** Validates and copies; the errors name the keys as under {@code <listener>.cors}. */
    public CorsConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        allowedMethods = List.copyOf(allowedMethods);
        allowedHeaders = List.copyOf(allowedHeaders);
        exposedHeaders = List.copyOf(exposedHeaders);
        check("cors", allowedOrigins, allowCredentials, maxAgeSeconds);
    }

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static CorsConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        List<String> origins = new ArrayList<>();
        for (String o : ConfigNodes.strings(n, at, "allowed-origins")) {
            String lower = o.toLowerCase(Locale.ROOT);
            if (!lower.equals(ANY_ORIGIN) && !ORIGIN.matcher(lower).matches()) {
                throw new ConfigException(
                        at
                                + ".allowed-origins has '"
                                + o
                                + "'; expected exact origins such as https://app.example.com"
                                + " or http://localhost:3000 (scheme://host[:port], no path, no"
                                + " wildcard), or \"*\" alone for any origin");
            }
            origins.add(lower);
        }
        boolean credentials = ConfigNodes.bool(n, at, "allow-credentials", false);
        long maxAge =
                ConfigNodes.number(
                        n, at, "max-age-seconds", DEFAULT_MAX_AGE_SECONDS, 0, MAX_MAX_AGE_SECONDS);
        check(at, origins, credentials, maxAge);
        return new CorsConfig(
                distinct(origins),
                tokens(n, at, "allowed-methods", DEFAULT_METHODS, true),
                tokens(n, at, "allowed-headers", DEFAULT_HEADERS, false),
                tokens(n, at, "exposed-headers", DEFAULT_EXPOSED, false),
                maxAge,
                credentials);
    }

    private static void check(
            String at, List<String> origins, boolean credentials, long maxAgeSeconds) {
        if (origins.contains(ANY_ORIGIN) && origins.size() > 1) {
            throw new ConfigException(
                    at
                            + ".allowed-origins has \"*\" and other origins; give either \"*\""
                            + " alone (any origin) or the exact origins");
        }
        if (origins.contains(ANY_ORIGIN) && credentials) {
            throw new ConfigException(
                    at
                            + ".allowed-origins is \"*\" with allow-credentials: true; browsers"
                            + " refuse credentials for any origin, and any page could act with"
                            + " its visitors' credentials: list the exact origins instead");
        }
        if (maxAgeSeconds < 0 || maxAgeSeconds > MAX_MAX_AGE_SECONDS) {
            throw new ConfigException(
                    at
                            + ".max-age-seconds is "
                            + maxAgeSeconds
                            + "; expected 0.."
                            + MAX_MAX_AGE_SECONDS);
        }
    }

    /** {@code n.key} as HTTP tokens in one case, or {@code def} when absent. */
    private static List<String> tokens(
            JsonNode n, String at, String key, List<String> def, boolean upper) {
        if (ConfigNodes.absent(n.path(key))) {
            return def;
        }
        List<String> out = new ArrayList<>();
        for (String t : ConfigNodes.strings(n, at, key)) {
            if (!TOKEN.matcher(t).matches() || t.equals("*")) {
                throw new ConfigException(
                        at
                                + "."
                                + key
                                + " has '"
                                + t
                                + "'; expected "
                                + (upper ? "method names such as GET" : "header names such as")
                                + (upper ? "" : " content-type")
                                + " (no wildcard)");
            }
            out.add(upper ? t.toUpperCase(Locale.ROOT) : t.toLowerCase(Locale.ROOT));
        }
        return distinct(out);
    }

    private static List<String> distinct(List<String> l) {
        return List.copyOf(new LinkedHashSet<>(l));
    }

    /** True when some origin is allowed: CORS requests are answered. */
    public boolean on() {
        return !allowedOrigins.isEmpty();
    }
}
