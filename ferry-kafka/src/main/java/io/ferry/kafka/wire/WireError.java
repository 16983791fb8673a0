package io.ferry.kafka.wire;

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

/**
 * A Kafka protocol error code, classified; immutable.
 *
 * @param code the protocol error code (0 for none)
 * @param name Kafka's name for it, e.g. {@code NOT_LEADER_OR_FOLLOWER}
 * @param retriable whether Kafka classifies it as retriable
 * @param message the broker's message, or Kafka's default text
 */
public record WireError(short code, String name, boolean retriable, String message) {
    /** No error. */
    public static final WireError NONE = of((short) 0, null);

    /** Classifies {@code code}; {@code message} may be null. */
    public static WireError of(short code, String message) {
        Errors e = Errors.forCode(code);
        boolean retriable = e.exception() instanceof RetriableException;
        return new WireError(code, e.name(), retriable, message != null ? message : e.message());
    }

    /** True when this is no error. */
    public boolean isNone() {
        return code == 0;
    }

    /** True for errors that mean "this node is not the partition's leader (any more)". */
    public boolean isLeaderChange() {
        return code == Errors.NOT_LEADER_OR_FOLLOWER.code()
                || code == Errors.FENCED_LEADER_EPOCH.code()
                || code == Errors.UNKNOWN_TOPIC_OR_PARTITION.code()
                || code == Errors.LEADER_NOT_AVAILABLE.code()
                || code == Errors.UNKNOWN_TOPIC_ID.code();
    }

    /**
     * NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS: the node cannot
     * serve the group now (it moved, or is still loading it): find the coordinator again and retry.
     */
    public boolean isCoordinatorError() {
        return code == Errors.NOT_COORDINATOR.code()
                || code == Errors.COORDINATOR_NOT_AVAILABLE.code()
                || code == Errors.COORDINATOR_LOAD_IN_PROGRESS.code();
    }

    /** OUT_OF_ORDER_SEQUENCE_NUMBER: a gap in the idempotent sequence. */
    public boolean isOutOfOrderSequence() {
        return code == Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code();
    }

    /** DUPLICATE_SEQUENCE_NUMBER: the batch was already written (success for us). */
    public boolean isDuplicateSequence() {
        return code == Errors.DUPLICATE_SEQUENCE_NUMBER.code();
    }

    /** The producer id or epoch is no longer valid: a new one is needed. */
    public boolean isProducerFenced() {
        return code == Errors.INVALID_PRODUCER_EPOCH.code()
                || code == Errors.PRODUCER_FENCED.code()
                || code == Errors.UNKNOWN_PRODUCER_ID.code()
                || code == Errors.INVALID_PRODUCER_ID_MAPPING.code();
    }

    @Override
    public String toString() {
        return isNone() ? "NONE" : name + ": " + message;
    }
}
