package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.tls}: TLS on the listener. Placeholder until built: only absent is accepted.
 */
public record TlsConfig() {
    /** Off. */
    public static final TlsConfig OFF = new TlsConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static TlsConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
