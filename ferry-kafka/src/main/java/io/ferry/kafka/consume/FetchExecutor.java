package io.ferry.kafka.consume;

import io.ferry.kafka.wire.FetchPartition;
import io.ferry.kafka.wire.FetchResult;
import io.ferry.kafka.wire.FetchSession;
import io.ferry.kafka.wire.FetchedPartition;
import io.ferry.kafka.wire.ListedOffset;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.OffsetQuery;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.mapper.Executor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetch executor of one Kafka node: each round it sends ONE Fetch per lane, carrying every
 * wanted partition of that lane on this node over the lane's incremental fetch session, on its own
 * channel to the node; then it filters the answers and fans the records out to the workers. Its own
 * thread runs {@link #runOnce()} (a test steps it instead); {@link #attach}, {@link #detach},
 * {@link #wakeup()} and {@link #stop()} may be called from any thread.
 */
public final class FetchExecutor implements Executor<Node>, Runnable {
    /* Design notes
     * Rounds. A round sends, for every lane with something wanted, one Fetch (and, for lanes
     * with partitions to reset, one ListOffsets first); the next round starts when every request
     * of this one was answered. One connection per node: a broker answers one request per
     * connection at a time, so the lanes' Fetches queue on it anyway (an idle lane's long poll
     * delays the next lane by up to maxWaitMs); the barrier makes "requests per node per round"
     * exactly the number of lanes that had something to read, and lets ListOffsets use the same
     * connection without waiting behind a long poll of an earlier round. NetworkClient takes the
     * next request on a connection only once the last one is written, so a round's lanes are
     * queued (toSend) and sent as the connection takes them, starting each round with another
     * lane; sending them all in one pass starved every lane but the first (FetchEngineIT).
     * Sessions. Each lane keeps one FetchSession with this node. A partition the lane does not
     * want this round (paused, backing off, resetting, moved) is left out and so forgotten by the
     * session; it is added again when wanted. A lane whose last worker left closes its session
     * (epoch -1) in its next round and is dropped. An answer that does not fit the session is
     * ignored (the next round is full); positions never move on it.
     * Errors per partition: a leader change (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
     * UNKNOWN_LEADER_EPOCH, LEADER_NOT_AVAILABLE) takes the hint, refreshes metadata and asks the
     * mapper to move the worker; UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID the same with a
     * TOPIC_MISSING status; OFFSET_OUT_OF_RANGE resets the position by the lane's policy; anything
     * else backs the partition off. A transport failure fails the round: every session starts
     * over, and the mapper re-resolves this node's workers (nodeFailed).
     * The channel is owned by this thread alone; workers join and leave through a mailbox.
     * stop() only signals: the mapper's owner thread calls it and must not wait on the network.
     */
    private static final Logger LOG = LoggerFactory.getLogger(FetchExecutor.class);

    /** The most requests of one round in flight on the node's connection. */
    static final int MAX_IN_FLIGHT = 64;

    /** How long a partition waits after an error that is not a leader move. */
    static final long ERROR_BACKOFF_MS = 1_000;

    private sealed interface Change {}

    private record Attach(FetchWorker worker) implements Change {}

    private record Detach(FetchWorker worker) implements Change {}

    /** One lane's state on this node; executor thread only. */
    private static final class Lane {
        final FetchLane lane;
        final FetchSession session;
        final Map<TopicPartition, FetchWorker> workers = new LinkedHashMap<>();

        /** The offset each partition of the Fetch in flight was asked from. */
        Map<TopicPartition, Long> sentOffsets = Map.of();

        boolean resetInFlight;

        /** This round looked for positions to reset. */
        boolean resetsChecked;

        /** The last worker left: the next send closes the session. */
        boolean closing;

        long notBeforeMs;

        Lane(FetchLane lane, int nodeId) {
            this.lane = lane;
            this.session =
                    new FetchSession(
                            nodeId, "[fetch lane " + lane.name() + " node " + nodeId + "] ");
        }
    }

    private final Node node;
    private final FetchEngine engine;
    private final FetchSettings settings;
    private final NodeChannel channel;
    private final ConcurrentLinkedQueue<Change> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread; // null when stepped
    private volatile boolean stopped;

    // Executor thread only.
    private final Map<FetchLane, Lane> lanes = new LinkedHashMap<>();
    private int outstanding; // requests of the current round not answered yet
    private final ArrayDeque<Lane> toSend = new ArrayDeque<>(); // this round's lanes not sent yet
    private int roundRequests; // Fetches of the current round sent so far
    private int rotation;
    private long nextFailureReportMs;

    // Written by the executor thread only; read by any (metrics).
    private volatile long rounds;
    private volatile long fetchRequests;
    private volatile long partitionsSent;
    private volatile int lastRoundRequests;

    FetchExecutor(Node node, FetchEngine engine, NodeChannel channel, boolean ownThread) {
        this.node = node;
        this.engine = engine;
        this.settings = engine.settings();
        this.channel = channel;
        if (ownThread) {
            this.thread = new Thread(this, "ferry-fetch-node-" + node.id());
            thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    FetchExecutor start() {
        if (thread != null) {
            thread.start();
        }
        return this;
    }

    @Override
    public Node node() {
        return node;
    }

    void attach(FetchWorker w) {
        mailbox.add(new Attach(w));
        wakeup();
    }

    void detach(FetchWorker w) {
        mailbox.add(new Detach(w));
        wakeup();
    }

    /** Ends a blocked poll early; any thread. */
    void wakeup() {
        channel.wakeup();
    }

    /** Rounds sent so far. */
    public long rounds() {
        return rounds;
    }

    /** Fetch requests sent so far (per round: one per lane that had something to read). */
    public long fetchRequests() {
        return fetchRequests;
    }

    /** Partitions carried by those requests (an incremental one carries only changes). */
    public long partitionsSent() {
        return partitionsSent;
    }

    /** The Fetch requests of the last round sent whole (one per lane with something to read). */
    public int lastRoundRequests() {
        return lastRoundRequests;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                try {
                    runOnce();
                } catch (RuntimeException e) {
                    LOG.error(
                            "fetch executor for node {} hit an unexpected error; its sessions start over",
                            node.id(),
                            e);
                    restart();
                    parkMs(settings.retryBackoffMs());
                }
            }
        } finally {
            channel.close();
        }
    }

    private void restart() {
        channel.disconnect();
        for (Lane l : lanes.values()) {
            l.session.handleFailure(WireFailure.disconnected("executor restarted"));
            l.resetInFlight = false;
        }
        outstanding = 0;
        toSend.clear();
    }

    private void parkMs(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (!stopped && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    /** One duty cycle: take mailbox changes, start a round when the last one is answered, poll. */
    public void runOnce() {
        for (Change c; (c = mailbox.poll()) != null; ) {
            if (c instanceof Attach a) {
                FetchWorker w = a.worker();
                lanes.computeIfAbsent(w.lane(), l -> new Lane(l, node.id()))
                        .workers
                        .put(w.partition(), w);
            } else if (c instanceof Detach d) {
                Lane l = lanes.get(d.worker().lane());
                if (l != null) {
                    l.workers.remove(d.worker().partition(), d.worker());
                }
            }
        }
        long now = engine.nowMs();
        if (!channel.ready(now)) {
            WireFailure failure = channel.connectionFailure();
            if (failure != null && now >= nextFailureReportMs) {
                if (nextFailureReportMs == 0) {
                    LOG.warn(
                            "cannot connect to node {} to fetch ({}); reassigning its partitions",
                            node,
                            failure);
                }
                nextFailureReportMs = now + 1000;
                engine.nodeFailed(node);
            }
            channel.poll(Math.min(100, settings.retryBackoffMs() + 1), now);
            return;
        }
        nextFailureReportMs = 0;
        if (outstanding == 0 && toSend.isEmpty()) {
            startRound(now);
        }
        sendPending(now);
        // lanes still to send: poll only until the last request is written
        long wait =
                !toSend.isEmpty()
                        ? 5
                        : outstanding > 0 ? settings.maxWaitMs() + 100L : idleWaitMs(now);
        channel.poll(wait, now);
    }

    private long idleWaitMs(long now) {
        long wait = 100;
        for (Lane l : lanes.values()) {
            for (FetchWorker w : l.workers.values()) {
                long at = w.retryAtMs();
                if (at > now) {
                    wait = Math.min(wait, at - now);
                }
            }
            if (l.notBeforeMs > now) {
                wait = Math.min(wait, l.notBeforeMs - now);
            }
        }
        return wait;
    }

    /**
     * Queues this round's lanes: each with something to read gets one Fetch (after a ListOffsets
     * when it has positions to reset); a lane whose last worker left closes its session.
     */
    private void startRound(long now) {
        List<Lane> order = new ArrayList<>(lanes.values());
        int n = order.size();
        for (int i = 0; i < n; i++) {
            Lane l =
                    order.get(
                            (rotation + i)
                                    % n); // a lane the connection could not take first last time
            // goes first now
            if (l.workers.isEmpty()) {
                lanes.remove(l.lane);
                if (l.session.sessionId() != 0) {
                    l.closing = true;
                    toSend.add(l);
                }
            } else if (now >= l.notBeforeMs) {
                l.resetsChecked = false;
                toSend.add(l);
            }
        }
        rotation = n == 0 ? 0 : (rotation + 1) % n;
        roundRequests = 0;
    }

    /**
     * Sends what the round still has to send, as far as the connection takes it now (a
     * NetworkClient takes the next request once the last one is written).
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the executor thread
    private void sendPending(long now) {
        while (!toSend.isEmpty() && channel.canSend(now)) {
            Lane l = toSend.peekFirst();
            if (l.closing) {
                toSend.pollFirst();
                l.session.close();
                sendFetch(l, List.of(), Map.of(), now);
                continue;
            }
            if (!l.resetsChecked) {
                l.resetsChecked = true;
                if (sendResets(l, now)) {
                    continue; // the Fetch goes when the connection takes one more
                }
            }
            toSend.pollFirst();
            List<FetchPartition> wanted = new ArrayList<>();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (FetchWorker w : l.workers.values()) {
                FetchPartition p = w.wanted(now, settings.partitionMaxBytes());
                if (p != null) {
                    wanted.add(p);
                    offsets.put(p.partition(), p.fetchOffset());
                }
            }
            if (wanted.isEmpty()) {
                continue;
            }
            sendFetch(l, wanted, offsets, now);
            if (roundRequests == 0) {
                rounds = rounds + 1;
            }
            roundRequests++;
        }
        if (toSend.isEmpty() && roundRequests > 0) {
            lastRoundRequests = roundRequests; // the round is all sent
        }
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the executor thread
    private void sendFetch(
            Lane l, List<FetchPartition> wanted, Map<TopicPartition, Long> offsets, long now) {
        WireRequest.Fetch f =
                l.session.nextRequest(
                        wanted,
                        settings.maxWaitMs(),
                        settings.minBytes(),
                        settings.maxBytes(),
                        settings.isolation(),
                        settings.rackId());
        l.sentOffsets = offsets;
        outstanding++;
        fetchRequests = fetchRequests + 1;
        partitionsSent = partitionsSent + f.partitions().size();
        channel.send(f, now, o -> fetched(l, o));
    }

    /** Sends one ListOffsets for the lane's positions to reset, if any; true when sent. */
    private boolean sendResets(Lane l, long now) {
        if (l.resetInFlight) {
            return false;
        }
        Map<TopicPartition, OffsetQuery> queries = new HashMap<>();
        Map<TopicPartition, FetchWorker> asked = new HashMap<>();
        for (FetchWorker w : l.workers.values()) {
            if (w.takeReset(now)) {
                long ts =
                        l.lane.reset() == FetchLane.OffsetReset.EARLIEST
                                ? OffsetQuery.EARLIEST
                                : OffsetQuery.LATEST;
                queries.put(w.partition(), new OffsetQuery(ts, w.fetchEpoch()));
                asked.put(w.partition(), w);
            }
        }
        if (queries.isEmpty()) {
            return false;
        }
        l.resetInFlight = true;
        outstanding++;
        channel.send(
                new WireRequest.ListOffsets(settings.isolation(), queries),
                now,
                o -> listed(l, asked, o));
        return true;
    }

    private void fetched(Lane l, Outcome<FetchResult> o) {
        outstanding--;
        Map<TopicPartition, Long> sentOffsets = l.sentOffsets;
        l.sentOffsets = Map.of();
        long now = engine.nowMs();
        if (!o.succeeded()) {
            l.session.handleFailure(o.failure());
            transportFailed(o.failure(), "Fetch");
            return;
        }
        FetchResult r = o.response();
        if (!l.session.handleResponse(r)) {
            LOG.debug(
                    "fetch answer of node {} for lane {} does not fit its session ({}); the next round is full",
                    node.id(),
                    l.lane.name(),
                    r.error());
            return;
        }
        if (r.throttleTimeMs() > 0) {
            l.notBeforeMs = now + r.throttleTimeMs();
        }
        boolean readCommitted = settings.isolation() == IsolationLevel.READ_COMMITTED;
        for (Map.Entry<TopicPartition, FetchedPartition> e : r.partitions().entrySet()) {
            FetchWorker w = l.workers.get(e.getKey());
            Long sentOffset = sentOffsets.get(e.getKey());
            if (w == null || sentOffset == null) {
                continue; // left the lane (or was not asked for) since the request went out
            }
            try {
                settle(w, e.getValue(), sentOffset, readCommitted, now);
            } catch (RuntimeException ex) {
                LOG.error(
                        "delivering {} of lane {} failed; it is fetched again after {} ms",
                        e.getKey(),
                        l.lane.name(),
                        ERROR_BACKOFF_MS,
                        ex);
                w.backOff(
                        now + ERROR_BACKOFF_MS,
                        new FetchStatus(FetchStatus.Code.ERROR, "delivery failed: " + ex));
            }
        }
    }

    private void settle(
            FetchWorker w, FetchedPartition p, long sentOffset, boolean readCommitted, long now) {
        WireError e = p.error();
        TopicPartition tp = w.partition();
        switch (e.isNone() ? "NONE" : e.name()) {
            case "NONE" -> w.deliver(p, sentOffset, readCommitted);
            case "NOT_LEADER_OR_FOLLOWER",
                    "FENCED_LEADER_EPOCH",
                    "UNKNOWN_LEADER_EPOCH",
                    "LEADER_NOT_AVAILABLE" -> {
                if (p.leaderHint() != null) {
                    engine.cluster().hint(tp, p.leaderHint(), p.leaderHintEpoch());
                }
                w.leaderMoved(
                        new FetchStatus(
                                FetchStatus.Code.LEADER_MOVED,
                                "node "
                                        + node.id()
                                        + " answered "
                                        + e.name()
                                        + "; waiting for the new leader"));
                engine.refresh(tp.topic());
                engine.reassign(w);
            }
            case "UNKNOWN_TOPIC_OR_PARTITION", "UNKNOWN_TOPIC_ID", "INCONSISTENT_TOPIC_ID" -> {
                w.leaderMoved(
                        new FetchStatus(
                                FetchStatus.Code.TOPIC_MISSING,
                                "node "
                                        + node.id()
                                        + " answered "
                                        + e.name()
                                        + " for "
                                        + tp
                                        + "; refreshing metadata and retrying"));
                engine.refresh(tp.topic());
                engine.reassign(w);
            }
            case "OFFSET_OUT_OF_RANGE" -> {
                LOG.info(
                        "lane {}: offset {} of {} is out of range; resetting to the {} offset",
                        w.lane().name(),
                        sentOffset,
                        tp,
                        w.lane().reset().name().toLowerCase(java.util.Locale.ROOT));
                w.outOfRange(sentOffset);
            }
            case "TOPIC_AUTHORIZATION_FAILED" ->
                    w.backOff(
                            now + ERROR_BACKOFF_MS,
                            new FetchStatus(
                                    FetchStatus.Code.NOT_AUTHORIZED,
                                    "Kafka refuses to let this client read '"
                                            + tp.topic()
                                            + "' ("
                                            + e.name()
                                            + "); retried every "
                                            + ERROR_BACKOFF_MS
                                            + " ms"));
            default -> {
                // CORRUPT_MESSAGE keeps the batches before the bad one: deliver those first
                if (!p.batches().isEmpty()) {
                    w.deliver(p, sentOffset, readCommitted);
                }
                w.backOff(
                        now + ERROR_BACKOFF_MS,
                        new FetchStatus(
                                FetchStatus.Code.ERROR,
                                "node "
                                        + node.id()
                                        + " answered "
                                        + e
                                        + "; retried after "
                                        + ERROR_BACKOFF_MS
                                        + " ms"));
            }
        }
    }

    private void listed(
            Lane l,
            Map<TopicPartition, FetchWorker> asked,
            Outcome<Map<TopicPartition, ListedOffset>> o) {
        outstanding--;
        l.resetInFlight = false;
        long now = engine.nowMs();
        if (!o.succeeded()) {
            asked.values()
                    .forEach(
                            w ->
                                    w.resetFailed(
                                            now + settings.retryBackoffMs(),
                                            new FetchStatus(
                                                    FetchStatus.Code.RESETTING,
                                                    "ListOffsets failed ("
                                                            + o.failure()
                                                            + "); retrying")));
            transportFailed(o.failure(), "ListOffsets");
            return;
        }
        asked.forEach(
                (tp, w) -> {
                    ListedOffset r = o.response().get(tp);
                    if (r != null && r.error().isNone() && r.offset() >= 0) {
                        w.resetTo(r.offset());
                    } else if (r != null
                            && (r.error().isLeaderChange()
                                    || r.error().name().equals("UNKNOWN_LEADER_EPOCH"))) {
                        w.leaderMoved(
                                new FetchStatus(
                                        FetchStatus.Code.LEADER_MOVED,
                                        "ListOffsets for "
                                                + tp
                                                + " answered "
                                                + r.error().name()
                                                + "; waiting for the new leader"));
                        engine.refresh(tp.topic());
                        engine.reassign(w);
                    } else {
                        String why = r == null ? "no answer for it" : r.error().toString();
                        w.resetFailed(
                                now + ERROR_BACKOFF_MS,
                                new FetchStatus(
                                        FetchStatus.Code.RESETTING,
                                        "ListOffsets for "
                                                + tp
                                                + ": "
                                                + why
                                                + "; retried after "
                                                + ERROR_BACKOFF_MS
                                                + " ms"));
                    }
                });
    }

    private void transportFailed(WireFailure failure, String api) {
        LOG.warn(
                "{} to node {} failed ({}); its partitions are reassigned and the sessions start over",
                api,
                node.id(),
                failure);
        if (failure.kind().retriable()) {
            engine.nodeFailed(node);
        }
    }

    /** Signals the thread to stop; never waits (the mapper's owner thread calls it). */
    @Override
    public void stop() {
        stopped = true;
        engine.executorStopped(this);
        wakeup();
        if (thread == null) {
            channel.close();
        }
    }

    /** Waits up to {@code timeoutMs} for the thread to end; false when it did not. */
    boolean awaitStopped(long timeoutMs) throws InterruptedException {
        if (thread == null || Thread.currentThread() == thread) {
            return true;
        }
        thread.join(timeoutMs);
        return !thread.isAlive();
    }

    /** The lanes with workers here now (executor thread's view). */
    int laneCount() {
        return lanes.size();
    }

    @Override
    public String toString() {
        return "FetchExecutor{node=" + node.id() + "}";
    }
}
