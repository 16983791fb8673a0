package io.ferry.gateway.security;

/**
 * The listeners that have security settings of their own ({@code gateway.security.<listener>}): the
 * key of the rules a request is authorized against, and the {@code listener} of audit lines and
 * refusal counters.
 */
public enum Listener {
    /** Ferry's API: the HTTP port and the gRPC port ({@code gateway.security.api}). */
    API("api"),
    /** The kafka-pixy REST listener ({@code gateway.security.kafka-pixy}). */
    KAFKA_PIXY("kafka-pixy"),
    /** The management port ({@code gateway.security.management}). */
    MANAGEMENT("management");

    private final String wireName;

    Listener(String wireName) {
        this.wireName = wireName;
    }

    /** Its name in configuration, audit lines and metrics: {@code api}, {@code kafka-pixy}, ... */
    public String wireName() {
        return wireName;
    }

    /** Its settings in {@code s}. */
    public ListenerSecurity settings(SecurityConfig s) {
        return switch (this) {
            case API -> s.api();
            case KAFKA_PIXY -> s.kafkaPixy();
            case MANAGEMENT -> s.management();
        };
    }

    /** Its configuration key, such as {@code gateway.security.api}. */
    public String key() {
        return "gateway.security." + wireName;
    }
}
