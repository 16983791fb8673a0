package io.ferry.kafka.consume;

import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.GroupOffsets;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.OffsetToCommit;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.mapper.Executor;
import io.ferry.mapper.Worker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit executor of one group coordinator node: every {@code offsets-commit-interval} it
 * sends, for each of its groups with something new, ONE OffsetCommit carrying all that group's
 * changed partitions (so one request per group per coordinator per interval: OffsetCommit has one
 * group per request), reads the start offsets of new workers with one OffsetFetch per group, and
 * runs the engine's administrative reads and writes. Its own thread runs {@link #runOnce()} (a test
 * steps it instead); {@link #attach}, {@link #detach}, {@link #wakeup()} and {@link #stop()} may be
 * called from any thread.
 */
public final class CommitExecutor implements Executor<Node>, Runnable {
    /* Design notes
     * The channel (purpose "commit") is this executor's own connection to the coordinator, never
     * shared with fetches: a long-poll fetch would hold a commit behind it (CONSUME-NOTES 2, and
     * GroupWireIT's aLongPollFetch test). Workers join and leave through a mailbox of typed
     * commands; everything under "Executor thread only" has this thread as its single writer.
     * One request per group in flight at a time, so a group's commits never overtake each other.
     * Errors (per partition unless said): OFFSET_METADATA_TOO_LARGE: the worker's cap is halved and
     * the group commits again at once; STALE_MEMBER_EPOCH (all partitions): the member is told and
     * the commit retried after the backoff with its epoch then; FENCED_MEMBER_EPOCH /
     * UNKNOWN_MEMBER_ID: the group commits nothing more with that epoch, the member is told, flushes
     * fail; NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE: the engine forgets the coordinator and
     * reassigns the group's workers through the mapper (COORDINATOR_LOAD_IN_PROGRESS only retries);
     * a disconnect or timeout: nodeFailed (every worker here is resolved again); anything else is
     * retried after the backoff (a spool: an operator may fix an ACL), flushes fail at once.
     * stop() only signals, as ProduceExecutor's: in-flight answers are abandoned, and the workers
     * commit again on their next executor (a commit is idempotent).
     */
    private static final Logger LOG = LoggerFactory.getLogger(CommitExecutor.class);

    private sealed interface Change {}

    private record Attach(Worker<CommitExecutor> worker) implements Change {}

    private record Detach(Worker<CommitExecutor> worker) implements Change {}

    private final Node node;
    private final CommitEngine engine;
    private final NodeChannel channel;
    private final ConcurrentLinkedQueue<Change> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread; // null when stepped
    private volatile boolean stopped;

    /** OffsetCommit requests sent, for tests and metrics; written by the executor thread only. */
    private volatile long commitsSent;

    // Executor thread only.
    private final Map<String, GroupState> groups = new LinkedHashMap<>();
    private final Map<AdminTask<?>, Long> tasks = new LinkedHashMap<>(); // retry at; -1 in flight
    private long nextFailureReportMs;

    /** One group's workers on this executor and its commit schedule; executor thread only. */
    private static final class GroupState {
        final Map<TopicPartition, OffsetWorker> workers = new LinkedHashMap<>();
        boolean commitInFlight;
        boolean fetchInFlight;
        long nextCommitMs;
        long backoffUntilMs;
        int fencedEpoch = Integer.MIN_VALUE;
    }

    CommitExecutor(Node node, CommitEngine engine, NodeChannel channel, boolean ownThread) {
        this.node = node;
        this.engine = engine;
        this.channel = channel;
        if (ownThread) {
            this.thread = new Thread(this, "ferry-commit-node-" + node.id());
            thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    CommitExecutor start() {
        if (thread != null) {
            thread.start();
        }
        return this;
    }

    @Override
    public Node node() {
        return node;
    }

    void attach(Worker<CommitExecutor> w) {
        mailbox.add(new Attach(w));
        wakeup();
    }

    void detach(Worker<CommitExecutor> w) {
        mailbox.add(new Detach(w));
        wakeup();
    }

    void wakeup() {
        channel.wakeup();
    }

    /** OffsetCommit requests sent so far. */
    long commitsSent() {
        return commitsSent;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                try {
                    runOnce();
                } catch (RuntimeException e) {
                    LOG.error(
                            "commit executor of node {} hit an unexpected error; reconnecting and"
                                    + " retrying its groups after the backoff",
                            node.id(),
                            e);
                    resetInFlight(engine.nowMs());
                    channel.disconnect();
                    engine.nodeFailed(node);
                    java.util.concurrent.locks.LockSupport.parkNanos(
                            engine.retryBackoffMs() * 1_000_000L);
                }
            }
        } finally {
            channel.close();
        }
    }

    /** One duty cycle: take mailbox changes, send what is due, poll the connection. */
    void runOnce() {
        applyChanges();
        long now = engine.nowMs();
        if (!channel.ready(now)) {
            WireFailure failure = channel.connectionFailure();
            if (failure != null && now >= nextFailureReportMs) {
                if (nextFailureReportMs == 0) {
                    LOG.warn(
                            "cannot connect to coordinator node {} ({}); finding the coordinators"
                                    + " of its groups again",
                            node,
                            failure);
                }
                nextFailureReportMs = now + 1000;
                engine.nodeFailed(node);
            }
            channel.poll(Math.min(100, engine.retryBackoffMs() + 1), now);
            return;
        }
        nextFailureReportMs = 0;
        sendTasks(now);
        for (Map.Entry<String, GroupState> e : groups.entrySet()) {
            if (!channel.canSend(now)) {
                break;
            }
            sendFetch(e.getKey(), e.getValue(), now);
            if (channel.canSend(now)) {
                sendCommit(e.getKey(), e.getValue(), now);
            }
        }
        channel.poll(waitMs(now), now);
    }

    private void applyChanges() {
        for (Change c; (c = mailbox.poll()) != null; ) {
            if (c instanceof Attach a) {
                if (a.worker() instanceof OffsetWorker w) {
                    if (!w.stopped()) {
                        GroupState g = groups.computeIfAbsent(w.group, k -> new GroupState());
                        g.workers.put(w.tp, w);
                    }
                } else if (a.worker() instanceof AdminTask<?> t && !t.done.isDone()) {
                    tasks.putIfAbsent(t, 0L);
                }
            } else if (c instanceof Detach d) {
                if (d.worker() instanceof OffsetWorker w) {
                    GroupState g = groups.get(w.group);
                    if (g != null && g.workers.remove(w.tp, w) && g.workers.isEmpty()) {
                        groups.remove(w.group);
                    }
                } else if (d.worker() instanceof AdminTask<?> t) {
                    tasks.remove(t);
                }
            }
        }
    }

    private long waitMs(long now) {
        long next = now + 100;
        for (GroupState g : groups.values()) {
            if (!g.commitInFlight) {
                next = Math.min(next, Math.max(g.nextCommitMs, g.backoffUntilMs));
            }
        }
        return Math.max(0, next - now);
    }

    // ---- start offsets ------------------------------------------------------------------------

    private void sendFetch(String group, GroupState g, long now) {
        if (g.fetchInFlight || now < g.backoffUntilMs) {
            return;
        }
        List<OffsetWorker> want = new ArrayList<>();
        for (OffsetWorker w : g.workers.values()) {
            if (!w.started()) {
                want.add(w);
            }
        }
        if (want.isEmpty()) {
            return;
        }
        CommitMember m = want.get(0).member;
        int epoch = m.memberEpoch();
        if (epoch > 0 && epoch == g.fencedEpoch) {
            return; // fenced at this epoch: read once the member has rejoined
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (OffsetWorker w : want) {
            tps.add(w.tp);
        }
        g.fetchInFlight = true;
        channel.send(
                new WireRequest.OffsetFetch(
                        group,
                        epoch > 0 ? m.memberId() : null,
                        epoch > 0 ? epoch : -1,
                        true,
                        tps,
                        topicIds(tps)),
                now,
                o -> onFetched(group, g, want, epoch, o));
    }

    private void onFetched(
            String group,
            GroupState g,
            List<OffsetWorker> asked,
            int epoch,
            Outcome<GroupOffsets> o) {
        g.fetchInFlight = false;
        long now = engine.nowMs();
        if (!o.succeeded()) {
            transportFailed("OffsetFetch", group, g, o.failure(), now);
            return;
        }
        GroupOffsets r = o.response();
        WireError ge = r.error();
        if (!ge.isNone()) {
            if (!groupErrorRetried("OffsetFetch", group, g, ge, asked.get(0).member, epoch, now)) {
                for (OffsetWorker w : asked) {
                    w.started(new CommittedOffset(-1, -1, "", ge));
                }
            }
            return;
        }
        for (OffsetWorker w : asked) {
            CommittedOffset c = r.partitions().get(w.tp);
            if (c == null || (!c.error().isNone() && c.error().retriable())) {
                g.backoffUntilMs = now + engine.retryBackoffMs(); // UNSTABLE_OFFSET_COMMIT ...
            } else {
                w.started(c);
            }
        }
    }

    // ---- commits ------------------------------------------------------------------------------

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the executor thread
    private void sendCommit(String group, GroupState g, long now) {
        if (g.commitInFlight || now < g.backoffUntilMs) {
            return;
        }
        boolean flush = false;
        for (OffsetWorker w : g.workers.values()) {
            flush |= w.flushWanted();
        }
        if (now < g.nextCommitMs && !flush) {
            return;
        }
        g.nextCommitMs = now + engine.commitIntervalMs();
        CommitMember m = g.workers.values().iterator().next().member;
        int epoch = m.memberEpoch();
        if (epoch <= 0) {
            return; // not in the group now: flushes wait for the member (or their timeout)
        }
        if (epoch == g.fencedEpoch) {
            for (OffsetWorker w : g.workers.values()) {
                w.failFlushes(
                        CommitEngine.CommitFailedException.Reason.FENCED,
                        null,
                        "group " + group + " was fenced at member epoch " + epoch);
            }
            return;
        }
        Map<TopicPartition, OffsetToCommit> offsets = new HashMap<>();
        Map<TopicPartition, OffsetWorker.Taken> taken = new HashMap<>();
        Map<TopicPartition, OffsetWorker> sentTo = new HashMap<>();
        for (OffsetWorker w : g.workers.values()) {
            OffsetWorker.Taken t = w.take();
            if (t != null) {
                CommitSource.Point p = t.point();
                offsets.put(w.tp, new OffsetToCommit(p.offset(), p.leaderEpoch(), p.metadata()));
                taken.put(w.tp, t);
                sentTo.put(w.tp, w);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        g.commitInFlight = true;
        commitsSent = commitsSent + 1;
        channel.send(
                new WireRequest.OffsetCommit(
                        group, m.memberId(), epoch, offsets, topicIds(offsets.keySet())),
                now,
                o -> onCommitted(group, g, m, epoch, sentTo, taken, o));
    }

    private void onCommitted(
            String group,
            GroupState g,
            CommitMember m,
            int epoch,
            Map<TopicPartition, OffsetWorker> sentTo,
            Map<TopicPartition, OffsetWorker.Taken> taken,
            Outcome<Map<TopicPartition, WireError>> o) {
        g.commitInFlight = false;
        long now = engine.nowMs();
        if (!o.succeeded()) {
            transportFailed("OffsetCommit", group, g, o.failure(), now);
            return;
        }
        Map<TopicPartition, WireError> errors = o.response();
        WireError first = null;
        for (Map.Entry<TopicPartition, OffsetWorker> e : sentTo.entrySet()) {
            OffsetWorker w = e.getValue();
            WireError err = errors.get(e.getKey());
            OffsetWorker.Taken t = taken.get(e.getKey());
            if (err == null) {
                g.nextCommitMs = now; // no answer for it: commit it again in the next round
            } else if (err.isNone()) {
                w.committed(t);
            } else if (is(err, "OFFSET_METADATA_TOO_LARGE")) {
                if (w.metadataTooLarge(t)) {
                    LOG.info(
                            "group {}: metadata of {} too large ({} chars); committing it with at"
                                    + " most {} (the ranges left out are redelivered)",
                            group,
                            w.tp,
                            t.point().metadata().length(),
                            w.metadataCap());
                    g.nextCommitMs = now;
                } else {
                    w.failFlushes(
                            CommitEngine.CommitFailedException.Reason.REFUSED, err, err.message());
                }
            } else if (first == null) {
                first = err;
            }
        }
        if (first != null && !groupErrorRetried("OffsetCommit", group, g, first, m, epoch, now)) {
            LOG.warn(
                    "group {}: coordinator node {} refused a commit ({}); retrying after {} ms",
                    group,
                    node.id(),
                    first,
                    engine.retryBackoffMs());
            for (Map.Entry<TopicPartition, OffsetWorker> e : sentTo.entrySet()) {
                WireError err = errors.get(e.getKey());
                if (err != null && !err.isNone() && !err.retriable()) {
                    e.getValue()
                            .failFlushes(
                                    CommitEngine.CommitFailedException.Reason.REFUSED,
                                    err,
                                    "Kafka refused the commit of " + e.getKey() + ": " + err);
                }
            }
        }
    }

    /**
     * Handles the errors that concern the group (coordinator, member): true when handled (the
     * request is retried), false for any other error, which is retried after the backoff anyway.
     */
    private boolean groupErrorRetried(
            String api,
            String group,
            GroupState g,
            WireError e,
            CommitMember m,
            int epoch,
            long now) {
        g.backoffUntilMs = now + engine.retryBackoffMs();
        g.nextCommitMs = g.backoffUntilMs;
        if (is(e, "NOT_COORDINATOR") || is(e, "COORDINATOR_NOT_AVAILABLE")) {
            LOG.info(
                    "group {}: node {} answered {} to {}; finding its coordinator again",
                    group,
                    node.id(),
                    e.name(),
                    api);
            engine.coordinatorError(group, node);
            return true;
        }
        if (is(e, "COORDINATOR_LOAD_IN_PROGRESS") || is(e, "REBALANCE_IN_PROGRESS")) {
            return true;
        }
        if (is(e, "STALE_MEMBER_EPOCH")) {
            if (epoch > 0) {
                m.staleEpoch(epoch);
            }
            return true;
        }
        if (is(e, "FENCED_MEMBER_EPOCH") || is(e, "UNKNOWN_MEMBER_ID")) {
            if (epoch <= 0) {
                return true; // asked outside the membership: the member sorts itself out
            }
            g.fencedEpoch = epoch;
            LOG.warn(
                    "group {}: the coordinator fenced member {} at epoch {} ({}); committing"
                            + " nothing more until it rejoins",
                    group,
                    m.memberId(),
                    epoch,
                    e.name());
            for (OffsetWorker w : g.workers.values()) {
                w.failFlushes(CommitEngine.CommitFailedException.Reason.FENCED, e, e.message());
            }
            m.commitFenced(epoch, e);
            return true;
        }
        return e.retriable();
    }

    private void transportFailed(String api, String group, GroupState g, WireFailure f, long now) {
        LOG.warn(
                "group {}: {} to coordinator node {} failed ({}); finding the coordinator again",
                group,
                api,
                node.id(),
                f);
        g.backoffUntilMs = now + engine.retryBackoffMs();
        g.nextCommitMs = g.backoffUntilMs;
        engine.nodeFailed(node);
    }

    private void resetInFlight(long now) {
        for (GroupState g : groups.values()) {
            g.commitInFlight = false;
            g.fetchInFlight = false;
            g.backoffUntilMs = now + engine.retryBackoffMs();
        }
        tasks.replaceAll((t, at) -> now + engine.retryBackoffMs());
    }

    private static boolean is(WireError e, String name) {
        return e.name().equals(name);
    }

    private Map<String, Uuid> topicIds(Iterable<TopicPartition> tps) {
        Map<String, Uuid> ids = new HashMap<>();
        for (TopicPartition tp : tps) {
            Uuid id = engine.topicId(tp.topic());
            if (id != null) {
                ids.put(tp.topic(), id);
            }
        }
        return ids;
    }

    // ---- administrative requests --------------------------------------------------------------

    private void sendTasks(long now) {
        for (Map.Entry<AdminTask<?>, Long> e : tasks.entrySet()) {
            long at = e.getValue();
            if (at < 0 || now < at || !channel.canSend(now)) {
                continue;
            }
            e.setValue(-1L);
            send(e.getKey(), now);
        }
    }

    private <R> void send(AdminTask<R> t, long now) {
        channel.send(t.request, now, o -> onTaskAnswer(t, o));
    }

    private <R> void onTaskAnswer(AdminTask<R> t, Outcome<R> o) {
        long now = engine.nowMs();
        if (!tasks.containsKey(t)) {
            return; // moved on: the new executor asks
        }
        if (!o.succeeded()) {
            tasks.put(t, now + engine.retryBackoffMs());
            engine.nodeFailed(node);
            return;
        }
        WireError e = t.groupError.apply(o.response());
        if (e != null && e.isCoordinatorError()) {
            tasks.put(t, now + engine.retryBackoffMs());
            if (!is(e, "COORDINATOR_LOAD_IN_PROGRESS")) {
                engine.coordinatorError(t.group, node);
            }
            return;
        }
        tasks.remove(t);
        t.done.complete(o.response());
    }

    /**
     * An administrative request for one group (read or set its offsets) that the mapper routes to
     * the group's coordinator like an offset worker: a coordinator error or a disconnect sends it
     * again to wherever the coordinator is then. The engine retires it once {@link #done} is.
     *
     * @param <R> the answer's type
     */
    static final class AdminTask<R> implements Worker<CommitExecutor> {
        final String group;
        final WireRequest<R> request;
        final Function<R, WireError> groupError;
        final CompletableFuture<R> done = new CompletableFuture<>();
        private CommitExecutor executor; // guarded by this

        AdminTask(String group, WireRequest<R> request, Function<R, WireError> groupError) {
            this.group = group;
            this.request = request;
            this.groupError = groupError;
        }

        @Override
        public boolean offerAssignment(CommitExecutor next) {
            CommitExecutor old;
            synchronized (this) {
                old = executor;
                executor = next;
            }
            if (old != next) {
                if (old != null) {
                    old.detach(this);
                }
                next.attach(this);
            }
            return true;
        }

        synchronized CommitExecutor assignedExecutor() {
            return executor;
        }

        @Override
        public String toString() {
            return "AdminTask{" + group + " " + request.apiName() + "}";
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

    @Override
    public String toString() {
        return "CommitExecutor{node=" + node.id() + "}";
    }
}
