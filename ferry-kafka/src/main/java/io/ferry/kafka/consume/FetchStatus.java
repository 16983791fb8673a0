package io.ferry.kafka.consume;

/**
 * Why a partition of a lane is or is not being fetched now; immutable, any thread.
 *
 * @param code what the state is
 * @param message for operators: what happened and what happens next ("" for {@link Code#FETCHING})
 */
public record FetchStatus(Code code, String message) {
    /** The states of a fetched partition. */
    public enum Code {
        /** Fetched normally (or waiting for its first executor). */
        FETCHING,
        /** The consumer is full ({@link FetchSink#wantsMore()} is false): left out of requests. */
        PAUSED,
        /** Its position is being reset by the lane's policy (ListOffsets). */
        RESETTING,
        /** Its leader moved or is not known: waiting for the mapper to hand it a new executor. */
        LEADER_MOVED,
        /**
         * Kafka says the topic or partition does not exist; metadata is refreshed and it is
         * retried.
         */
        TOPIC_MISSING,
        /** Kafka refuses to let this client read the topic; retried after a backoff. */
        NOT_AUTHORIZED,
        /** Another error from Kafka; retried after a backoff. */
        ERROR,
        /** Stopped (revoked or removed); it is never fetched again. */
        STOPPED
    }

    /** Fetching normally. */
    public static final FetchStatus FETCHING = new FetchStatus(Code.FETCHING, "");

    /** Validates. */
    public FetchStatus {
        if (code == null) {
            throw new IllegalArgumentException("code");
        }
        message = message == null ? "" : message;
    }

    @Override
    public String toString() {
        return message.isEmpty() ? code.name() : code + ": " + message;
    }
}
