package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.authorization}: authorization rules. Placeholder until built: only absent is
 * accepted.
 */
public record AccessConfig() {
    /** Off. */
    public static final AccessConfig OFF = new AccessConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static AccessConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
