package io.ferry.bench.mapper;

import io.ferry.mapper.Resolver;
import io.ferry.mapper.Worker;

/**
 * Routes worker i to node (i + shift) mod nodes; bumping {@link #shift} moves every worker to the
 * next node, so a reassignment of all workers moves every reference (the costly case).
 */
final class BenchResolver implements Resolver<Integer, BenchExecutor> {
    private final Integer[] nodes;
    volatile int shift;

    BenchResolver(int nodeCount) {
        nodes = new Integer[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            nodes[i] = i; // boxed once: resolving allocates nothing
        }
    }

    @Override
    public Integer resolveNode(Worker<BenchExecutor> worker) {
        return nodes[(((BenchWorker) worker).index + shift) % nodes.length];
    }

    @Override
    public BenchExecutor spawnExecutor(Integer node) {
        return new BenchExecutor(node);
    }
}
