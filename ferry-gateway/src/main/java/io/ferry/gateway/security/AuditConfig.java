package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;

/**
 * {@code <listener>.audit}: the audit log of refused requests. Placeholder until built: only absent
 * is accepted.
 */
public record AuditConfig() {
    /** Off. */
    public static final AuditConfig OFF = new AuditConfig();

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static AuditConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        throw new ConfigException(at + " is not supported yet");
    }
}
