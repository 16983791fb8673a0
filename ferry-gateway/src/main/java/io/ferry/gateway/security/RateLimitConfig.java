package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.Locale;
import java.util.Set;

/**
 * {@code <listener>.rate-limits}: requests and request-body bytes per second per caller (an
 * authenticated principal; with authentication off, a client address unless {@code anonymous:
 * unlimited}); immutable, any thread. Enforced by {@link RateLimiter}; the model is in {@code
 * docs/security.md}, "Rate limits and CORS".
 *
 * <pre>
 * rate-limits:
 *   requests-per-second: 100     # 0: no limit of requests
 *   bytes-per-second: 10485760   # 0: no limit of request-body bytes
 *   burst-seconds: 1             # a full bucket holds this many seconds of the rate
 *   anonymous: per-address       # or unlimited: callers that are not authenticated
 * </pre>
 *
 * @param requestsPerSecond {@code requests-per-second}: requests (HTTP requests, gRPC calls) per
 *     second per caller; 0 is no limit
 * @param bytesPerSecond {@code bytes-per-second}: request-body bytes per second per caller; 0 is no
 *     limit
 * @param burstSeconds {@code burst-seconds}: a caller idle for this long may send this many
 *     seconds' worth of the rates at once (1..3600)
 * @param anonymous {@code anonymous}: how callers without a principal are limited
 */
public record RateLimitConfig(
        long requestsPerSecond, long bytesPerSecond, int burstSeconds, Anonymous anonymous) {

    /** How callers that are not authenticated (the listener does not authenticate) are limited. */
    public enum Anonymous {
        /** Each client IP address has buckets of its own (the default). */
        PER_ADDRESS,
        /** Not limited at all. */
        UNLIMITED;

        /** Its name in configuration: {@code per-address}, {@code unlimited}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The largest rate of requests accepted. */
    static final long MAX_REQUESTS_PER_SECOND = 1_000_000_000L;

    /** The largest rate of bytes accepted (1 PB/s: anything real). */
    static final long MAX_BYTES_PER_SECOND = 1L << 50;

    static final int MAX_BURST_SECONDS = 3600;

    /** No limits (the default). */
    public static final RateLimitConfig OFF = new RateLimitConfig(0, 0, 1, Anonymous.PER_ADDRESS);

    static final Set<String> KEYS =
            Set.of("requests-per-second", "bytes-per-second", "burst-seconds", "anonymous");

    /** Validates; the errors name the keys as under {@code <listener>.rate-limits}. */
    public RateLimitConfig {
        String at = "rate-limits";
        if (requestsPerSecond < 0 || requestsPerSecond > MAX_REQUESTS_PER_SECOND) {
            throw new ConfigException(
                    at
                            + ".requests-per-second is "
                            + requestsPerSecond
                            + "; expected 0.."
                            + MAX_REQUESTS_PER_SECOND
                            + " (0: no limit)");
        }
        if (bytesPerSecond < 0 || bytesPerSecond > MAX_BYTES_PER_SECOND) {
            throw new ConfigException(
                    at
                            + ".bytes-per-second is "
                            + bytesPerSecond
                            + "; expected 0.."
                            + MAX_BYTES_PER_SECOND
                            + " (0: no limit)");
        }
        if (burstSeconds < 1 || burstSeconds > MAX_BURST_SECONDS) {
            throw new ConfigException(
                    at
                            + ".burst-seconds is "
                            + burstSeconds
                            + "; expected 1.."
                            + MAX_BURST_SECONDS);
        }
        java.util.Objects.requireNonNull(anonymous, "anonymous");
    }

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static RateLimitConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        String anon = ConfigNodes.text(n, at, "anonymous", Anonymous.PER_ADDRESS.wireName());
        Anonymous a = null;
        for (Anonymous x : Anonymous.values()) {
            if (x.wireName().equals(anon.trim().toLowerCase(Locale.ROOT))) {
                a = x;
            }
        }
        if (a == null) {
            throw new ConfigException(
                    at + ".anonymous is '" + anon + "'; expected per-address or unlimited");
        }
        return new RateLimitConfig(
                ConfigNodes.number(n, at, "requests-per-second", 0, 0, MAX_REQUESTS_PER_SECOND),
                ConfigNodes.number(n, at, "bytes-per-second", 0, 0, MAX_BYTES_PER_SECOND),
                (int) ConfigNodes.number(n, at, "burst-seconds", 1, 1, MAX_BURST_SECONDS),
                a);
    }

    /** True when some limit is set. */
    public boolean on() {
        return requestsPerSecond > 0 || bytesPerSecond > 0;
    }

    /** Limits of {@code requests} and {@code bytes} per second, the rest as this (tests, code). */
    public RateLimitConfig withRates(long requests, long bytes) {
        return new RateLimitConfig(requests, bytes, burstSeconds, anonymous);
    }
}
