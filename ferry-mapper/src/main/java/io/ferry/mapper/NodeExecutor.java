package io.ferry.mapper;

/**
 * The live executor of one node and how many workers hold it; only accessed by the owner thread.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class NodeExecutor<N, E extends Executor<N>> {
    final N node;
    final E executor;

    /** The number of workers whose {@link WorkerState#assigned} is this; the seed's references. */
    int references;

    boolean stopped;

    NodeExecutor(N node, E executor) {
        this.node = node;
        this.executor = executor;
    }

    @Override
    public String toString() {
        return executor
                + " of node "
                + node
                + " (refs="
                + references
                + (stopped ? ", stopped)" : ")");
    }
}
