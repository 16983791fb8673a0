package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.authentication}: authentication of callers. Placeholder until built: only
 * absent is accepted.
 */
public record AuthConfig() {
    /** Off. */
    public static final AuthConfig OFF = new AuthConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static AuthConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
