package io.ferry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of the kafka-pixy listener ({@code gateway.kafka-pixy.*}): a port of its own that
 * serves kafka-pixy's REST API with kafka-pixy's meanings (docs/gateway.md, "kafka-pixy
 * compatibility"); immutable, any thread.
 *
 * <pre>
 * gateway:
 *   kafka-pixy:
 *     enabled: true
 *     host: 127.0.0.1     # the default: only this machine's clients reach it
 *     port: 19092         # kafka-pixy's own default HTTP port
 * </pre>
 *
 * @param enabled {@code gateway.kafka-pixy.enabled}: serve the listener (off by default)
 * @param host {@code gateway.kafka-pixy.host}: the address it listens on
 * @param port {@code gateway.kafka-pixy.port}: its TCP port (0: any free port)
 */
public record KafkaPixyConfig(boolean enabled, String host, int port) {
    /** kafka-pixy's default HTTP port ({@code --tcpAddr 0.0.0.0:19092}). */
    public static final int DEFAULT_PORT = 19092;

    /** The default address: loopback, since the listener has no TLS yet. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The default: off, on 127.0.0.1:19092 once enabled. */
    public static final KafkaPixyConfig OFF =
            new KafkaPixyConfig(false, DEFAULT_HOST, DEFAULT_PORT);

    static final Set<String> KEYS = Set.of("enabled", "host", "port");

    /**
     * The kafka-pixy listener could not listen on its address at start; the message says which and
     * what to set.
     */
    public static final class CannotListen extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final boolean portInUse;

        CannotListen(String message, boolean portInUse, Throwable cause) {
            super(message, cause);
            this.portInUse = portInUse;
        }

        /** True when the port is taken (by another process, or another listener of this one). */
        public boolean portInUse() {
            return portInUse;
        }
    }

    /** Validates. */
    public KafkaPixyConfig {
        if (host == null || host.isBlank()) {
            throw new GatewayConfig.ConfigException(
                    "gateway.kafka-pixy.host is empty; expected an address such as 127.0.0.1");
        }
        if (port < 0 || port > 65_535) {
            throw new GatewayConfig.ConfigException(
                    "gateway.kafka-pixy.port is " + port + "; expected 0..65535");
        }
    }

    /** Enabled on {@code host}:{@code port}. */
    public static KafkaPixyConfig on(String host, int port) {
        return new KafkaPixyConfig(true, host, port);
    }

    /**
     * The warning to log at start when the listener is reachable from other machines without TLS or
     * authentication, else null: any address that is not a loopback one (an unresolvable name
     * counts as exposed). {@code boundPort} is the port it listens on.
     */
    String exposureWarning(int boundPort) {
        return exposureWarning(boundPort, io.ferry.gateway.security.ListenerSecurity.OFF);
    }

    /**
     * {@link #exposureWarning(int)} with the listener's security ({@code
     * gateway.security.kafka-pixy}): none once it has both TLS and authentication.
     */
    String exposureWarning(int boundPort, io.ferry.gateway.security.ListenerSecurity security) {
        if (!enabled) {
            return null;
        }
        return Exposure.warning(
                "the kafka-pixy listener",
                host,
                boundPort,
                security,
                "gateway.kafka-pixy.host "
                        + DEFAULT_HOST
                        + " keeps it to this machine; gateway.security.kafka-pixy.tls and"
                        + " .authentication protect it");
    }

    /** {@code gateway.kafka-pixy} of the configuration ({@code n}: missing means {@link #OFF}). */
    static KafkaPixyConfig parse(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return OFF;
        }
        if (!n.isObject()) {
            throw new GatewayConfig.ConfigException(
                    "gateway.kafka-pixy must be a map of settings (enabled, host, port)");
        }
        n.fieldNames()
                .forEachRemaining(
                        k -> {
                            if (!KEYS.contains(k)) {
                                throw new GatewayConfig.ConfigException(
                                        "unknown setting 'gateway.kafka-pixy."
                                                + k
                                                + "'; known: "
                                                + new TreeSet<>(KEYS));
                            }
                        });
        return new KafkaPixyConfig(enabled(n.path("enabled")), host(n.path("host")), port(n));
    }

    private static boolean enabled(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        String t = v.asText().trim();
        if (v.isBoolean() || t.equals("true") || t.equals("false")) {
            return v.isBoolean() ? v.asBoolean() : Boolean.parseBoolean(t);
        }
        throw new GatewayConfig.ConfigException(
                "gateway.kafka-pixy.enabled is '" + v.asText() + "'; expected true or false");
    }

    private static String host(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return DEFAULT_HOST;
        }
        if (v.isContainerNode()) {
            throw new GatewayConfig.ConfigException(
                    "gateway.kafka-pixy.host must be a single value");
        }
        return v.asText().trim();
    }

    private static int port(JsonNode n) {
        JsonNode v = n.path("port");
        if (v.isMissingNode() || v.isNull()) {
            return DEFAULT_PORT;
        }
        String t = v.asText().trim();
        if ((v.isIntegralNumber() || v.isTextual()) && t.matches("[0-9]{1,5}")) {
            int p = Integer.parseInt(t);
            if (p <= 65_535) {
                return p;
            }
        }
        throw new GatewayConfig.ConfigException(
                "gateway.kafka-pixy.port is '"
                        + v.asText()
                        + "'; expected a port 0..65535 (0 picks a free one)");
    }
}
