package io.ferry.mapper;

/**
 * Serves the requests of the workers assigned to it over one node's connection; the mapper calls
 * {@link #node()} and {@link #stop()} only from its owner thread, while workers use the executor
 * from their own threads.
 *
 * <p>The mapper spawns an executor (through {@link Resolver#spawnExecutor(Object)}) the first time
 * a worker is resolved to its node, keeps at most one live executor per node, and stops it once
 * every worker it was handed to has stopped or been handed another executor. It never stops an
 * executor twice.
 *
 * @param <N> the node type
 */
public interface Executor<N> {

    /** The node this executor talks to; constant for the executor's life. */
    N node();

    /**
     * Stops the executor synchronously: when this returns it has released its connection and will
     * not call any worker again. Called at most once, on the mapper's owner thread, so it should be
     * quick; requests still in flight are failed (their workers retry on their new executor). A
     * runtime exception thrown here is logged and the executor is considered stopped.
     */
    void stop();
}
