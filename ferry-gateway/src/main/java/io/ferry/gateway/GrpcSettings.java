package io.ferry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code gateway.grpc.*} settings: where the gateway serves gRPC (Ferry's own service and
 * kafka-pixy's) and how large a message may be; immutable, any thread.
 *
 * @param port {@link #AUTO} (the default): a port of its own, {@value #DEFAULT_PORT}, or any free
 *     one when the HTTP port is 0; 0: any free port; else that port of its own (the HTTP port stays
 *     HTTP/1.1 only with all of these); {@link #SAME_PORT}: on the HTTP port, which then speaks
 *     HTTP/2 cleartext too; {@link #OFF}: no gRPC
 * @param maxMessageBytes the largest gRPC message accepted, in bytes; a larger one is answered
 *     RESOURCE_EXHAUSTED without being read into memory
 */
public record GrpcSettings(int port, int maxMessageBytes) {
    /** {@link #port}: {@value #DEFAULT_PORT}, or a free port when the HTTP port is 0. */
    public static final int AUTO = -3;

    /** {@link #port}: gRPC on the HTTP port. */
    public static final int SAME_PORT = -2;

    /** {@link #port}: no gRPC. */
    public static final int OFF = -1;

    /** The default largest message: 4 MiB, grpc-java's and kafka-pixy's default. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;

    /**
     * The default gRPC port: kafka-pixy's, so its clients' addresses carry over. A port of its own
     * because HTTP/2 on the HTTP port would disarm its slow-client defences (docs/gateway.md).
     */
    public static final int DEFAULT_PORT = 19091;

    /** The default: {@link #AUTO}, 4 MiB. */
    public static final GrpcSettings DEFAULT = new GrpcSettings(AUTO, DEFAULT_MAX_MESSAGE_BYTES);

    static final Set<String> KEYS = Set.of("port", "max-message-bytes");

    /** Validates the ranges. */
    public GrpcSettings {
        if (port < AUTO || port > 65_535) {
            throw new GatewayConfig.ConfigException(
                    "gateway.grpc.port is " + port + "; expected 0..65535, same or off");
        }
        if (maxMessageBytes < 1) {
            throw new GatewayConfig.ConfigException(
                    "gateway.grpc.max-message-bytes is "
                            + maxMessageBytes
                            + "; expected at least 1");
        }
    }

    /** True when gRPC is served on a port of its own. */
    public boolean ownPort() {
        return port >= 0 || port == AUTO;
    }

    /**
     * The port of its own to bind (0: any free one) when the HTTP port is {@code httpPort}; only
     * when {@link #ownPort()}.
     */
    public int ownPort(int httpPort) {
        if (port == AUTO) {
            return httpPort == 0 ? 0 : DEFAULT_PORT;
        }
        return port;
    }

    /** This with another port ({@link #AUTO}, {@link #SAME_PORT}, {@link #OFF}, 0 or a port). */
    public GrpcSettings withPort(int p) {
        return new GrpcSettings(p, maxMessageBytes);
    }

    /** The settings of the {@code gateway.grpc} map (missing: the defaults). */
    static GrpcSettings parse(JsonNode g) {
        if (g.isMissingNode() || g.isNull()) {
            return DEFAULT;
        }
        if (!g.isObject()) {
            throw new GatewayConfig.ConfigException(
                    "gateway.grpc must be a map of settings (port, max-message-bytes)");
        }
        for (java.util.Iterator<String> it = g.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new GatewayConfig.ConfigException(
                        "unknown setting 'gateway.grpc."
                                + key
                                + "'; known: "
                                + new TreeSet<>(KEYS));
            }
        }
        return new GrpcSettings(
                port(g.path("port")),
                (int)
                        number(
                                g.path("max-message-bytes"),
                                "max-message-bytes",
                                DEFAULT_MAX_MESSAGE_BYTES,
                                Integer.MAX_VALUE));
    }

    private static int port(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return DEFAULT.port();
        }
        if ((v.isBoolean() && !v.asBoolean())
                || (v.isTextual() && v.asText().trim().equals("off"))) {
            return OFF;
        }
        if (v.isTextual() && v.asText().trim().equals("same")) {
            return SAME_PORT;
        }
        return (int) number(v, "port", DEFAULT.port(), 65_535);
    }

    private static long number(JsonNode v, String key, long def, long max) {
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        long n;
        try {
            if (!v.isIntegralNumber() && !v.isTextual()) {
                throw new NumberFormatException();
            }
            n = v.isIntegralNumber() ? v.asLong() : Long.parseLong(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new GatewayConfig.ConfigException(
                    "gateway.grpc."
                            + key
                            + " is '"
                            + v.asText()
                            + "'; expected "
                            + (key.equals("port")
                                    ? "a port 0..65535, same (the HTTP port) or off"
                                    : "an integer 1.." + max));
        }
        if (n < (key.equals("port") ? 0 : 1) || n > max) {
            throw new GatewayConfig.ConfigException(
                    "gateway.grpc."
                            + key
                            + " is "
                            + n
                            + "; expected "
                            + (key.equals("port") ? "a port 0..65535, same or off" : "1.." + max));
        }
        return n;
    }
}
