package io.ferry.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topics the engine keeps metadata of: those used lately and those held by a user (a consumer
 * that subscribes); any thread.
 */
final class TopicInterest {
    /* Design notes
     * A topic is in use while something touches it at least once per metadata.max.idle.ms (the
     * router does, at most once a second per topic, so the map is not written per event) or while
     * it is held. Topics that fall idle are dropped from the refreshes and from the cache: a typo
     * does not stay in every metadata request forever.
     */
    private final Map<String, Long> lastUsedMs = new ConcurrentHashMap<>();
    private final Map<String, Integer> holds = new ConcurrentHashMap<>();

    /** {@code topic} was used at {@code nowMs}. */
    void use(String topic, long nowMs) {
        lastUsedMs.put(topic, nowMs);
    }

    /** Keeps {@code topic} in use until a matching {@link #release}. */
    void hold(String topic, long nowMs) {
        holds.merge(topic, 1, Integer::sum);
        lastUsedMs.put(topic, nowMs);
    }

    /** Ends one {@link #hold} of {@code topic}. */
    void release(String topic) {
        holds.computeIfPresent(topic, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** The topics in use. */
    Set<String> topics() {
        return Set.copyOf(lastUsedMs.keySet());
    }

    /** True when {@code topic} is in use. */
    boolean contains(String topic) {
        return lastUsedMs.containsKey(topic);
    }

    /** Removes and returns the topics neither held nor used since {@code nowMs - maxIdleMs}. */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a ConcurrentHashMap's view allows it
    List<String> expire(long nowMs, long maxIdleMs) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : lastUsedMs.entrySet()) {
            if (nowMs - e.getValue() >= maxIdleMs
                    && !holds.containsKey(e.getKey())
                    && lastUsedMs.remove(e.getKey(), e.getValue())) {
                out.add(e.getKey());
            }
        }
        return out;
    }
}
