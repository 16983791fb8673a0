package io.ferry.kafka;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.NodeConnection;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.ProducerIdAndEpoch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's control connection: metadata refreshes and InitProducerId, on one thread of its own
 * ({@link #run()}); {@link #refresh} and {@link #initProducerId()} may be called from any thread.
 */
final class ControlLoop implements Runnable, AutoCloseable {
    /* Design notes
     * One connection to one known node at a time (bootstrap servers first, then nodes from
     * metadata), rotated on failure. Refreshes are coalesced: topics asked for while a request is
     * in flight go into the next one. One request in flight at a time; retriable errors back off.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);

    private final KafkaSettings settings;
    private final MetadataCache cache;
    private final LongSupplier clockMs;
    private final List<Node> bootstrap;
    private final ConcurrentLinkedQueue<Object> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;
    private volatile NodeConnection connection;

    // Loop thread only.
    private final Set<String> wanted = new HashSet<>();
    private final List<CompletableFuture<Void>> refreshWaiters = new ArrayList<>();
    private final List<CompletableFuture<ProducerIdAndEpoch>> pidWaiters = new ArrayList<>();
    private boolean inFlight;
    private final List<CompletableFuture<Void>> inFlightRefresh = new ArrayList<>();
    private long backoffUntilMs;
    private int nodeIndex;

    private Runnable tick = () -> {};
    private long nextTickMs;

    /** Runs {@code tick} on this loop's thread about once a second (the engine's expiry sweep). */
    void onTick(Runnable tick) {
        this.tick = tick;
    }

    ControlLoop(KafkaSettings settings, MetadataCache cache, LongSupplier clockMs) {
        this.settings = settings;
        this.cache = cache;
        this.clockMs = clockMs;
        this.bootstrap = new ArrayList<>();
        int i = 0;
        for (String hp : settings.bootstrapServers().split(",", -1)) {
            String s = hp.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(
                        "bootstrap.servers entry '" + s + "' is not host:port");
            }
            bootstrap.add(
                    new Node(
                            -1 - i++,
                            s.substring(0, colon),
                            Integer.parseInt(s.substring(colon + 1))));
        }
    }

    /** Refreshes the metadata of {@code topics}; completes when a response was applied. */
    CompletableFuture<Void> refresh(Set<String> topics) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        requests.add(new Refresh(Set.copyOf(topics), f));
        wake();
        return f;
    }

    /** A new idempotent producer id and epoch (retried while retriable). */
    CompletableFuture<ProducerIdAndEpoch> initProducerId() {
        CompletableFuture<ProducerIdAndEpoch> f = new CompletableFuture<>();
        requests.add(f);
        wake();
        return f;
    }

    private void wake() {
        NodeConnection c = connection;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                runOnce();
            } catch (RuntimeException e) {
                LOG.warn("control connection failed; reconnecting: {}", e.toString());
                rotate();
            }
        }
        NodeConnection c = connection;
        if (c != null) {
            c.close();
        }
        RuntimeException closed = new IllegalStateException("Kafka engine closed");
        refreshWaiters.forEach(f -> f.completeExceptionally(closed));
        pidWaiters.forEach(f -> f.completeExceptionally(closed));
    }

    @SuppressWarnings("unchecked")
    void runOnce() {
        for (Object r; (r = requests.poll()) != null; ) {
            if (r instanceof Refresh refresh) {
                wanted.addAll(refresh.topics);
                refreshWaiters.add(refresh.done);
            } else {
                pidWaiters.add((CompletableFuture<ProducerIdAndEpoch>) r);
            }
        }
        long now = clockMs.getAsLong();
        if (now >= nextTickMs) {
            nextTickMs = now + 1000;
            try {
                tick.run();
            } catch (RuntimeException e) {
                LOG.warn("periodic sweep failed", e);
            }
        }
        NodeConnection c = connection();
        if (!inFlight && now >= backoffUntilMs && c.ready(now)) {
            if (!pidWaiters.isEmpty()) {
                inFlight = true;
                c.sendInitProducerId(now, this::onProducerId);
            } else if (!refreshWaiters.isEmpty()) {
                inFlight = true;
                inFlightRefresh.addAll(refreshWaiters);
                refreshWaiters.clear();
                c.sendMetadata(Set.copyOf(wanted), true, now, this::onMetadata);
            }
        }
        if (c.connectionFailed()) {
            rotate();
            backoffUntilMs = now + settings.retryBackoffMs();
        }
        long wait =
                inFlight || (pidWaiters.isEmpty() && refreshWaiters.isEmpty())
                        ? 100
                        : Math.max(1, backoffUntilMs - now);
        c.poll(Math.min(wait, 100), now);
    }

    private void onMetadata(Outcome<ClusterView> o) {
        inFlight = false;
        if (!o.succeeded()) {
            LOG.warn("metadata request failed ({}); retrying on another node", o.failure());
            rotate();
            backoffUntilMs = clockMs.getAsLong() + settings.retryBackoffMs();
            return;
        }
        cache.update(o.response());
        inFlightRefresh.forEach(f -> f.complete(null));
        inFlightRefresh.clear();
    }

    private void onProducerId(Outcome<ProducerIdAndEpoch> o) {
        inFlight = false;
        if (o.succeeded() && o.response().error().isNone()) {
            ProducerIdAndEpoch id = o.response();
            pidWaiters.forEach(f -> f.complete(id));
            pidWaiters.clear();
            return;
        }
        String why = o.succeeded() ? o.response().error().toString() : o.failure();
        if (o.succeeded() && !o.response().error().retriable()) {
            IllegalStateException e = new IllegalStateException("InitProducerId failed: " + why);
            pidWaiters.forEach(f -> f.completeExceptionally(e));
            pidWaiters.clear();
            return;
        }
        LOG.debug("InitProducerId retriable failure ({}); retrying after backoff", why);
        if (!o.succeeded()) {
            rotate();
        }
        backoffUntilMs = clockMs.getAsLong() + settings.retryBackoffMs();
    }

    private NodeConnection connection() {
        NodeConnection c = connection;
        if (c == null) {
            List<Node> candidates = candidates();
            Node n = candidates.get(Math.floorMod(nodeIndex, candidates.size()));
            c =
                    NodeConnection.open(
                            settings.connectionSettings(),
                            "ferry-control",
                            n,
                            settings.requestTimeoutMs(),
                            1);
            connection = c;
        }
        return c;
    }

    private List<Node> candidates() {
        List<Node> all = new ArrayList<>(cache.nodes());
        all.addAll(bootstrap);
        return all;
    }

    private void rotate() {
        NodeConnection c = connection;
        connection = null;
        nodeIndex++;
        inFlight = false;
        refreshWaiters.addAll(inFlightRefresh); // the answer will never come on a closed connection
        inFlightRefresh.clear();
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        stopped = true;
        wake();
    }

    private record Refresh(Set<String> topics, CompletableFuture<Void> done) {}
}
