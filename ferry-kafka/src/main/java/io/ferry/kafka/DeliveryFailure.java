package io.ferry.kafka;

import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;

/**
 * Why an event will not reach Kafka, or why an answer about it cannot be given now; immutable.
 * Switch on {@link #code()}; {@link #message()} is for people.
 *
 * @param code what kind of failure
 * @param kafkaError Kafka's error name (e.g. {@code MESSAGE_TOO_LARGE}) where Kafka said one, else
 *     null
 * @param message what happened, naming the record's topic and what is accepted where it helps
 */
public record DeliveryFailure(Code code, String kafkaError, String message) {
    /** The kinds of failure. */
    public enum Code {
        /** The record is over {@code max.request.size} or the topic's {@code max.message.bytes}. */
        RECORD_TOO_LARGE,
        /** The topic does not exist. */
        UNKNOWN_TOPIC,
        /** The topic exists but has no such partition. */
        UNKNOWN_PARTITION,
        /** The topic name is invalid, or the topic is internal and cannot be written. */
        INVALID_TOPIC,
        /** Kafka refused the record itself (a timestamp out of range, a corrupt record ...). */
        INVALID_RECORD,
        /** Kafka refused an operation this client is not authorized for. */
        AUTHORIZATION,
        /** The connection's authentication failed (SASL credentials, TLS handshake). */
        AUTHENTICATION,
        /** The node does not support a request version the engine needs. */
        UNSUPPORTED_VERSION,
        /**
         * Not acknowledged within {@code delivery.timeout.ms}: the outcome of the request that
         * waited; the record itself may still reach Kafka later.
         */
        DELIVERY_TIMEOUT,
        /** The engine closed before the record reached Kafka. */
        NOT_DELIVERED,
        /** Any other error Kafka will not take back on a retry. */
        KAFKA_ERROR,
        /** A bug in the engine; logged with its stack trace. */
        INTERNAL
    }

    /** Validates. */
    public DeliveryFailure {
        if (code == null || message == null) {
            throw new IllegalArgumentException("a delivery failure needs a code and a message");
        }
    }

    /** A failure without a Kafka error. */
    public static DeliveryFailure of(Code code, String message) {
        return new DeliveryFailure(code, null, message);
    }

    /**
     * The failure for a Kafka error that the engine will not retry, about {@code what} (e.g. {@code
     * "topic 'orders' partition 3"}).
     */
    public static DeliveryFailure of(WireError error, String what) {
        return new DeliveryFailure(codeOf(error.name()), error.name(), what + ": " + error);
    }

    /** The failure for a connection that cannot be made with these settings. */
    public static DeliveryFailure of(WireFailure failure, String what) {
        Code code =
                switch (failure.kind()) {
                    case AUTHENTICATION -> Code.AUTHENTICATION;
                    case UNSUPPORTED_VERSION -> Code.UNSUPPORTED_VERSION;
                    default -> Code.KAFKA_ERROR;
                };
        return new DeliveryFailure(code, null, what + ": " + failure.message());
    }

    /** The code of Kafka's error {@code name}. */
    static Code codeOf(String name) {
        return switch (name) {
            case "MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE" -> Code.RECORD_TOO_LARGE;
            case "UNKNOWN_TOPIC_OR_PARTITION", "UNKNOWN_TOPIC_ID" -> Code.UNKNOWN_TOPIC;
            case "INVALID_TOPIC_EXCEPTION", "INVALID_REPLICATION_FACTOR" -> Code.INVALID_TOPIC;
            case "INVALID_RECORD",
                    "INVALID_TIMESTAMP",
                    "CORRUPT_MESSAGE",
                    "INVALID_REQUIRED_ACKS" ->
                    Code.INVALID_RECORD;
            case "TOPIC_AUTHORIZATION_FAILED",
                    "CLUSTER_AUTHORIZATION_FAILED",
                    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                    "GROUP_AUTHORIZATION_FAILED" ->
                    Code.AUTHORIZATION;
            case "SASL_AUTHENTICATION_FAILED", "ILLEGAL_SASL_STATE", "UNSUPPORTED_SASL_MECHANISM" ->
                    Code.AUTHENTICATION;
            case "UNSUPPORTED_VERSION",
                    "UNSUPPORTED_FOR_MESSAGE_FORMAT",
                    "UNSUPPORTED_COMPRESSION_TYPE" ->
                    Code.UNSUPPORTED_VERSION;
            default -> Code.KAFKA_ERROR;
        };
    }

    @Override
    public String toString() {
        return code
                + (kafkaError == null || kafkaError.equals(code.name()) ? "" : "/" + kafkaError)
                + ": "
                + message;
    }
}
