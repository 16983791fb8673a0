package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Set;

/**
 * {@code gateway.security}: the security of each listener, each with its own settings (the
 * kafka-pixy listener's clients send no credentials, so it usually has TLS and network limits
 * rather than authentication); immutable, any thread. Every setting is in {@code
 * docs/configuration.md}; the model in {@code docs/security.md}.
 *
 * @param api {@code gateway.security.api}: Ferry's API, the HTTP port and the gRPC port
 * @param kafkaPixy {@code gateway.security.kafka-pixy}: the kafka-pixy listener
 * @param management {@code gateway.security.management}: the management port (its {@code /healthz}
 *     and {@code /readyz} stay open)
 */
public record SecurityConfig(
        ListenerSecurity api, ListenerSecurity kafkaPixy, ListenerSecurity management) {
    /** Every listener open and in clear text (the default). */
    public static final SecurityConfig OFF =
            new SecurityConfig(ListenerSecurity.OFF, ListenerSecurity.OFF, ListenerSecurity.OFF);

    static final Set<String> KEYS = Set.of("api", "kafka-pixy", "management");

    /** Validates. */
    public SecurityConfig {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(kafkaPixy, "kafkaPixy");
        Objects.requireNonNull(management, "management");
    }

    /** Parses {@code gateway.security} ({@code n}); absent: {@link #OFF}. */
    public static SecurityConfig parse(JsonNode n) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, "gateway.security", KEYS);
        return new SecurityConfig(
                ListenerSecurity.parse(n.path("api"), "gateway.security.api"),
                ListenerSecurity.parse(n.path("kafka-pixy"), "gateway.security.kafka-pixy"),
                ListenerSecurity.parse(n.path("management"), "gateway.security.management"));
    }

    /** This with other settings for Ferry's API. */
    public SecurityConfig withApi(ListenerSecurity a) {
        return new SecurityConfig(a, kafkaPixy, management);
    }

    /** This with other settings for the kafka-pixy listener. */
    public SecurityConfig withKafkaPixy(ListenerSecurity k) {
        return new SecurityConfig(api, k, management);
    }

    /** This with other settings for the management port. */
    public SecurityConfig withManagement(ListenerSecurity m) {
        return new SecurityConfig(api, kafkaPixy, m);
    }
}
