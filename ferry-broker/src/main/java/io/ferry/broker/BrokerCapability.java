package io.ferry.broker;

/**
 * Promises a broker implementation makes beyond the common rules; immutable constants.
 *
 * <p>The conformance suite adapts its checks to these (rule 3.4).
 */
public enum BrokerCapability {
    /**
     * Producers are acknowledged once their events are durably stored, not when a consumer
     * acknowledges the batch holding them.
     */
    ACKS_ON_DURABLE_STORE,
    /** Events buffered and not acknowledged by a consumer survive a close and a restart. */
    KEEPS_EVENTS_ACROSS_RESTART
}
