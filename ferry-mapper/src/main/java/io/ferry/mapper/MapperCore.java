package io.ferry.mapper;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mapper's state and its reassign duty cycle; every method is called only by the owner thread
 * (the one stepping {@link #doWork(long)}), so nothing here is synchronized.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class MapperCore<N, E extends Executor<N>> {
    /* Design notes
     * Single writer. Other threads reach this state only through CommandQueue; Mapper makes sure
     * one thread steps at a time (its owner thread, or in step mode the one stepping thread, with a
     * CAS that also orders successive steppers).
     *
     * A step: (1) apply every command posted before the step began (CommandQueue.swap is a
     * snapshot); (2) move deferred workers whose time has come to the ready list; (3) the
     * reassignment: resolve each ready worker, spawn its node's executor if there is none, offer it,
     * and only if the worker took it move the worker's reference from the old executor to the new;
     * (4) stop every executor whose reference count is zero at the end of the pass; (5) when stop was
     * requested and no worker is left, stop what remains and terminate. Commands posted during the
     * step, including by our own callbacks, are applied by the next step: one reassignment at a
     * time, and changes that arrive meanwhile coalesce into the next.
     *
     * Coalescing. A worker is in the ready list or the deferred queue at most once (Pending), so a
     * burst of triggers for it costs one resolve.
     *
     * Backoff (ReassignSchedule). Every attempt stamps lastAttemptNanos. A request (trigger, node
     * failure) within retryBackoff of that stamp is deferred to stamp + backoff, the end of the
     * backoff; a failed attempt (resolve threw or named no node, spawn failed, hand-over refused)
     * is retried at now + backoff. Spawns are never deferred (first attempt), nor is resolveNow:
     * the resolver says the answer its last failure lacked has come (a lookup it started was
     * answered), so waiting out the backoff would only add latency; a resolve that fails again is
     * deferred as any failure, so the backoff still bounds the rate of failing attempts.
     *
     * Executors. Reference counted per node (NodeExecutor). A failed attempt never touches the
     * worker's assignment, so an executor stays live while any worker still holds it: the rule
     * "stopped only after every worker assigned to it has stopped or been assigned elsewhere".
     * Executors are stopped at the end of the pass, after every hand-over of the pass, so a worker
     * moving from A to B already holds B when A stops; a count that touches zero mid-pass and rises
     * again does not stop the executor. An executor spawned for a worker that then refused it has
     * zero references and is stopped at the end of the same pass (no leak). A node failure does
     * not retire the node's executor (it reconnects by itself): only its workers are resolved
     * again. So there is never more than one live executor per node.
     *
     * Failure. Callbacks that throw (resolveNode, spawnExecutor, offerAssignment, Executor.stop)
     * are contained and counted; one line per pass is logged (PassReport).
     */
    private static final System.Logger LOG = System.getLogger(Mapper.class.getName());

    /** Returned by {@link #nanosUntilDue} when nothing is deferred. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    private final Resolver<N, E> resolver;
    private final CommandQueue<N, E> commands;

    /** While passes keep failing, the failure line is logged again at most this often. */
    static final long FAILURE_LOG_EVERY_NANOS = 60_000_000_000L;

    // Owner thread only.
    private long failingPasses;
    private long lastFailureLogNanos;
    private final IdentityHashMap<Worker<E>, WorkerState<N, E>> workers = new IdentityHashMap<>();
    private final Map<N, NodeExecutor<N, E>> executors = new HashMap<>();
    private final ReassignSchedule<N, E> schedule;
    private final ArrayList<NodeExecutor<N, E>> released = new ArrayList<>();
    private ArrayDeque<Command<N, E>> spare = new ArrayDeque<>();
    private final PassReport report = new PassReport();
    private boolean stopRequested;
    private boolean terminated;
    private long passes;
    private long assignments;

    MapperCore(Resolver<N, E> resolver, long retryBackoffNanos, CommandQueue<N, E> commands) {
        this.resolver = resolver;
        this.schedule = new ReassignSchedule<>(retryBackoffNanos);
        this.commands = commands;
    }

    /**
     * One duty cycle at time {@code nowNanos}.
     *
     * @return how much was done (commands applied, workers resolved, executors stopped); 0 means
     *     idle until a command is posted or {@link #nanosUntilDue} passes
     */
    int doWork(long nowNanos) {
        if (terminated) {
            return 0;
        }
        int work = applyCommands(nowNanos);
        schedule.promoteDue(nowNanos);
        if (schedule.hasReady()) {
            work += reassign(nowNanos);
        }
        work += stopReleased();
        if (stopRequested && workers.isEmpty()) {
            terminate("the mapper is stopping");
            LOG.log(
                    Level.INFO,
                    "mapper: stopped; every worker has stopped and every executor is stopped");
            work++;
        }
        return work;
    }

    private int applyCommands(long nowNanos) {
        ArrayDeque<Command<N, E>> batch = commands.swap(spare);
        int applied = batch.size();
        for (Command<N, E> c; (c = batch.poll()) != null; ) {
            switch (c.kind) {
                case WORKER_SPAWNED -> spawned(c.worker);
                case WORKER_STOPPED -> stopped(c.worker);
                case REASSIGN -> {
                    WorkerState<N, E> s = workers.get(c.worker);
                    if (s != null) {
                        schedule.request(s, nowNanos);
                    }
                }
                case RESOLVE_NOW -> {
                    WorkerState<N, E> s = workers.get(c.worker);
                    if (s != null) {
                        schedule.requestNow(s);
                    }
                }
                case NODE_FAILED -> nodeFailed(c.node, nowNanos);
                case STOP -> stopRequested = true;
            }
        }
        spare = batch;
        return applied;
    }

    private void spawned(Worker<E> worker) {
        if (workers.containsKey(worker)) {
            LOG.log(
                    Level.DEBUG,
                    "mapper: worker {0} announced twice; ignoring the duplicate",
                    worker);
            return;
        }
        WorkerState<N, E> s = new WorkerState<>(worker);
        workers.put(worker, s);
        schedule.spawned(s);
    }

    private void stopped(Worker<E> worker) {
        WorkerState<N, E> s = workers.remove(worker);
        if (s == null) {
            LOG.log(Level.DEBUG, "mapper: unknown worker {0} reported stopped; ignoring", worker);
            return;
        }
        s.live = false;
        if (s.assigned != null) {
            release(s.assigned);
            s.assigned = null;
        }
    }

    private void nodeFailed(N node, long nowNanos) {
        NodeExecutor<N, E> failed = executors.get(node);
        if (failed == null) {
            LOG.log(
                    Level.DEBUG,
                    "mapper: node {0} failed but has no executor; nothing to reassign",
                    node);
            return;
        }
        int affected = 0;
        for (WorkerState<N, E> s : workers.values()) {
            if (s.assigned == failed) {
                schedule.request(s, nowNanos);
                affected++;
            }
        }
        LOG.log(
                Level.INFO,
                "mapper: node {0} failed; resolving its {1} workers again",
                node,
                affected);
    }

    /** The reassignment: resolves every ready worker once. */
    private int reassign(long nowNanos) {
        report.reset();
        List<WorkerState<N, E>> ready = schedule.ready();
        for (int i = 0; i < ready.size(); i++) {
            WorkerState<N, E> s = ready.get(i);
            if (s.live) {
                attempt(s, nowNanos);
            }
        }
        schedule.clearReady();
        passes++;
        assignments += report.assigned;
        if (report.failed() > 0) {
            logFailingPass(nowNanos);
        } else {
            if (failingPasses > 0) {
                LOG.log(
                        Level.INFO,
                        "mapper: every worker is assigned again (after {0} failing passes)",
                        failingPasses);
                failingPasses = 0;
            }
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, "mapper: reassigned {0} workers", report.assigned);
            }
        }
        return report.attempts;
    }

    /**
     * A pass left workers unassigned: logged when it starts, then at most once a minute with how
     * many passes failed meanwhile (a partition without a leader is retried every backoff; one line
     * each time flooded the log), and once when it clears.
     */
    private void logFailingPass(long nowNanos) {
        failingPasses++;
        if (failingPasses == 1 || nowNanos - lastFailureLogNanos >= FAILURE_LOG_EVERY_NANOS) {
            lastFailureLogNanos = nowNanos;
            String repeats =
                    failingPasses == 1 ? "" : " [" + failingPasses + " failing passes so far]";
            LOG.log(Level.INFO, report.failureLine(schedule.retryBackoffNanos()) + repeats);
        }
    }

    private void attempt(WorkerState<N, E> s, long nowNanos) {
        report.attempts++;
        s.pending = WorkerState.Pending.NONE;
        s.attempted = true;
        s.lastAttemptNanos = nowNanos;
        N node;
        try {
            node = resolver.resolveNode(s.worker);
        } catch (RuntimeException e) {
            retryLater(s, nowNanos, PassReport.Failure.RESOLVE_FAILED, e);
            return;
        }
        if (node == null) {
            retryLater(s, nowNanos, PassReport.Failure.NO_NODE, null);
            return;
        }
        NodeExecutor<N, E> target = executors.get(node);
        if (target == null && (target = spawn(s, node, nowNanos)) == null) {
            return;
        }
        boolean taken;
        try {
            taken = s.worker.offerAssignment(target.executor);
        } catch (RuntimeException e) {
            retryLater(s, nowNanos, PassReport.Failure.REFUSED, e);
            return;
        }
        if (!taken) {
            retryLater(s, nowNanos, PassReport.Failure.REFUSED, null);
            return;
        }
        report.assigned++;
        NodeExecutor<N, E> previous = s.assigned;
        if (previous != target) {
            target.references++;
            s.assigned = target;
            if (previous != null) {
                release(previous);
            }
        }
    }

    private NodeExecutor<N, E> spawn(WorkerState<N, E> s, N node, long nowNanos) {
        E executor;
        try {
            executor = resolver.spawnExecutor(node);
        } catch (RuntimeException e) {
            retryLater(s, nowNanos, PassReport.Failure.SPAWN_FAILED, e);
            return null;
        }
        if (executor == null) {
            retryLater(s, nowNanos, PassReport.Failure.SPAWN_FAILED, "resolver returned null");
            return null;
        }
        NodeExecutor<N, E> spawned = new NodeExecutor<>(node, executor);
        executors.put(node, spawned);
        released.add(spawned); // stopped at the end of the pass unless a worker takes it
        LOG.log(Level.INFO, "mapper: spawned executor {0} for node {1}", executor, node);
        return spawned;
    }

    private void retryLater(
            WorkerState<N, E> s, long nowNanos, PassReport.Failure why, Object detail) {
        report.fail(why, s.worker, detail);
        schedule.retry(s, nowNanos);
    }

    private void release(NodeExecutor<N, E> ne) {
        if (--ne.references == 0) {
            released.add(ne);
        }
    }

    private int stopReleased() {
        int stopped = 0;
        for (int i = 0; i < released.size(); i++) {
            NodeExecutor<N, E> ne = released.get(i);
            if (ne.references == 0 && !ne.stopped) {
                stopExecutor(ne, "no worker is assigned to it any more");
                stopped++;
            }
        }
        released.clear();
        return stopped;
    }

    private void stopExecutor(NodeExecutor<N, E> ne, String why) {
        ne.stopped = true;
        executors.remove(ne.node, ne);
        try {
            ne.executor.stop();
            LOG.log(
                    Level.INFO,
                    "mapper: stopped executor {0} of node {1}: {2}",
                    ne.executor,
                    ne.node,
                    why);
        } catch (RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "mapper: executor "
                            + ne.executor
                            + " of node "
                            + ne.node
                            + " failed while stopping; considering it stopped",
                    e);
        }
    }

    private void terminate(String why) {
        for (NodeExecutor<N, E> ne : new ArrayList<>(executors.values())) {
            stopExecutor(ne, why);
        }
        schedule.clear();
        terminated = true;
    }

    /** After the owner loop failed: stops every executor, best effort, and terminates. */
    void abort() {
        if (!terminated) {
            int abandoned = workers.size();
            terminate("the mapper's owner thread failed");
            LOG.log(
                    Level.ERROR,
                    "mapper: aborted; every executor stopped while {0} workers were still"
                            + " running (they keep references to stopped executors)",
                    abandoned);
        }
    }

    boolean isTerminated() {
        return terminated;
    }

    /** How long until the next deferred reassign is due, from {@code nowNanos}; may be negative. */
    long nanosUntilDue(long nowNanos) {
        return schedule.nanosUntilDue(nowNanos);
    }

    // ---- Inspection, owner thread only (tests, benchmarks). ----

    /** The executor the worker holds, or null when it is unknown or not assigned yet. */
    E assignedExecutor(Worker<E> worker) {
        WorkerState<N, E> s = workers.get(worker);
        return s == null || s.assigned == null ? null : s.assigned.executor;
    }

    /** The live executor of the node, or null. */
    E executorOf(N node) {
        NodeExecutor<N, E> ne = executors.get(node);
        return ne == null ? null : ne.executor;
    }

    /** The reference count of the node's live executor; 0 when it has none. */
    int references(N node) {
        NodeExecutor<N, E> ne = executors.get(node);
        return ne == null ? 0 : ne.references;
    }

    int workerCount() {
        return workers.size();
    }

    int liveExecutorCount() {
        return executors.size();
    }

    /** Workers waiting for a reassign (ready or deferred). */
    int pendingCount() {
        int n = 0;
        for (WorkerState<N, E> s : workers.values()) {
            if (s.pending != WorkerState.Pending.NONE) {
                n++;
            }
        }
        return n;
    }

    /** Reassignment passes run so far. */
    long passes() {
        return passes;
    }

    /** Hand-overs accepted so far. */
    long assignments() {
        return assignments;
    }

    /**
     * Checks the invariants that hold between steps: every assigned executor is the live executor
     * of its node, reference counts equal the workers holding each executor, and no live executor
     * is unreferenced.
     *
     * @return the violations found; empty when the state is consistent
     */
    List<String> invariantViolations() {
        List<String> violations = new ArrayList<>();
        IdentityHashMap<NodeExecutor<N, E>, Integer> counted = new IdentityHashMap<>();
        for (Map.Entry<Worker<E>, WorkerState<N, E>> e : workers.entrySet()) {
            WorkerState<N, E> s = e.getValue();
            if (s.worker != e.getKey() || !s.live) {
                violations.add("worker " + e.getKey() + " has a foreign or dead state");
            }
            NodeExecutor<N, E> ne = s.assigned;
            if (ne == null) {
                continue;
            }
            counted.merge(ne, 1, Integer::sum);
            if (ne.stopped) {
                violations.add("worker " + s.worker + " holds stopped executor " + ne);
            } else if (executors.get(ne.node) != ne) {
                violations.add(
                        "worker "
                                + s.worker
                                + " holds "
                                + ne
                                + ", not the live executor of its node");
            }
        }
        for (NodeExecutor<N, E> ne : executors.values()) {
            int holders = counted.getOrDefault(ne, 0);
            if (ne.references != holders) {
                violations.add(
                        ne
                                + " counts "
                                + ne.references
                                + " references but "
                                + holders
                                + " workers hold it");
            }
            if (ne.references == 0) {
                violations.add(ne + " is live without references");
            }
            if (ne.stopped) {
                violations.add(ne + " is stopped but still registered for its node");
            }
        }
        return violations;
    }
}
