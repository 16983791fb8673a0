package io.ferry.kafka;

import io.ferry.kafka.wire.DescribedConfigs;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics' {@link TopicConfigs} as the control loop last fetched them; {@link #get} from any
 * thread, never blocking; answers are applied on the control loop's thread.
 */
final class TopicConfigCache {
    /* Design notes
     * Never a guess, never a wait: get() answers what is known now (null until the first answer)
     * and, when the topic's entry is due, posts one DescribeConfigs of that topic to the control
     * loop (its any-node path: ControlLoop.send), at most one in flight per topic (the CAS on
     * fetching). Due: at once for a new entry, then maxAgeMs after an answer, retryMs after a
     * failure.
     * Failure: a topic error (not authorized to describe, unknown topic) forgets the configs, so
     * the topic is "not known" (accept); a transport failure keeps the last known ones (they were
     * true within the last maxAgeMs; configs seldom change) and retries after retryMs.
     * Ordering: the answer writes nextFetchMs (volatile) before releasing fetching, so a reader
     * that wins the next CAS sees the new due time and does not fetch again at once.
     * Size: one entry per topic asked about; KafkaCluster asks only for topics its metadata knows
     * to exist.
     */
    private static final Logger LOG = LoggerFactory.getLogger(TopicConfigCache.class);

    private static final class Entry {
        volatile TopicConfigs configs;
        volatile long nextFetchMs; // 0: due
        final AtomicBoolean fetching = new AtomicBoolean();
    }

    private final ControlLoop control;
    private final LongSupplier clockMs;
    private final long maxAgeMs;
    private final long retryMs;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    TopicConfigCache(ControlLoop control, LongSupplier clockMs, long maxAgeMs, long retryMs) {
        this.control = control;
        this.clockMs = clockMs;
        this.maxAgeMs = maxAgeMs;
        this.retryMs = Math.min(retryMs, maxAgeMs);
    }

    /** What is known of {@code topic}'s configs, or null; starts a fetch when one is due. */
    TopicConfigs get(String topic) {
        Entry e = entries.get(topic);
        if (e == null) {
            e = entries.computeIfAbsent(topic, t -> new Entry());
        }
        if (clockMs.getAsLong() >= e.nextFetchMs && e.fetching.compareAndSet(false, true)) {
            fetch(topic, e);
        }
        return e.configs;
    }

    /** What is known of {@code topic}'s configs, or null; never fetches. */
    TopicConfigs peek(String topic) {
        Entry e = entries.get(topic);
        return e == null ? null : e.configs;
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete handles every outcome
    private void fetch(String topic, Entry e) {
        control.send(new WireRequest.DescribeConfigs(List.of(topic), TopicConfigs.KEYS))
                .whenComplete((o, err) -> answered(topic, e, o, err));
    }

    private void answered(
            String topic, Entry e, Outcome<Map<String, DescribedConfigs>> o, Throwable err) {
        long now = clockMs.getAsLong();
        try {
            if (err != null || !o.succeeded()) {
                e.nextFetchMs = now + retryMs; // keeps what was known
                LOG.debug(
                        "cannot describe the configs of topic {} now ({}); retrying in {} ms",
                        topic,
                        err != null ? err.getMessage() : o.failure().message(),
                        retryMs);
                return;
            }
            DescribedConfigs d = o.response().get(topic);
            if (d == null || !d.error().isNone()) {
                e.configs = null;
                e.nextFetchMs = now + retryMs;
                LOG.debug(
                        "Kafka does not describe the configs of topic {} ({}); its records are"
                                + " not checked against them, asking again in {} ms",
                        topic,
                        d == null ? "no answer for it" : d.error(),
                        retryMs);
                return;
            }
            e.configs = TopicConfigs.from(d.configs(), now);
            e.nextFetchMs = now + maxAgeMs;
        } finally {
            e.fetching.set(false); // after nextFetchMs: see the design notes
        }
    }
}
