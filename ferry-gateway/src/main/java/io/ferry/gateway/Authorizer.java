package io.ferry.gateway;

/**
 * Decides whether a caller may write, consume or describe a topic; called by {@link
 * ProduceService}, {@link ConsumeService} and {@link ClusterQueries} on the caller's thread before
 * anything else is checked about the topic (its existence included, so a caller that may not write
 * a topic cannot learn whether it exists). Must not block. {@link RuleAuthorizer} is the gateway's.
 */
@FunctionalInterface
interface Authorizer {
    /** Lets everybody do everything (tests; a gateway whose listeners do not authenticate). */
    Authorizer ALLOW_ALL = (caller, cluster, topic) -> null;

    /**
     * Null when {@code caller} may write {@code topic} of {@code cluster}; else the refusal (code
     * {@link ProduceRefusal.Code#NOT_AUTHORIZED}, a message saying who may not do what).
     */
    ProduceRefusal authorizeProduce(CallContext caller, String cluster, String topic);

    /**
     * Null when {@code caller} may consume {@code topic} of {@code cluster} in {@code group}; else
     * the refusal (code {@link ConsumeRefused.Code#NOT_AUTHORIZED}). {@code group} may be null or
     * empty (the service then refuses the call for want of one): only the topic is checked.
     */
    default ConsumeRefused authorizeConsume(
            CallContext caller, String cluster, String topic, String group) {
        return null;
    }

    /**
     * Null when {@code caller} may describe {@code topic} of {@code cluster} (its metadata, its
     * groups, its offsets); else the refusal (code {@link ProduceRefusal.Code#NOT_AUTHORIZED}).
     */
    default ProduceRefusal authorizeDescribe(CallContext caller, String cluster, String topic) {
        return null;
    }

    /**
     * True when {@code caller} may describe {@code topic} of {@code cluster}: a list call shows it.
     * Not a refusal (not audited): a list shows what may be seen.
     */
    default boolean mayDescribe(CallContext caller, String cluster, String topic) {
        return true;
    }
}
