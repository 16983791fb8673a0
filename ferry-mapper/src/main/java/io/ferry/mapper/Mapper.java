package io.ferry.mapper;

import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Maps workers to per-node executors; any thread may call {@link #onWorkerSpawned}, {@link
 * #onWorkerStopped}, {@link #triggerReassign}, {@link #nodeFailed} and {@link #stop}, which post
 * commands to the one owner thread that holds the state and calls the {@link Resolver}, {@link
 * Worker} and {@link Executor} callbacks.
 *
 * <p>The owner is either a thread of the mapper's own ({@link Builder#start()}) or, in step mode
 * ({@link Builder#build()}), whichever single thread calls {@link #doWork()}; step mode with a fake
 * clock makes tests deterministic.
 *
 * <p>A reassignment is triggered when a worker is spawned or stopped, when a worker asks for one,
 * and when a node fails. Executors are spawned the first time a worker is resolved to their node,
 * one per node at most, and stopped as soon as every worker they were handed to has stopped or
 * accepted another executor. Calls arriving while a reassignment runs are applied by the next one.
 * A worker that asks again within the retry backoff of its last resolve waits for the end of the
 * backoff; a failed resolve, an unknown node or a refused hand-over is retried after the backoff.
 * See {@code docs/mapper.md}.
 *
 * @param <N> the node type; nodes are compared with {@code equals}/{@code hashCode}
 * @param <E> the executor type
 */
public final class Mapper<N, E extends Executor<N>> {
    /* Design notes
     * This class is the proxy (Aeron's SenderProxy shape): public calls validate, then post a
     * Command; MapperCore is the single writer of all state. Lifecycle flags live here and are
     * volatile/atomic because any thread reads them: stopRequested (set once by stop(); new workers
     * are refused from then on), terminated (set by the owner after the core terminated).
     *
     * Races, all benign: a spawn that passes the stopRequested check while stop() is posting its
     * command is still applied (the core accepts spawns after STOP) and stop() then waits for that
     * worker too; a call that passes the terminated check just before termination posts a command
     * nobody applies, which is harmless because by then every worker has stopped.
     *
     * Ownership. In threaded mode ownerThread steps the core for its whole life and doWork() is
     * refused. In step mode `stepper` is claimed by CAS around each step (so two threads never step
     * at once, and the CAS orders successive steppers); a callback that re-enters doWork() or calls
     * stop() on the stepping thread is refused instead of deadlocking.
     *
     * Failure. If the owner thread dies of an unexpected throwable, it stops every executor (best
     * effort), records the failure and releases stop(), which rethrows it wrapped; later calls fail
     * with it as their cause.
     */
    private static final System.Logger LOG = System.getLogger(Mapper.class.getName());

    /** The default {@link Builder#retryBackoffMs}, as Kafka's {@code retry.backoff.ms}. */
    public static final long DEFAULT_RETRY_BACKOFF_MS = 100;

    private static final long FOREVER = -1;

    private final MapperCore<N, E> core;
    private final CommandQueue<N, E> commands = new CommandQueue<>();
    private final LongSupplier nanoClock;
    private final Thread ownerThread; // null in step mode
    private final AtomicReference<Thread> stepper = new AtomicReference<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);
    private volatile boolean terminated;
    private volatile Throwable failure;

    private Mapper(Builder<N, E> b, boolean threaded) {
        this.nanoClock = b.nanoClock;
        this.core =
                new MapperCore<>(
                        b.resolver, TimeUnit.MILLISECONDS.toNanos(b.retryBackoffMs), commands);
        this.ownerThread = threaded ? new Thread(this::runOwner, b.threadName) : null;
        if (threaded) {
            ownerThread.setDaemon(true);
        }
    }

    /** Starts configuring a mapper that resolves workers with {@code resolver}. */
    public static <N, E extends Executor<N>> Builder<N, E> builder(Resolver<N, E> resolver) {
        return new Builder<>(Objects.requireNonNull(resolver, "resolver"));
    }

    /**
     * Announces a new worker: it is resolved and offered its executor in the next reassignment. A
     * worker announced again while known is ignored.
     *
     * @throws MapperStoppedException once {@link #stop} has been called: a stopping mapper takes no
     *     new workers
     */
    public void onWorkerSpawned(Worker<E> worker) {
        Objects.requireNonNull(worker, "worker");
        if (stopRequested.get()) {
            throw refused("onWorkerSpawned", worker);
        }
        commands.post(Command.ofWorker(Command.Kind.WORKER_SPAWNED, worker));
    }

    /**
     * Retires a worker that has stopped using its executor; the executor is stopped once no other
     * worker holds it. Unknown or already retired workers are ignored.
     *
     * @throws MapperStoppedException after the mapper has stopped
     */
    public void onWorkerStopped(Worker<E> worker) {
        Objects.requireNonNull(worker, "worker");
        checkNotTerminated("onWorkerStopped", worker);
        commands.post(Command.ofWorker(Command.Kind.WORKER_STOPPED, worker));
    }

    /**
     * Asks for the worker to be resolved again (for example its node no longer leads its
     * partition). Deferred to the end of the retry backoff if the worker was resolved within it;
     * repeated requests coalesce. Unknown workers are ignored.
     *
     * @throws MapperStoppedException after the mapper has stopped
     */
    public void triggerReassign(Worker<E> worker) {
        Objects.requireNonNull(worker, "worker");
        checkNotTerminated("triggerReassign", worker);
        commands.post(Command.ofWorker(Command.Kind.REASSIGN, worker));
    }

    /**
     * Asks for the worker to be resolved again at the next step, even within the retry backoff: for
     * a resolver whose failed answer is now stale because the lookup it started was answered (a
     * coordinator found, a leader's metadata arrived). Only the resolver's owner should call it,
     * once per answer: a resolve that fails again is retried after the backoff as usual, so this
     * cannot spin. Repeated requests coalesce; a worker already due is not resolved twice. Unknown
     * workers are ignored.
     *
     * @throws MapperStoppedException after the mapper has stopped
     */
    public void resolveNow(Worker<E> worker) {
        Objects.requireNonNull(worker, "worker");
        checkNotTerminated("resolveNow", worker);
        commands.post(Command.ofWorker(Command.Kind.RESOLVE_NOW, worker));
    }

    /**
     * Reports a connection failure to the node: every worker assigned to its executor is resolved
     * again (subject to the retry backoff). The executor itself stays; it reconnects on its own and
     * is stopped only when no worker holds it. A node without an executor is ignored.
     *
     * @throws MapperStoppedException after the mapper has stopped
     */
    public void nodeFailed(N node) {
        Objects.requireNonNull(node, "node");
        checkNotTerminated("nodeFailed", node);
        commands.post(Command.nodeFailed(node));
    }

    /**
     * Stops the mapper: from now on new workers are refused; the remaining workers are still served
     * until each has reported {@link #onWorkerStopped}; then every executor is stopped and this
     * returns. Waits without limit and is not interruptible (the interrupt status is kept); see
     * {@link #stop(long, TimeUnit)}. In step mode the calling thread steps the mapper until done.
     * Idempotent.
     *
     * @throws IllegalStateException when called from a mapper callback, which would wait for itself
     * @throws MapperStoppedException when the owner thread failed; executors were stopped best
     *     effort
     */
    public void stop() {
        requestStop();
        if (ownerThread == null) {
            runSteps(FOREVER);
        } else {
            checkNotOwner();
            boolean interrupted = false;
            while (true) {
                try {
                    terminatedLatch.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        throwIfFailed();
    }

    /**
     * As {@link #stop()}, waiting at most {@code timeout}; the stop stays requested either way.
     *
     * @return true when the mapper has stopped, false when the time ran out (workers still running)
     * @throws InterruptedException when interrupted while waiting (threaded mode)
     */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        requestStop();
        boolean done;
        if (ownerThread == null) {
            done = runSteps(Math.max(0, unit.toNanos(timeout)));
        } else {
            checkNotOwner();
            done = terminatedLatch.await(timeout, unit);
        }
        if (done) {
            throwIfFailed();
        }
        return done;
    }

    /**
     * Step mode only: runs one duty cycle at the injected clock's time (applies posted calls, runs
     * a reassignment if any worker is due, stops released executors).
     *
     * @return the amount of work done; 0 when idle
     * @throws IllegalStateException on a mapper with its own thread, from a second thread while one
     *     is stepping, or from a callback inside a step
     */
    public int doWork() {
        if (ownerThread != null) {
            throw new IllegalStateException(
                    "this mapper runs its own owner thread (built with start()); doWork() is only for build()");
        }
        claim();
        try {
            int work = core.doWork(nanoClock.getAsLong());
            if (core.isTerminated()) {
                markTerminated();
            }
            return work;
        } finally {
            stepper.set(null);
        }
    }

    /** Posts the stop command once, without waiting (tests step it through). */
    void requestStop() {
        if (stopRequested.compareAndSet(false, true)) {
            commands.post(Command.stop());
        }
    }

    boolean isTerminated() {
        return terminated;
    }

    /**
     * The state; only for the owner (in tests and benchmarks: the stepping thread, between steps).
     */
    MapperCore<N, E> core() {
        return core;
    }

    private void runOwner() {
        stepper.set(Thread.currentThread());
        try {
            loop(FOREVER);
        } catch (Throwable t) { // whatever happened, the owner must release stop()
            failure = t;
            LOG.log(
                    Level.ERROR,
                    "mapper: owner thread failed; stopping every executor and refusing further calls",
                    t);
            try {
                core.abort();
            } catch (RuntimeException e) {
                t.addSuppressed(e);
            }
        } finally {
            markTerminated();
        }
    }

    private boolean runSteps(long timeoutNanos) {
        claim();
        try {
            return loop(timeoutNanos);
        } finally {
            stepper.set(null);
        }
    }

    /**
     * The owner's loop: step while there is work, else wait for a command or the next due time. An
     * interrupt does not end it (a command stops the mapper), but the thread's interrupt status is
     * restored when it returns, so a caller stepping it (stop() in step mode) keeps it.
     */
    private boolean loop(long timeoutNanos) {
        // Real time bounds how long the caller waits; mapper logic only sees the injected clock.
        long deadline = timeoutNanos == FOREVER ? 0 : System.nanoTime() + timeoutNanos;
        boolean interrupted = false;
        try {
            while (!core.isTerminated()) {
                if (core.doWork(nanoClock.getAsLong()) > 0) {
                    continue;
                }
                long waitNanos = core.nanosUntilDue(nanoClock.getAsLong());
                if (timeoutNanos != FOREVER) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    waitNanos = Math.min(waitNanos, left);
                }
                interrupted |= commands.awaitPosted(waitNanos);
            }
            markTerminated();
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void claim() {
        Thread me = Thread.currentThread();
        if (!stepper.compareAndSet(null, me)) {
            Thread other = stepper.get();
            throw new IllegalStateException(
                    other == me
                            ? "the mapper was re-entered from one of its own callbacks on thread "
                                    + me.getName()
                            : "thread "
                                    + me.getName()
                                    + " tried to step the mapper while "
                                    + (other == null ? "another thread" : other.getName())
                                    + " is stepping it");
        }
    }

    private void checkNotOwner() {
        if (Thread.currentThread() == ownerThread) {
            throw new IllegalStateException(
                    "stop() called from a mapper callback would wait for itself; call it from another thread");
        }
    }

    private void markTerminated() {
        terminated = true;
        terminatedLatch.countDown();
    }

    /** On the hot path: the message is built only when the call is refused. */
    private void checkNotTerminated(String method, Object argument) {
        if (terminated) {
            throw refused(method, argument);
        }
    }

    private MapperStoppedException refused(String method, Object argument) {
        String call = method + "(" + argument + ")";
        Throwable cause = failure;
        if (cause != null) {
            return new MapperStoppedException("mapper failed: " + call + " refused", cause);
        }
        return terminated
                ? new MapperStoppedException("mapper is stopped: " + call + " refused")
                : new MapperStoppedException(
                        "mapper is stopping: " + call + " refused; it takes no new workers");
    }

    private void throwIfFailed() {
        Throwable cause = failure;
        if (cause != null) {
            throw new MapperStoppedException(
                    "mapper owner thread failed; executors were stopped best effort", cause);
        }
    }

    /**
     * Configures a {@link Mapper}; not thread-safe, use it on one thread.
     *
     * @param <N> the node type
     * @param <E> the executor type
     */
    public static final class Builder<N, E extends Executor<N>> {
        private final Resolver<N, E> resolver;
        private LongSupplier nanoClock = System::nanoTime;
        private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
        private String threadName = "ferry-mapper";

        private Builder(Resolver<N, E> resolver) {
            this.resolver = resolver;
        }

        /** The time source, in nanoseconds as {@link System#nanoTime()} (the default). */
        public Builder<N, E> nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * The retry backoff: a failed resolve or hand-over is retried this long after the attempt,
         * and a worker asking again within this long of its last resolve waits until then. At least
         * 0 (0 retries at the next step); default {@value Mapper#DEFAULT_RETRY_BACKOFF_MS}.
         */
        public Builder<N, E> retryBackoffMs(long retryBackoffMs) {
            if (retryBackoffMs < 0) {
                throw new IllegalArgumentException(
                        "retryBackoffMs must be >= 0, was " + retryBackoffMs);
            }
            this.retryBackoffMs = retryBackoffMs;
            return this;
        }

        /**
         * The name of the owner thread started by {@link #start()}; default {@code ferry-mapper}.
         */
        public Builder<N, E> threadName(String threadName) {
            this.threadName = Objects.requireNonNull(threadName, "threadName");
            return this;
        }

        /** A mapper in step mode: nothing runs until a thread calls {@link Mapper#doWork()}. */
        public Mapper<N, E> build() {
            return new Mapper<>(this, false);
        }

        /** A mapper whose own (daemon) owner thread is already running. */
        public Mapper<N, E> start() {
            Mapper<N, E> mapper = new Mapper<>(this, true);
            mapper.ownerThread.start();
            return mapper;
        }
    }
}
