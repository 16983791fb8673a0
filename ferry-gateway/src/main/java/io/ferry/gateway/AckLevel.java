package io.ferry.gateway;

import java.util.Locale;

/** When the gateway answers a produce request. */
public enum AckLevel {
    /** Once the request is parsed, validated and handed to the broker without waiting (202). */
    NONE,
    /** Once the broker holds the records (202). */
    LOCAL,
    /** Once Kafka acknowledged every record, with its partition and offset (200). */
    KAFKA;

    /** {@link #wireName()}, computed once: it is written into every produce answer. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The level named {@code s} (none, local, kafka), any case; {@code null} when unknown. */
    static AckLevel parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "local" -> LOCAL;
            case "kafka" -> KAFKA;
            default -> null;
        };
    }

    /** The lower-case name used in requests and configuration. */
    String wireName() {
        return wire;
    }
}
