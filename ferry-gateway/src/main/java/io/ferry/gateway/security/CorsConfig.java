package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.cors}: CORS for browser clients. Placeholder until built: only absent is
 * accepted.
 */
public record CorsConfig() {
    /** Off. */
    public static final CorsConfig OFF = new CorsConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static CorsConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
