package io.ferry.mapper;

/**
 * One call to the mapper, posted by any thread and applied by the owner thread; immutable.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class Command<N, E extends Executor<N>> {

    /** What happened. */
    enum Kind {
        /** {@link Mapper#onWorkerSpawned}: {@link #worker} is new. */
        WORKER_SPAWNED,
        /** {@link Mapper#onWorkerStopped}: {@link #worker} has stopped. */
        WORKER_STOPPED,
        /** {@link Mapper#triggerReassign}: {@link #worker} asks to be resolved again. */
        REASSIGN,
        /**
         * {@link Mapper#resolveNow}: {@link #worker} is resolved at the next step, backoff or not.
         */
        RESOLVE_NOW,
        /** {@link Mapper#nodeFailed}: every worker on {@link #node} is resolved again. */
        NODE_FAILED,
        /** {@link Mapper#stop}: refuse new workers, terminate once the last one has stopped. */
        STOP
    }

    final Kind kind;
    final Worker<E> worker;
    final N node;

    private Command(Kind kind, Worker<E> worker, N node) {
        this.kind = kind;
        this.worker = worker;
        this.node = node;
    }

    static <N, E extends Executor<N>> Command<N, E> ofWorker(Kind kind, Worker<E> worker) {
        return new Command<>(kind, worker, null);
    }

    static <N, E extends Executor<N>> Command<N, E> nodeFailed(N node) {
        return new Command<>(Kind.NODE_FAILED, null, node);
    }

    static <N, E extends Executor<N>> Command<N, E> stop() {
        return new Command<>(Kind.STOP, null, null);
    }

    @Override
    public String toString() {
        return kind + "(" + (worker != null ? worker : node) + ")";
    }
}
