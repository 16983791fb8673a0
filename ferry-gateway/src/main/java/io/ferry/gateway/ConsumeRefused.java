package io.ferry.gateway;

import java.util.Objects;

/**
 * Why {@link ConsumeService} refuses a call; immutable, carries no stack trace. Transport neutral:
 * a front end maps {@link #code} to its own answer (HTTP status, gRPC status); {@link #getMessage}
 * is for people (what was wrong and what is accepted, or what happens next).
 */
final class ConsumeRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Every reason the consume service refuses a call. */
    enum Code {
        /** A parameter is missing or out of range (no group, max 0, a wait over the limit). */
        INVALID_REQUEST,
        /** No cluster of that name is configured. */
        UNKNOWN_CLUSTER,
        /** The caller may not consume the topic in that group (the {@link Authorizer}). */
        NOT_AUTHORIZED,
        /** The group name is not one Kafka accepts. */
        INVALID_GROUP,
        /** The topic name is not valid, or the topic is internal to Kafka. */
        INVALID_TOPIC,
        /** The topic does not exist. */
        UNKNOWN_TOPIC,
        /** Too many long polls wait in this gateway already: retry later. */
        TOO_MANY_WAITING,
        /**
         * An acknowledgement for a group this gateway does not consume (it never offered the
         * message: acknowledgements are local to the instance that offered it).
         */
        NOT_CONSUMED_HERE,
        /** The partition is not owned by this gateway's member of the group (it moved). */
        NOT_OWNED,
        /** This gateway never offered that offset (or it is not out for acknowledgement). */
        NEVER_OFFERED,
        /** The group cannot be consumed (Kafka refused the membership for good). */
        GROUP_FAILED,
        /** Kafka refused the request (e.g. setting offsets while the group has members). */
        REFUSED,
        /** Kafka did not answer in time. */
        KAFKA_UNAVAILABLE,
        /** The gateway is closing. */
        CLOSING,
        /** A bug; logged where it happened. */
        INTERNAL
    }

    final Code code;

    ConsumeRefused(Code code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The HTTP status of {@code code} in Ferry's own API. */
    static int httpStatus(Code code) {
        return switch (code) {
            case INVALID_REQUEST, INVALID_GROUP, INVALID_TOPIC -> 400;
            case NOT_AUTHORIZED -> 403;
            case UNKNOWN_CLUSTER, UNKNOWN_TOPIC -> 404;
            case NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED, REFUSED -> 409;
            case TOO_MANY_WAITING -> 429;
            case GROUP_FAILED, KAFKA_UNAVAILABLE, CLOSING -> 503;
            case INTERNAL -> 500;
        };
    }

    /**
     * The stable machine-readable code of Ferry's API ({@code "never_offered"}): the code's name in
     * lower case, except where the produce side's error code says the same thing (a client sees one
     * code for an unknown topic, or for a bug, whichever endpoint it called).
     */
    static String wireName(Code code) {
        return switch (code) {
            case UNKNOWN_TOPIC -> "topic_not_found";
            case INTERNAL -> "internal_error";
            default -> code.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
