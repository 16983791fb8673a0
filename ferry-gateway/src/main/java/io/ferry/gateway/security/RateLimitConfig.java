package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.rate-limits}: per-principal rate limits. Placeholder until built: only absent
 * is accepted.
 */
public record RateLimitConfig() {
    /** Off. */
    public static final RateLimitConfig OFF = new RateLimitConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static RateLimitConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
