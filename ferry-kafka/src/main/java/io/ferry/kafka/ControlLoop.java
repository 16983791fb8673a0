package io.ferry.kafka;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's control connection: metadata refreshes, topic listings, coordinator lookups and
 * requests any node may answer (InitProducerId), one at a time on one channel; its own thread runs
 * {@link #runOnce()} (or a test steps it), every other method may be called from any thread.
 */
final class ControlLoop implements Runnable {
    /* Design notes
     * One channel to one known node at a time (nodes from metadata first, then the bootstrap
     * servers), rotated on failure with exponential backoff from retry.backoff.ms to 1 s. Callers
     * post typed commands; the loop thread is the single writer of everything below "Loop thread
     * only". Refreshes are coalesced: every metadata request asks for every topic in use plus the
     * ones asked for, so one answer serves all waiters. Priority: sends (producer ids), then
     * refreshes, then coordinator lookups, then listings.
     * Failure: a failed request fails its waiters at once (callers bound their own waits and
     * decide), and what was wanted stays wanted, retried after the backoff. Conditions go to
     * ClusterHealth, which logs them once, then at most once a minute.
     * Periodic duties, on this thread: every metadata.max.age.ms a refresh of the topics in use
     * (added partitions are seen); every second the tick listeners (the produce engine's expiry
     * sweep) and the idle-topic expiry.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);
    static final long TICK_MS = 1_000;
    static final long MAX_BACKOFF_MS = 1_000;

    /** Failed attempts in a row before the cluster counts as unreachable. */
    static final int UNREACHABLE_AFTER = 2;

    private sealed interface Command {}

    private record Refresh(Set<String> topics, CompletableFuture<Void> done) implements Command {}

    private record ListAll(CompletableFuture<List<String>> done) implements Command {}

    private record FindCoordinators(
            Set<String> groups, CompletableFuture<Map<String, Coordinator>> done)
            implements Command {}

    private record Send<R>(WireRequest<R> request, CompletableFuture<Outcome<R>> done)
            implements Command {}

    private final KafkaSettings settings;
    private final MetadataCache cache;
    private final ClusterHealth health;
    private final ChannelFactory channels;
    private final LongSupplier clockMs;
    private final TopicInterest interest;
    private final List<Node> bootstrap;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final List<Runnable> tickListeners = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;
    private volatile NodeChannel channel;

    /** When the request in flight was sent, 0 when none is; read by KafkaCluster.status(). */
    private volatile long inFlightSinceMs;

    // Loop thread only.
    private final Set<String> refreshTopics = new HashSet<>();
    private final List<CompletableFuture<Void>> refreshWaiters = new ArrayList<>();
    private boolean refreshDue;
    private final List<CompletableFuture<List<String>>> listWaiters = new ArrayList<>();
    private final Map<String, List<CompletableFuture<Map<String, Coordinator>>>>
            coordinatorWaiters = new HashMap<>();
    private final ArrayDeque<Send<?>> sends = new ArrayDeque<>();
    private boolean inFlight;
    private long backoffUntilMs;
    private int failuresInARow;
    private int nodeIndex;
    private long nextTickMs;
    private long nextRefreshMs;

    ControlLoop(
            KafkaSettings settings,
            MetadataCache cache,
            ClusterHealth health,
            ChannelFactory channels,
            TopicInterest interest,
            LongSupplier clockMs) {
        this.settings = settings;
        this.cache = cache;
        this.health = health;
        this.channels = channels;
        this.interest = interest;
        this.clockMs = clockMs;
        this.bootstrap = BootstrapServers.parse(settings.bootstrapServers());
    }

    /** Runs {@code tick} on this loop's thread about once a second. */
    void onTick(Runnable tick) {
        tickListeners.add(tick);
    }

    /** Stops running {@code tick}. */
    void removeTick(Runnable tick) {
        tickListeners.remove(tick);
    }

    /**
     * Refreshes the metadata of {@code topics} (and every topic in use); completes when an answer
     * was applied, exceptionally when the request failed (it is retried after a backoff anyway).
     */
    CompletableFuture<Void> refresh(Set<String> topics) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        post(new Refresh(Set.copyOf(topics), f));
        return f;
    }

    /** The names of every topic of the cluster. */
    CompletableFuture<List<String>> listTopics() {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        post(new ListAll(f));
        return f;
    }

    /** The coordinators of {@code groups}, each with its error if it has none now. */
    CompletableFuture<Map<String, Coordinator>> findCoordinators(Set<String> groups) {
        CompletableFuture<Map<String, Coordinator>> f = new CompletableFuture<>();
        post(new FindCoordinators(Set.copyOf(groups), f));
        return f;
    }

    /** Sends {@code request} to whichever node the loop is connected to; never retried here. */
    <R> CompletableFuture<Outcome<R>> send(WireRequest<R> request) {
        CompletableFuture<Outcome<R>> f = new CompletableFuture<>();
        post(new Send<>(request, f));
        return f;
    }

    private void post(Command c) {
        commands.add(c);
        NodeChannel ch = channel;
        if (ch != null) {
            ch.wakeup();
        }
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                runOnce();
            } catch (RuntimeException e) {
                LOG.error("control loop failed; reconnecting after a backoff", e);
                rotate(WireFailure.disconnected("internal error: " + e.getMessage()));
                java.util.concurrent.locks.LockSupport.parkNanos(
                        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MS));
            }
        }
        NodeChannel c = channel;
        if (c != null) {
            c.close();
        }
        failAll(new IllegalStateException("the Kafka engine is closed"));
    }

    /** One duty cycle: take commands, run periodic duties, send what is due, poll the channel. */
    void runOnce() {
        for (Command c; (c = commands.poll()) != null; ) {
            take(c);
        }
        long now = clockMs.getAsLong();
        if (now >= nextTickMs) {
            nextTickMs = now + TICK_MS;
            tick(now);
        }
        if (now >= nextRefreshMs) {
            // also with no topic in use: a request for no topics lists the nodes, and keeps the
            // cluster's status (connecting, ready, unreachable) true
            nextRefreshMs = now + settings.metadataMaxAgeMs();
            refreshDue = true;
        }
        NodeChannel c = channel();
        if (!inFlight && now >= backoffUntilMs && c.ready(now) && c.canSend(now)) {
            sendNext(c, now);
        }
        WireFailure failed = c.connectionFailure();
        if (failed != null && !inFlight) {
            onFailure(failed, now); // closes the channel: the next cycle opens another
            return;
        }
        long wait = inFlight || !hasWork() ? 100 : Math.max(1, backoffUntilMs - now);
        c.poll(Math.min(wait, 100), now);
    }

    private void take(Command c) {
        if (c instanceof Refresh r) {
            refreshTopics.addAll(r.topics);
            refreshWaiters.add(r.done);
        } else if (c instanceof ListAll l) {
            listWaiters.add(l.done);
        } else if (c instanceof FindCoordinators f) {
            for (String g : f.groups) {
                coordinatorWaiters.computeIfAbsent(g, k -> new ArrayList<>()).add(f.done);
            }
            if (f.groups.isEmpty()) {
                f.done.complete(Map.of());
            }
        } else if (c instanceof Send<?> s) {
            sends.add(s);
        }
    }

    private void tick(long now) {
        List<String> idle = interest.expire(now, settings.metadataMaxIdleMs());
        if (!idle.isEmpty()) {
            LOG.debug("dropping idle topics from metadata refreshes: {}", idle);
            cache.forget(idle);
        }
        for (Runnable t : tickListeners) {
            try {
                t.run();
            } catch (RuntimeException e) {
                LOG.error("a periodic duty of the Kafka engine failed", e);
            }
        }
    }

    private boolean hasWork() {
        return !sends.isEmpty()
                || !refreshWaiters.isEmpty()
                || refreshDue
                || !coordinatorWaiters.isEmpty()
                || !listWaiters.isEmpty();
    }

    private void sendNext(NodeChannel c, long now) {
        if (!sends.isEmpty()) {
            sendOne(c, sends.poll(), now);
        } else if (!refreshWaiters.isEmpty() || refreshDue) {
            Set<String> topics = new HashSet<>(interest.topics());
            topics.addAll(refreshTopics);
            List<CompletableFuture<Void>> waiters = new ArrayList<>(refreshWaiters);
            refreshTopics.clear();
            refreshWaiters.clear();
            refreshDue = false;
            sending(now);
            c.send(
                    new WireRequest.Metadata(
                            List.copyOf(topics), settings.allowAutoTopicCreation()),
                    now,
                    o -> onMetadata(o, topics, waiters));
        } else if (!coordinatorWaiters.isEmpty()) {
            Map<String, List<CompletableFuture<Map<String, Coordinator>>>> waiters =
                    new HashMap<>(coordinatorWaiters);
            coordinatorWaiters.clear();
            sending(now);
            c.send(
                    new WireRequest.FindCoordinator(List.copyOf(waiters.keySet())),
                    now,
                    o -> onCoordinators(o, waiters));
        } else if (!listWaiters.isEmpty()) {
            List<CompletableFuture<List<String>>> waiters = new ArrayList<>(listWaiters);
            listWaiters.clear();
            sending(now);
            c.send(new WireRequest.Metadata(null, false), now, o -> onListing(o, waiters));
        }
    }

    private <R> void sendOne(NodeChannel c, Send<R> s, long now) {
        sending(now);
        c.send(
                s.request,
                now,
                o -> {
                    answered();
                    succeededOrFailed(o.failure());
                    s.done.complete(o);
                });
    }

    private void onMetadata(
            Outcome<ClusterView> o, Set<String> topics, List<CompletableFuture<Void>> waiters) {
        answered();
        if (!o.succeeded()) {
            refreshTopics.addAll(topics); // retried after the backoff
            refreshDue = true;
            fail(waiters, o.failure());
            onFailure(o.failure(), clockMs.getAsLong());
            return;
        }
        succeededOrFailed(null);
        cache.update(o.response(), clockMs.getAsLong());
        waiters.forEach(f -> f.complete(null));
    }

    private void onListing(Outcome<ClusterView> o, List<CompletableFuture<List<String>>> waiters) {
        answered();
        if (!o.succeeded()) {
            fail(waiters, o.failure());
            onFailure(o.failure(), clockMs.getAsLong());
            return;
        }
        succeededOrFailed(null);
        cache.update(o.response(), clockMs.getAsLong());
        List<String> names = cache.snapshot().allTopics();
        waiters.forEach(f -> f.complete(names));
    }

    private void onCoordinators(
            Outcome<Map<String, Coordinator>> o,
            Map<String, List<CompletableFuture<Map<String, Coordinator>>>> waiters) {
        answered();
        if (!o.succeeded()) {
            waiters.values().forEach(ws -> fail(ws, o.failure()));
            onFailure(o.failure(), clockMs.getAsLong());
            return;
        }
        succeededOrFailed(null);
        Map<String, Coordinator> found = o.response();
        // each waiter hears the coordinators of the groups it asked for, once
        java.util.IdentityHashMap<
                        CompletableFuture<Map<String, Coordinator>>, Map<String, Coordinator>>
                answers = new java.util.IdentityHashMap<>();
        waiters.forEach(
                (group, ws) -> {
                    Coordinator c = found.get(group);
                    for (CompletableFuture<Map<String, Coordinator>> w : ws) {
                        Map<String, Coordinator> a =
                                answers.computeIfAbsent(w, k -> new HashMap<>());
                        if (c != null) {
                            a.put(group, c);
                        }
                    }
                });
        answers.forEach((w, a) -> w.complete(Map.copyOf(a)));
    }

    private void sending(long now) {
        inFlight = true;
        inFlightSinceMs = now;
    }

    private void answered() {
        inFlight = false;
        inFlightSinceMs = 0;
    }

    /**
     * How long the request in flight has waited for its answer, or 0 when none waits; any thread. A
     * frozen Kafka (connected, answering nothing) shows here before any timeout.
     */
    long waitingMs(long nowMs) {
        long since = inFlightSinceMs;
        return since == 0 ? 0 : Math.max(0, nowMs - since);
    }

    private static <T> void fail(List<CompletableFuture<T>> waiters, WireFailure f) {
        IllegalStateException e = new IllegalStateException("cannot ask Kafka now: " + f.message());
        waiters.forEach(w -> w.completeExceptionally(e));
    }

    /** A request got an answer (null) or failed. */
    private void succeededOrFailed(WireFailure f) {
        if (f == null) {
            failuresInARow = 0;
            backoffUntilMs = 0;
            health.clear("control");
            health.connected();
        }
    }

    private void onFailure(WireFailure f, long now) {
        failuresInARow++;
        long backoff =
                Math.min(
                        MAX_BACKOFF_MS,
                        Math.max(1, settings.retryBackoffMs()) << Math.min(failuresInARow - 1, 10));
        backoffUntilMs = now + backoff;
        if (f.kind() == WireFailure.Kind.AUTHENTICATION) {
            health.raise(ClusterCondition.Kind.AUTHENTICATION, "control", f.message());
        } else if (f.kind() == WireFailure.Kind.UNSUPPORTED_VERSION) {
            health.raise(ClusterCondition.Kind.UNSUPPORTED_VERSION, "control", f.message());
        } else if (failuresInARow >= UNREACHABLE_AFTER) {
            health.raise(
                    ClusterCondition.Kind.UNREACHABLE,
                    "control",
                    "no node of " + settings.bootstrapServers() + " answers (" + f.message() + ")");
        }
        rotate(f);
    }

    private NodeChannel channel() {
        NodeChannel c = channel;
        if (c == null) {
            List<Node> candidates = new ArrayList<>(cache.nodes());
            candidates.addAll(bootstrap);
            Node n = candidates.get(Math.floorMod(nodeIndex, candidates.size()));
            c = channels.open(n, "control", 1);
            channel = c;
        }
        return c;
    }

    private void rotate(WireFailure why) {
        NodeChannel c = channel;
        channel = null;
        nodeIndex++;
        answered();
        if (c != null) {
            LOG.debug("control channel to {} failed ({}); trying the next node", c.node(), why);
            c.close();
        }
    }

    private void failAll(RuntimeException e) {
        for (Command c; (c = commands.poll()) != null; ) {
            take(c);
        }
        refreshWaiters.forEach(f -> f.completeExceptionally(e));
        refreshWaiters.clear();
        listWaiters.forEach(f -> f.completeExceptionally(e));
        listWaiters.clear();
        coordinatorWaiters.values().forEach(ws -> ws.forEach(f -> f.completeExceptionally(e)));
        coordinatorWaiters.clear();
        sends.forEach(s -> s.done.completeExceptionally(e));
        sends.clear();
    }

    /** Stops the loop; its thread closes the channel and fails what waits. */
    void stop() {
        stopped = true;
        NodeChannel c = channel;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Stops a stepped loop: closes the channel and fails what waits; the caller's thread. */
    void stopStepped() {
        stopped = true;
        NodeChannel c = channel;
        if (c != null) {
            c.close();
        }
        failAll(new IllegalStateException("the Kafka engine is closed"));
    }
}
