package io.ferry.kafka;

import io.ferry.kafka.wire.EncodedBatch;
import io.ferry.kafka.wire.NodeConnection;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.mapper.Executor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor of one Kafka node: drains the ready partition workers assigned to it into ONE
 * ProduceRequest per round, sends it on the node's connection and fans the per-partition results
 * back out. Its own thread runs {@link #runOnce()}; {@link #attach}, {@link #detach} and {@link
 * #wakeup()} may be called from any thread, {@link #stop()} by the mapper.
 */
final class ProduceExecutor implements Executor<Node>, Runnable {
    /* Design notes
     * The connection (NetworkClient) is owned by this thread alone. Workers join and leave through
     * a mailbox. A round asks each worker, round-robin, for at most one batch within the request's
     * remaining byte budget (max.request.size), so a request carries many partitions. Requests in
     * flight are remembered so that a stop (or the connection's death) fails them back to their
     * workers, which retry wherever the mapper puts them next.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ProduceExecutor.class);

    private final Node node;
    private final KafkaEngine engine;
    private final NodeConnection connection;
    private final ConcurrentLinkedQueue<Object[]> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean stopped;

    // Executor thread only.
    private final List<PartitionWorker> workers = new ArrayList<>();
    private final Set<PartitionWorker> member =
            java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Long, Map<PartitionWorker, PartitionWorker.InFlight>> inFlight =
            new HashMap<>();
    private long nextRequestId;
    private int roundRobin;
    private long nextFailureReportMs;

    /** Requests sent, for tests and metrics. */
    volatile long requestsSent;

    /** Partitions carried by those requests. */
    volatile long partitionsSent;

    ProduceExecutor(Node node, KafkaEngine engine) {
        this.node = node;
        this.engine = engine;
        KafkaSettings s = engine.settings;
        this.connection =
                NodeConnection.open(
                        s.connectionSettings(),
                        engine.clientId,
                        node,
                        s.requestTimeoutMs(),
                        s.maxInFlightPerPartition());
        this.thread = new Thread(this, "ferry-produce-node-" + node.id());
        thread.setDaemon(true);
    }

    ProduceExecutor start() {
        thread.start();
        return this;
    }

    @Override
    public Node node() {
        return node;
    }

    void attach(PartitionWorker w) {
        mailbox.add(new Object[] {true, w});
        wakeup();
    }

    void detach(PartitionWorker w) {
        mailbox.add(new Object[] {false, w});
        wakeup();
    }

    void wakeup() {
        connection.wakeup();
    }

    /** Workers attached now (executor thread's view; approximate from other threads). */
    int workerCount() {
        return member.size();
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                try {
                    runOnce();
                } catch (RuntimeException e) {
                    // A bug, not a Kafka error: do not let the node's workers wait on a dead
                    // thread.
                    // Fail what is in flight back to them (they retry with backoff) and reconnect.
                    LOG.error(
                            "produce executor for node {} hit an unexpected error; retrying its in-flight requests",
                            node.id(),
                            e);
                    failAllInFlight();
                    connection.disconnect();
                    engine.nodeFailed(node);
                }
            }
        } finally {
            failAllInFlight();
            connection.close();
        }
    }

    /** One duty cycle: take mailbox changes, send what is ready, poll the connection. */
    void runOnce() {
        for (Object[] m; (m = mailbox.poll()) != null; ) {
            PartitionWorker w = (PartitionWorker) m[1];
            if ((Boolean) m[0]) {
                if (member.add(w)) {
                    workers.add(w);
                }
            } else if (member.remove(w)) {
                workers.remove(w);
            }
        }
        long now = engine.clockMs();
        if (!connection.ready(now)) {
            if (connection.connectionFailed() && now >= nextFailureReportMs) {
                // Reported again every second while it lasts: each report refreshes metadata, and
                // the workers move as soon as the cluster names new leaders.
                if (nextFailureReportMs == 0) {
                    LOG.warn("cannot connect to node {}; reassigning its partitions", node);
                }
                nextFailureReportMs = now + 1000;
                engine.nodeFailed(node);
            }
            // Nothing can be sent, but time goes on: events past delivery.timeout.ms fail now,
            // so an unreachable node cannot hold the broker's batches (and the router) forever.
            for (PartitionWorker w : workers) {
                w.expire(now);
            }
            connection.poll(Math.min(100, engine.settings.retryBackoffMs() + 1), now);
            return;
        }
        nextFailureReportMs = 0;
        while (connection.canSend(now) && sendOne(now)) {
            now = engine.clockMs();
        }
        long wait = 100;
        if (connection.canSend(now)) {
            // When the connection cannot take another request, the next answer (which ends the
            // poll early) is what can unblock us; otherwise sleep until a worker's next deadline.
            long deadline = Long.MAX_VALUE;
            for (PartitionWorker w : workers) {
                deadline = Math.min(deadline, w.nextDeadlineMs(now));
            }
            wait = deadline == Long.MAX_VALUE ? 100 : Math.max(0, Math.min(100, deadline - now));
        }
        connection.poll(wait, now);
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
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
        requestsSent++;
        partitionsSent += parts.size();
        connection.sendProduce(
                engine.settings.acks(),
                engine.settings.requestTimeoutMs(),
                batches,
                ids,
                now,
                outcome -> fanOut(requestId, outcome));
        return true;
    }

    private void fanOut(long requestId, Outcome<Map<TopicPartition, PartitionResult>> outcome) {
        Map<PartitionWorker, PartitionWorker.InFlight> parts = inFlight.remove(requestId);
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
        {
            PartitionResult r = results.get(w.tp);
            if (r == null) {
                // acks=0 has no answer: sent is all we learn.
                r =
                        engine.settings.acks() == 0
                                ? new PartitionResult(
                                        io.ferry.kafka.wire.WireError.NONE, -1, null, -1)
                                : null;
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
    }

    private void failAllInFlight() {
        long now = engine.clockMs();
        for (Map<PartitionWorker, PartitionWorker.InFlight> parts : inFlight.values()) {
            parts.forEach((w, b) -> w.onTransportFailure(b, now));
        }
        inFlight.clear();
    }

    @Override
    public void stop() {
        stopped = true;
        engine.executorStopped(this);
        wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "ProduceExecutor{node=" + node.id() + "}";
    }
}
