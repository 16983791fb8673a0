package io.ferry.mapper;

/**
 * What the mapper knows about one spawned worker; only accessed by the owner thread.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class WorkerState<N, E extends Executor<N>> {

    /** Where the worker is in the reassign schedule. */
    enum Pending {
        /** Not waiting for a reassign. */
        NONE,
        /** In the ready list: resolved in the current or next step. */
        READY,
        /** In the deferred queue until {@link #dueNanos}. */
        DEFERRED
    }

    final Worker<E> worker;

    /** The executor the worker last accepted; null until its first accepted hand-over. */
    NodeExecutor<N, E> assigned;

    /**
     * False once the worker has stopped: entries in the ready list or deferred queue are skipped.
     */
    boolean live = true;

    Pending pending = Pending.NONE;

    /** When the worker was last resolved (whatever the outcome); valid once {@link #attempted}. */
    long lastAttemptNanos;

    boolean attempted;

    /** When a deferred reassign becomes due; valid while {@link #pending} is DEFERRED. */
    long dueNanos;

    WorkerState(Worker<E> worker) {
        this.worker = worker;
    }
}
