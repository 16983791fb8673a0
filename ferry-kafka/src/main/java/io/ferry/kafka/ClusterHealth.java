package io.ferry.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conditions of one cluster, raised and cleared by the parts of the engine, and the status they
 * add up to; any thread. Each condition is logged once when raised, at most once a minute while it
 * lasts (with how often it was raised again), and once when it clears.
 */
final class ClusterHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterHealth.class);

    /** While a condition lasts, it is logged again at most this often. */
    static final long REPEAT_LOG_MS = 60_000;

    private final String cluster;
    private final LongSupplier clockMs;
    private final List<Consumer<ClusterStatus>> listeners = new CopyOnWriteArrayList<>();

    // Guarded by this.
    private final Map<String, Raised> raised = new LinkedHashMap<>();
    private boolean connected;
    private volatile ClusterStatus status; // written under the monitor, read without it

    private static final class Raised {
        ClusterCondition condition;
        long loggedMs;
        long repeats;

        Raised(ClusterCondition c, long now) {
            condition = c;
            loggedMs = now;
        }
    }

    ClusterHealth(String cluster, LongSupplier clockMs) {
        this.cluster = cluster;
        this.clockMs = clockMs;
        this.status = new ClusterStatus(ClusterStatus.State.CONNECTING, List.of());
    }

    /** Adds a listener told of every change of status, on the thread that changed it. */
    void addListener(Consumer<ClusterStatus> l) {
        listeners.add(l);
    }

    /** The current status; any thread, never blocks (read per produce request). */
    ClusterStatus status() {
        return status;
    }

    /** Metadata was fetched: the cluster answers. */
    void connected() {
        ClusterStatus changed;
        synchronized (this) {
            if (connected) {
                return;
            }
            connected = true;
            changed = recompute();
        }
        notify(changed);
    }

    /**
     * Raises (or refreshes) the condition of {@code source}; a condition of the same kind and
     * message raised again only counts a repeat.
     */
    void raise(ClusterCondition.Kind kind, String source, String message) {
        ClusterStatus changed = null;
        synchronized (this) {
            long now = clockMs.getAsLong();
            Raised r = raised.get(source);
            if (r != null && r.condition.kind() == kind && r.condition.message().equals(message)) {
                r.repeats++;
                if (now - r.loggedMs >= REPEAT_LOG_MS) {
                    LOG.warn(
                            "cluster {}: still {} ({} times in the last {} s)",
                            cluster,
                            r.condition,
                            r.repeats,
                            (now - r.loggedMs) / 1000);
                    r.loggedMs = now;
                    r.repeats = 0;
                }
                return;
            }
            ClusterCondition c = new ClusterCondition(kind, source, message, now);
            raised.put(source, new Raised(c, now));
            LOG.warn(
                    "cluster {}: {}; {}",
                    cluster,
                    c,
                    kind.refuses()
                            ? "answers that wait for Kafka fail until it is fixed; events stay queued"
                            : "events wait and are sent when it clears");
            changed = recompute();
        }
        notify(changed);
    }

    /** Clears the condition of {@code source}, if any. */
    void clear(String source) {
        ClusterStatus changed;
        synchronized (this) {
            Raised r = raised.remove(source);
            if (r == null) {
                return;
            }
            LOG.info("cluster {}: cleared: {}", cluster, r.condition);
            changed = recompute();
        }
        notify(changed);
    }

    private ClusterStatus recompute() {
        List<ClusterCondition> cs = new ArrayList<>();
        boolean refused = false;
        boolean unreachable = false;
        for (Raised r : raised.values()) {
            cs.add(r.condition);
            refused |= r.condition.kind().refuses();
            unreachable |= r.condition.kind() == ClusterCondition.Kind.UNREACHABLE;
        }
        ClusterStatus.State state =
                refused
                        ? ClusterStatus.State.REFUSED
                        : !connected
                                ? ClusterStatus.State.CONNECTING
                                : unreachable
                                        ? ClusterStatus.State.UNAVAILABLE
                                        : ClusterStatus.State.READY;
        if (refused) {
            cs.sort((a, b) -> Boolean.compare(b.kind().refuses(), a.kind().refuses()));
        }
        status = new ClusterStatus(state, cs);
        return status;
    }

    private void notify(ClusterStatus s) {
        for (Consumer<ClusterStatus> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.error("a cluster status listener failed", e);
            }
        }
    }
}
