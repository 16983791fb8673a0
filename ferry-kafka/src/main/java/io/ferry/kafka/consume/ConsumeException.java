package io.ferry.kafka.consume;

/** Why a consume call could not do what it was asked; the message says so in words. */
public final class ConsumeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The reasons. */
    public enum Reason {
        /** The partition is not owned by this member (never, or not any more): nothing was done. */
        NOT_OWNED,
        /** The group's membership failed for good (see the message: Kafka's refusal). */
        FAILED,
        /** The group consumer (or its engine) is closed. */
        CLOSED,
        /** Kafka says the topic does not exist (or the partition is not one of it). */
        UNKNOWN_TOPIC,
        /** Kafka refused the request (see the message: Kafka's error), e.g. not authorized. */
        REFUSED,
        /** Kafka did not answer within the timeout asked for. */
        TIMED_OUT
    }

    private final Reason reason;

    ConsumeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    ConsumeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why. */
    public Reason reason() {
        return reason;
    }
}
