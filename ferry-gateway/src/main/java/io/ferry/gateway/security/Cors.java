package io.ferry.gateway.security;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A listener's CORS decisions, from its {@link CorsConfig}: which requests are preflights, what a
 * preflight is answered, which headers an answer gets; immutable and stateless, any thread. The
 * HTTP adapters write the headers and the refusals in their own shapes.
 */
public final class Cors {
    /* Design notes
     * Off (no allowed origin): isPreflight is false and actual writes nothing, so every
     * request is answered as without CORS, OPTIONS included (HttpApi: 405 with Allow).
     * On: a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here,
     * before authentication (browsers send no credentials with it) and before routing: 204 with
     * the Access-Control-Allow-* headers when the origin, the method and every requested header
     * are allowed, else 403 saying which is not. An actual request with an Origin that is not
     * allowed is refused 403 as well, before it does anything: the browser would hide the answer
     * from the page anyway, and refusing keeps a page from producing through a "simple" request
     * (a POST of text/plain needs no preflight). Requests without Origin (every non-browser
     * client) are refused nothing. Allowed origins are echoed (never "*" unless configured "*",
     * which excludes credentials at parse), with Vary: Origin so a cache keeps answers per
     * origin (on every answer while CORS is on, Origin or not). Origins compare in lower case, as
     * browsers serialize them.
     */

    /** The request headers browsers may send without asking (CORS-safelisted names). */
    private static final Set<String> SAFELISTED =
            Set.of("accept", "accept-language", "content-language", "content-type", "range");

    /** A request CORS refuses. */
    public enum Code {
        /** The origin is not in {@code allowed-origins}. */
        ORIGIN_NOT_ALLOWED,
        /** A preflight asked for a method not in {@code allowed-methods}. */
        METHOD_NOT_ALLOWED,
        /** A preflight asked for a header not in {@code allowed-headers}. */
        HEADER_NOT_ALLOWED;

        /** Its error code in answers: {@code cors_origin_not_allowed}, ... */
        public String wireName() {
            return "cors_" + name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Why CORS refuses a request (answered 403).
     *
     * @param code what is not allowed
     * @param message what was asked and what is allowed, for people
     */
    public record Refusal(Code code, String message) {}

    /** CORS off: no request is a preflight, no header is written. */
    public static final Cors OFF = new Cors(CorsConfig.OFF, "cors");

    private final CorsConfig config;
    private final String at;
    private final boolean anyOrigin;
    private final Set<String> origins;
    private final Set<String> methods;
    private final Set<String> headers;
    private final String allowMethods;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final String maxAge;

    /**
     * CORS per {@code config}, configured at {@code at} (such as {@code gateway.security.api.cors})
     * for refusals to name.
     */
    public Cors(CorsConfig config, String at) {
        this.config = Objects.requireNonNull(config, "config");
        this.at = Objects.requireNonNull(at, "at");
        this.anyOrigin = config.allowedOrigins().contains(CorsConfig.ANY_ORIGIN);
        this.origins = Set.copyOf(config.allowedOrigins());
        this.methods = Set.copyOf(config.allowedMethods());
        this.headers = Set.copyOf(config.allowedHeaders());
        this.allowMethods = String.join(", ", config.allowedMethods());
        this.allowHeaders = String.join(", ", config.allowedHeaders());
        this.exposeHeaders = String.join(", ", config.exposedHeaders());
        this.maxAge = Long.toString(config.maxAgeSeconds());
    }

    /** True when CORS is on (some origin allowed). */
    public boolean on() {
        return config.on();
    }

    /**
     * True for a preflight CORS answers: CORS is on and the request is an {@code OPTIONS} with an
     * {@code Origin} and an {@code Access-Control-Request-Method}.
     *
     * @param method the request's method name
     */
    public boolean isPreflight(String method, String origin, String requestMethod) {
        return on() && origin != null && requestMethod != null && "OPTIONS".equals(method);
    }

    /**
     * Answers a preflight: the headers of its 204 into {@code out} and null, or why it is refused
     * (403) with only {@code Vary} written.
     *
     * @param requestMethod its {@code Access-Control-Request-Method}
     * @param requestHeaders its {@code Access-Control-Request-Headers} (a comma-separated list), or
     *     null
     */
    public Refusal preflight(
            String origin, String requestMethod, String requestHeaders, MultiMap out) {
        out.add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        Refusal r = origin(origin);
        if (r != null) {
            return r;
        }
        String m = requestMethod.trim();
        if (!methods.contains(m)) {
            return new Refusal(
                    Code.METHOD_NOT_ALLOWED,
                    "the preflight from origin "
                            + shown(origin)
                            + " asks for method "
                            + shown(m)
                            + ", which is not in "
                            + at
                            + ".allowed-methods "
                            + config.allowedMethods());
        }
        if (requestHeaders != null) {
            for (String name : requestHeaders.split(",", -1)) {
                String h = name.trim().toLowerCase(Locale.ROOT);
                if (!h.isEmpty() && !headers.contains(h) && !SAFELISTED.contains(h)) {
                    return new Refusal(
                            Code.HEADER_NOT_ALLOWED,
                            "the preflight from origin "
                                    + shown(origin)
                                    + " asks for header "
                                    + shown(h)
                                    + ", which is not in "
                                    + at
                                    + ".allowed-headers "
                                    + config.allowedHeaders());
                }
            }
        }
        allowOrigin(origin, out);
        out.add("Access-Control-Allow-Methods", allowMethods);
        if (!allowHeaders.isEmpty()) {
            out.add("Access-Control-Allow-Headers", allowHeaders);
        }
        out.add("Access-Control-Max-Age", maxAge);
        return null;
    }

    /**
     * The CORS headers of an actual (not preflight) request's answer, into {@code out}: nothing
     * when CORS is off; {@code Vary: Origin} alone without an {@code Origin} (a cache must not give
     * this answer to a page); else null with the headers of an allowed origin written, or why the
     * origin is refused (403) with only {@code Vary} written.
     */
    public Refusal actual(String origin, MultiMap out) {
        if (!on()) {
            return null;
        }
        out.add("Vary", "Origin");
        if (origin == null) {
            return null;
        }
        Refusal r = origin(origin);
        if (r != null) {
            return r;
        }
        allowOrigin(origin, out);
        if (!exposeHeaders.isEmpty()) {
            out.add("Access-Control-Expose-Headers", exposeHeaders);
        }
        return null;
    }

    private Refusal origin(String origin) {
        if (anyOrigin || origins.contains(origin.trim().toLowerCase(Locale.ROOT))) {
            return null;
        }
        return new Refusal(
                Code.ORIGIN_NOT_ALLOWED,
                "origin "
                        + shown(origin)
                        + " is not in "
                        + at
                        + ".allowed-origins; pages of the allowed origins only may call this"
                        + " listener");
    }

    /** A value from the request as said back: at most 200 characters. */
    private static String shown(String v) {
        return v.length() <= 200 ? v : v.substring(0, 200) + "...";
    }

    private void allowOrigin(String origin, MultiMap out) {
        out.add("Access-Control-Allow-Origin", anyOrigin ? CorsConfig.ANY_ORIGIN : origin.trim());
        if (config.allowCredentials()) {
            out.add("Access-Control-Allow-Credentials", "true");
        }
    }
}
