package io.ferry.broker;

/**
 * A broker type or setting was wrong; the message names the type or setting and what is accepted
 * (rules 4.2, 4.3). Immutable.
 */
public class BrokerConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** With a message naming what was wrong. */
    public BrokerConfigException(String message) {
        super(message);
    }
}
