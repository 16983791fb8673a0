package io.ferry.bench.mapper;

import io.ferry.mapper.Executor;

/** An executor that does nothing; the mapper calls it on its owner thread only. */
final class BenchExecutor implements Executor<Integer> {
    private final Integer node;
    volatile boolean stopped;

    BenchExecutor(Integer node) {
        this.node = node;
    }

    @Override
    public Integer node() {
        return node;
    }

    @Override
    public void stop() {
        stopped = true;
    }
}
