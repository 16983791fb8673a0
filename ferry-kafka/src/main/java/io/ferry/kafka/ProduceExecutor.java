package io.ferry.kafka;

import io.ferry.kafka.wire.EncodedBatch;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.mapper.Executor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor of one Kafka node: drains the ready partition workers assigned to it into ONE
 * ProduceRequest per round, sends it on its own channel to the node and fans the per-partition
 * results back out. Its own thread runs {@link #runOnce()} (a test steps it instead); {@link
 * #attach}, {@link #detach}, {@link #wakeup()} and {@link #stop()} may be called from any thread.
 */
final class ProduceExecutor implements Executor<Node>, Runnable {
    /* Design notes
     * The channel is owned by this thread alone. Workers join and leave through a mailbox of typed
     * commands. A round asks each worker, round-robin, for at most one batch within the request's
     * remaining byte budget (max.request.size), so a request carries many partitions. Requests in
     * flight are remembered so that a stop (or the connection's death) fails them back to their
     * workers, which retry wherever the mapper puts them next.
     * An unexpected exception (a bug) fails the in-flight requests back, drops the connection and
     * backs off before the next round (doubling from retry.backoff.ms to 5 s), so a bug is one log
     * line a round, not a hot loop. A connection that fails authentication raises the cluster's
     * AUTHENTICATION condition (answers waiting for Kafka fail) instead of looking like a node
     * that is down.
     * stop() only signals: the mapper's owner thread calls it and must not wait on the network;
     * the engine's close waits for the threads (awaitStopped) and says which did not stop.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ProduceExecutor.class);
    static final long MAX_ERROR_BACKOFF_MS = 5_000;

    private sealed interface Change {}

    private record Attach(PartitionWorker worker) implements Change {}

    private record Detach(PartitionWorker worker) implements Change {}

    private final Node node;
    private final ProduceEngine engine;
    private final NodeChannel channel;
    private final String source;
    private final ConcurrentLinkedQueue<Change> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread; // null when stepped
    private volatile boolean stopped;

    // Executor thread only.
    private final List<PartitionWorker> workers = new ArrayList<>();
    private final Set<PartitionWorker> member = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Long, Map<PartitionWorker, PartitionWorker.InFlight>> inFlight =
            new HashMap<>();
    private long nextRequestId;
    private int roundRobin;
    private long nextFailureReportMs;
    private long errorBackoffMs;
    private boolean authFailed;

    /**
     * When the oldest request in flight was sent, 0 when none is; written by the executor thread.
     */
    private volatile long oldestSentMs;

    private final Map<Long, Long> sentAtMs = new HashMap<>(); // executor thread only

    /** Requests sent, for tests and metrics; written by the executor thread only. */
    private volatile long requestsSent;

    /** Partitions carried by those requests; written by the executor thread only. */
    private volatile long partitionsSent;

    ProduceExecutor(Node node, ProduceEngine engine, NodeChannel channel, boolean ownThread) {
        this.node = node;
        this.engine = engine;
        this.channel = channel;
        this.source = "node " + node.id();
        if (ownThread) {
            this.thread = new Thread(this, "ferry-produce-node-" + node.id());
            thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    ProduceExecutor start() {
        if (thread != null) {
            thread.start();
        }
        return this;
    }

    @Override
    public Node node() {
        return node;
    }

    void attach(PartitionWorker w) {
        mailbox.add(new Attach(w));
        wakeup();
    }

    void detach(PartitionWorker w) {
        mailbox.add(new Detach(w));
        wakeup();
    }

    void wakeup() {
        channel.wakeup();
    }

    /** Workers attached now (executor thread's view; approximate from other threads). */
    int workerCount() {
        return member.size();
    }

    long requestsSent() {
        return requestsSent;
    }

    long partitionsSent() {
        return partitionsSent;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                try {
                    runOnce();
                    errorBackoffMs = 0;
                } catch (RuntimeException e) {
                    onUnexpected(e);
                    sleep(errorBackoffMs);
                }
            }
        } finally {
            failAllInFlight();
            channel.close();
        }
    }

    /**
     * A bug, not a Kafka error: fail what is in flight back to the workers (they retry with
     * backoff), reconnect, and back off before the next round.
     */
    void onUnexpected(RuntimeException e) {
        errorBackoffMs =
                errorBackoffMs == 0
                        ? Math.max(1, engine.settings.retryBackoffMs())
                        : Math.min(MAX_ERROR_BACKOFF_MS, errorBackoffMs * 2);
        LOG.error(
                "produce executor for node {} hit an unexpected error; retrying its in-flight"
                        + " requests after {} ms",
                node.id(),
                errorBackoffMs,
                e);
        failAllInFlight();
        channel.disconnect();
        engine.nodeFailed(node);
    }

    /** The backoff before the next round after an unexpected error, 0 when none. */
    long errorBackoffMs() {
        return errorBackoffMs;
    }

    private void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        // parks (not Thread.sleep): stop() wakes the channel and sets `stopped`, checked here
        while (!stopped && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** One duty cycle: take mailbox changes, send what is ready, poll the connection. */
    void runOnce() {
        for (Change c; (c = mailbox.poll()) != null; ) {
            if (c instanceof Attach a) {
                if (member.add(a.worker())) {
                    workers.add(a.worker());
                }
            } else if (c instanceof Detach d && member.remove(d.worker())) {
                workers.remove(d.worker());
            }
        }
        long now = engine.clockMs();
        if (!channel.ready(now)) {
            WireFailure failure = channel.connectionFailure();
            if (failure != null && now >= nextFailureReportMs) {
                onConnectionFailure(failure, now);
            }
            // Nothing can be sent: the events wait (a spool), the connection is retried
            channel.poll(Math.min(100, engine.settings.retryBackoffMs() + 1), now);
            return;
        }
        if (nextFailureReportMs != 0 || authFailed) {
            nextFailureReportMs = 0;
            authFailed = false;
            engine.cluster.health().clear(source);
        }
        while (channel.canSend(now) && sendOne(now)) {
            now = engine.clockMs();
        }
        long wait = 100;
        if (channel.canSend(now)) {
            // When the connection cannot take another request, the next answer (which ends the
            // poll early) is what can unblock us; otherwise sleep until a worker's next deadline.
            long deadline = Long.MAX_VALUE;
            for (PartitionWorker w : workers) {
                deadline = Math.min(deadline, w.nextDeadlineMs(now));
            }
            wait = deadline == Long.MAX_VALUE ? 100 : Math.max(0, Math.min(100, deadline - now));
        }
        channel.poll(wait, now);
    }

    private void onConnectionFailure(WireFailure failure, long now) {
        // Reported again every second while it lasts: each report refreshes metadata, and the
        // workers move as soon as the cluster names new leaders.
        if (failure.kind() == WireFailure.Kind.AUTHENTICATION) {
            authFailed = true;
            engine.cluster
                    .health()
                    .raise(ClusterCondition.Kind.AUTHENTICATION, source, failure.message());
        } else if (nextFailureReportMs == 0) {
            LOG.warn("cannot connect to node {} ({}); reassigning its partitions", node, failure);
        }
        nextFailureReportMs = now + 1000;
        engine.nodeFailed(node);
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the executor thread
    private boolean sendOne(long now) {
        Map<PartitionWorker, PartitionWorker.InFlight> parts = new LinkedHashMap<>();
        int budget = engine.settings.maxRequestSizeBytes() - 256;
        int n = workers.size();
        for (int i = 0; i < n && budget > 0; i++) {
            PartitionWorker w = workers.get((roundRobin + i) % n);
            PartitionWorker.InFlight b;
            try {
                b = w.next(now, budget, parts.isEmpty());
            } catch (RuntimeException e) {
                LOG.error(
                        "partition worker {} failed to cut a batch; skipping it this round",
                        w.tp,
                        e);
                continue;
            }
            if (b != null) {
                parts.put(w, b);
                budget -= b.encoded.sizeInBytes() + 64;
            }
        }
        if (n > 0) {
            roundRobin = (roundRobin + 1) % n;
        }
        if (parts.isEmpty()) {
            return false;
        }
        Map<TopicPartition, EncodedBatch> batches = new HashMap<>();
        Map<String, Uuid> ids = new HashMap<>();
        for (Map.Entry<PartitionWorker, PartitionWorker.InFlight> e : parts.entrySet()) {
            TopicPartition tp = e.getKey().tp;
            batches.put(tp, e.getValue().encoded);
            Uuid id = engine.metadata.topicId(tp.topic());
            ids.put(tp.topic(), id == null ? Uuid.ZERO_UUID : id);
        }
        long requestId = nextRequestId++;
        inFlight.put(requestId, parts);
        sentAtMs.put(requestId, now);
        if (oldestSentMs == 0) {
            oldestSentMs = now;
        }
        requestsSent = requestsSent + 1;
        partitionsSent = partitionsSent + parts.size();
        channel.send(
                new WireRequest.Produce(
                        engine.settings.acks(), engine.settings.requestTimeoutMs(), batches, ids),
                now,
                outcome -> fanOut(requestId, outcome));
        return true;
    }

    private void fanOut(long requestId, Outcome<Map<TopicPartition, PartitionResult>> outcome) {
        Map<PartitionWorker, PartitionWorker.InFlight> parts = inFlight.remove(requestId);
        answered(requestId);
        if (parts == null) {
            return;
        }
        long now = engine.clockMs();
        if (!outcome.succeeded()) {
            LOG.warn(
                    "produce request to node {} failed ({}); {} partitions will retry",
                    node.id(),
                    outcome.failure(),
                    parts.size());
            parts.forEach(
                    (w, b) -> {
                        try {
                            w.onTransportFailure(b, now);
                        } catch (RuntimeException e) {
                            LOG.error("retrying {} failed", w.tp, e);
                        }
                    });
            engine.nodeFailed(node);
            return;
        }
        Map<TopicPartition, PartitionResult> results = outcome.response();
        parts.forEach(
                (w, b) -> {
                    try {
                        settle(w, b, results, now);
                    } catch (RuntimeException e) {
                        // A listener or a bug threw: the batch must not stay "sent" forever.
                        LOG.error("settling {} failed; the batch will be retried", w.tp, e);
                        w.onTransportFailure(b, now);
                    }
                });
    }

    private void settle(
            PartitionWorker w,
            PartitionWorker.InFlight b,
            Map<TopicPartition, PartitionResult> results,
            long now) {
        PartitionResult r = results.get(w.tp);
        if (r == null && engine.settings.acks() == 0) {
            r = new PartitionResult(WireError.NONE, -1, null, -1); // acks=0: sent is all we learn
        }
        if (r == null) {
            LOG.warn(
                    "produce response from node {} has no result for {}; it will retry",
                    node.id(),
                    w.tp);
            w.onTransportFailure(b, now);
        } else {
            w.onResult(b, r, now);
        }
    }

    private void failAllInFlight() {
        long now = engine.clockMs();
        for (Map<PartitionWorker, PartitionWorker.InFlight> parts : inFlight.values()) {
            parts.forEach((w, b) -> w.onTransportFailure(b, now));
        }
        inFlight.clear();
        sentAtMs.clear();
        oldestSentMs = 0;
    }

    private void answered(long requestId) {
        sentAtMs.remove(requestId);
        long oldest = 0;
        for (long t : sentAtMs.values()) {
            oldest = oldest == 0 ? t : Math.min(oldest, t);
        }
        oldestSentMs = oldest;
    }

    /**
     * How long the oldest request in flight has waited at {@code nowMs}, 0 when none; any thread.
     */
    long oldestWaitMs(long nowMs) {
        long t = oldestSentMs;
        return t == 0 ? 0 : Math.max(0, nowMs - t);
    }

    /** Signals the thread to stop; never waits (the mapper's owner thread calls it). */
    @Override
    public void stop() {
        stopped = true;
        engine.executorStopped(this);
        wakeup();
        if (thread == null) {
            failAllInFlight();
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

    @Override
    public String toString() {
        return "ProduceExecutor{node=" + node.id() + "}";
    }
}
