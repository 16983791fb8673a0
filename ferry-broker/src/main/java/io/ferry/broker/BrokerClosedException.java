package io.ferry.broker;

/** Thrown by a call on a closed broker or consumer (rule 2.5); immutable. */
public class BrokerClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** With a message saying what was closed. */
    public BrokerClosedException(String message) {
        super(message);
    }
}
