package io.ferry.mapper;

/**
 * Tells the mapper which node should serve a worker and makes executors for nodes; both methods are
 * called only from the mapper's owner thread, one call at a time.
 *
 * <p>Both may take time (a metadata lookup, opening a connection): while they run, calls to the
 * mapper are queued and applied in the next reassignment.
 *
 * @param <N> the node type; nodes are compared with {@code equals}/{@code hashCode}
 * @param <E> the executor type
 */
public interface Resolver<N, E extends Executor<N>> {

    /**
     * Names the node that should serve the worker now.
     *
     * @return the node, or null when none is known now (for example the partition has no leader);
     *     the worker then keeps its previous assignment and is resolved again after the retry
     *     backoff. A runtime exception is treated the same way.
     */
    N resolveNode(Worker<E> worker);

    /**
     * Makes a new executor for the node; called the first time a worker is resolved to a node that
     * has no live executor.
     *
     * @return a started executor whose {@link Executor#node()} equals {@code node}; null or a
     *     runtime exception fails the assignment, which is retried after the backoff
     */
    E spawnExecutor(N node);
}
