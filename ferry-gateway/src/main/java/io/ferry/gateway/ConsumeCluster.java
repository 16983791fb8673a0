package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumeEngine;
import io.ferry.kafka.consume.ConsumeException;
import io.ferry.kafka.consume.GroupConsumer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster's consumption in this gateway: its consume engine (started on first use), the groups
 * this gateway consumes (one member per group, subscribed to the topics its clients asked for), and
 * the long polls waiting. Any thread.
 */
final class ConsumeCluster implements AutoCloseable {
    /* Design notes
     * A group is created by the first request for it and subscribed to each topic a request
     * names (kafka-pixy's model). It leaves the group after config.groupIdleMs() with no request
     * (poll, acknowledgement, release) and nothing attached (a waiting poll, an open stream: a
     * lease); expireIdle() removes it from the map BEFORE closing it, so a request that finds it
     * afterwards waits for the leave (whenLeft) and makes a new one. A request that got it just
     * before gets CLOSED from the consumer, which the service retries once the same way (the
     * consumer is gone, not the messages: what it offered and nobody acknowledged is offered
     * again by the group).
     * Closing a consumer blocks (it leaves the group cleanly), so expireIdle runs on the janitor
     * thread of the service, never on an event loop.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ConsumeCluster.class);

    final String name;
    final ClusterBackend backend;
    final ConsumeConfig config;
    private final Supplier<ConsumeEngine> starter;
    private final LongSupplier clockMs;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /** Groups being left as idle now: done once the member left. */
    private final Map<String, CompletableFuture<Void>> leaving = new ConcurrentHashMap<>();

    private volatile ConsumeEngine engine; // written under this
    private volatile boolean closed;

    /** Long polls waiting now, against config.maxWaiting(). */
    final AtomicInteger waiting = new AtomicInteger();

    /** One group this gateway consumes. */
    static final class Group {
        final GroupConsumer consumer;
        private final LongSupplier clockMs;
        private volatile long lastUsedMs;
        private final AtomicInteger leases = new AtomicInteger();

        Group(GroupConsumer consumer, LongSupplier clockMs) {
            this.consumer = consumer;
            this.clockMs = clockMs;
            this.lastUsedMs = clockMs.getAsLong();
        }

        /** A request used it now. */
        void touch() {
            lastUsedMs = clockMs.getAsLong();
        }

        /** Something (a stream) holds it: it does not expire until released. */
        void lease() {
            leases.incrementAndGet();
            touch();
        }

        /** Releases a {@link #lease}. */
        void unlease() {
            leases.decrementAndGet();
            touch();
        }

        boolean idleSince(long nowMs, long idleMs) {
            return leases.get() == 0
                    && consumer.pollsWaiting() == 0
                    && nowMs - lastUsedMs >= idleMs;
        }
    }

    ConsumeCluster(
            String name,
            ClusterBackend backend,
            ConsumeConfig config,
            Supplier<ConsumeEngine> starter,
            LongSupplier clockMs) {
        this.name = name;
        this.backend = backend;
        this.config = config;
        this.starter = starter;
        this.clockMs = clockMs;
    }

    /** The engine, started now if it was not. */
    ConsumeEngine engine() {
        ConsumeEngine e = engine;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (engine == null) {
                engine = starter.get();
                LOG.info("cluster {}: consume engine started", name);
            }
            return engine;
        }
    }

    /** The engine when started, else null (metrics). */
    ConsumeEngine startedEngine() {
        return engine;
    }

    /** The group this gateway consumes, or null; touches it. */
    Group group(String group) {
        Group g = groups.get(group);
        if (g != null) {
            g.touch();
        }
        return g;
    }

    /** The groups this gateway consumes now, by name. */
    Map<String, Group> groups() {
        return Map.copyOf(groups);
    }

    /**
     * The group, joined now if this gateway did not consume it, subscribed to {@code topic}.
     *
     * @throws ConsumeRefused CLOSING while a former consumer of the group is still leaving it, or
     *     once this is closed (the gateway shuts down)
     */
    Group subscribe(String group, String topic) {
        if (closed) {
            throw closing();
        }
        Group g =
                groups.computeIfAbsent(
                        group,
                        k -> {
                            try {
                                return new Group(engine().subscribe(k, List.of(topic)), clockMs);
                            } catch (IllegalStateException e) {
                                if (closed) {
                                    throw closing();
                                }
                                throw new ConsumeRefused(
                                        ConsumeRefused.Code.CLOSING,
                                        "group '"
                                                + k
                                                + "' is being left by this gateway (it was idle);"
                                                + " retry in a moment");
                            }
                        });
        g.touch();
        if (!g.consumer.topics().contains(topic)) {
            try {
                g.consumer.subscribe(List.of(topic));
            } catch (ConsumeException e) {
                // failed or closed: the poll that follows answers why
            }
        }
        return g;
    }

    private ConsumeRefused closing() {
        return new ConsumeRefused(
                ConsumeRefused.Code.CLOSING,
                "the gateway is shutting down: it consumes nothing more; retry on another"
                        + " instance");
    }

    /** Completes once this gateway's former member of {@code group} left it (now if none). */
    CompletableFuture<Void> whenLeft(String group) {
        CompletableFuture<Void> f = leaving.get(group);
        return f == null ? CompletableFuture.completedFuture(null) : f;
    }

    /** Leaves the groups idle for config.groupIdleMs(); blocks while each leaves. */
    void expireIdle() {
        long now = clockMs.getAsLong();
        for (Map.Entry<String, Group> e : List.copyOf(groups.entrySet())) {
            Group g = e.getValue();
            if (!g.idleSince(now, config.groupIdleMs())) {
                continue;
            }
            CompletableFuture<Void> left = new CompletableFuture<>();
            leaving.put(e.getKey(), left); // before the removal: a new request waits for it
            if (!groups.remove(e.getKey(), g)) {
                leaving.remove(e.getKey(), left);
                left.complete(null);
                continue;
            }
            try {
                LOG.info(
                        "cluster {}: group {} had no request for {} ms; leaving it (its"
                                + " partitions go to its other members)",
                        name,
                        e.getKey(),
                        config.groupIdleMs());
                g.consumer.close();
            } finally {
                leaving.remove(e.getKey(), left);
                left.complete(null);
            }
        }
    }

    /** Leaves every group and stops the engine. */
    @Override
    public void close() {
        closed = true; // before the groups go: a poll they answer CLOSED does not join again
        ConsumeEngine e;
        synchronized (this) {
            e = engine;
        }
        groups.clear();
        if (e != null) {
            e.close();
        }
    }
}
