package io.ferry.mapper;

/**
 * Makes requests through the executor the mapper assigned to it; the mapper calls {@link
 * #offerAssignment} only from its owner thread and it must never block, while the worker reads its
 * assignments on its own thread.
 *
 * <p>Identity is object identity: the mapper keys workers by reference, never by {@code equals}. A
 * worker is announced with {@link Mapper#onWorkerSpawned} and retired with {@link
 * Mapper#onWorkerStopped}.
 *
 * <p>How assignments reach a worker (the seed's buffered channel): the mapper offers every
 * (re)assignment and the worker keeps it, typically in a small mailbox it drains as soon as it can.
 * The newest accepted executor is the worker's current one. The mapper never offers {@code null}: a
 * worker whose node cannot be resolved is simply offered nothing and keeps its previous executor,
 * which stays live (the mapper stops an executor only after every worker it was handed to has
 * stopped or accepted another). A worker therefore learns that it lost its executor only by being
 * offered a new one. The same executor may be offered again (a reassign that resolved the same
 * node); that confirms the assignment.
 *
 * @param <E> the executor type the worker is handed
 */
public interface Worker<E> {

    /**
     * Hands this worker its (new) executor, without blocking.
     *
     * @param executor the executor to use from now on; never null
     * @return true when the worker took it; false when it cannot take it now (its mailbox is full),
     *     in which case the mapper keeps the worker's previous assignment and offers again after
     *     the retry backoff. A runtime exception counts as false.
     */
    boolean offerAssignment(E executor);
}
