package io.ferry.gateway;

/**
 * Decides whether a caller may write (or consume) a topic; called by {@link ProduceService} (and
 * {@link ConsumeService}) on the caller's thread before anything else is checked about the topic
 * (its existence included, so a caller that may not write a topic cannot learn whether it exists).
 * Must not block.
 */
@FunctionalInterface
interface Authorizer {
    /** Lets everybody write everything: the gateway has no authentication yet. */
    Authorizer ALLOW_ALL = (caller, cluster, topic) -> null;

    /**
     * Null when {@code caller} may write {@code topic} of {@code cluster}; else the refusal (code
     * {@link ProduceRefusal.Code#NOT_AUTHORIZED}, a message saying who may not do what).
     */
    ProduceRefusal authorizeProduce(CallContext caller, String cluster, String topic);

    /**
     * Null when {@code caller} may consume {@code topic} of {@code cluster} in {@code group}; else
     * the refusal (code {@link ConsumeRefused.Code#NOT_AUTHORIZED}). Everybody may until the
     * gateway authenticates callers.
     */
    default ConsumeRefused authorizeConsume(
            CallContext caller, String cluster, String topic, String group) {
        return null;
    }
}
