package io.ferry.kafka.consume;

import io.ferry.kafka.wire.WireError;
import java.util.Objects;

/**
 * Why a {@link GroupMember} stopped for good ({@link MemberState#FATAL}); immutable.
 *
 * @param code what kind of failure
 * @param kafkaError Kafka's error name (e.g. {@code GROUP_AUTHORIZATION_FAILED}), or null when the
 *     failure is not a protocol error
 * @param message what happened and what to do, for operators
 */
public record MembershipFailure(Code code, String kafkaError, String message) {
    /** The kinds of fatal failure. */
    public enum Code {
        /** The client may not use the group ({@code GROUP_AUTHORIZATION_FAILED}). */
        NOT_AUTHORIZED,
        /** The coordinator refused the request as malformed ({@code INVALID_REQUEST}). */
        INVALID_REQUEST,
        /** The configured server assignor is not one the brokers know. */
        UNSUPPORTED_ASSIGNOR,
        /** The group has {@code group.consumer.max.size} members already. */
        GROUP_MAX_SIZE_REACHED,
        /** The brokers do not support KIP-848 groups (or this version of it). */
        UNSUPPORTED_VERSION,
        /** SASL or TLS refused the connection to the coordinator. */
        AUTHENTICATION,
        /** Any other error Kafka does not call retriable. */
        UNEXPECTED
    }

    /** Validates. */
    public MembershipFailure {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /**
     * True when a heartbeat answered {@code e} stops the member: the four errors Kafka's client
     * treats as fatal, UNSUPPORTED_VERSION, and any error Kafka does not call retriable.
     */
    static boolean isFatal(WireError e) {
        return switch (e.name()) {
            case "GROUP_AUTHORIZATION_FAILED",
                    "INVALID_REQUEST",
                    "UNSUPPORTED_ASSIGNOR",
                    "GROUP_MAX_SIZE_REACHED",
                    "UNSUPPORTED_VERSION" ->
                    true;
            default -> !e.retriable();
        };
    }

    /** The code of a fatal {@code e}. */
    static Code codeOf(WireError e) {
        return switch (e.name()) {
            case "GROUP_AUTHORIZATION_FAILED" -> Code.NOT_AUTHORIZED;
            case "INVALID_REQUEST" -> Code.INVALID_REQUEST;
            case "UNSUPPORTED_ASSIGNOR" -> Code.UNSUPPORTED_ASSIGNOR;
            case "GROUP_MAX_SIZE_REACHED" -> Code.GROUP_MAX_SIZE_REACHED;
            case "UNSUPPORTED_VERSION" -> Code.UNSUPPORTED_VERSION;
            default -> Code.UNEXPECTED;
        };
    }

    @Override
    public String toString() {
        return code + (kafkaError == null ? "" : " (" + kafkaError + ")") + ": " + message;
    }
}
