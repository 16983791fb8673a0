package io.ferry.bench.mapper;

import io.ferry.mapper.Worker;

/**
 * A worker that always takes its assignment; the mapper's owner thread is the only writer of its
 * fields, the benchmark thread reads them to see a hand-over land.
 */
final class BenchWorker implements Worker<BenchExecutor> {
    final int index;
    private final Tally tally;
    volatile BenchExecutor current;
    volatile long accepted; // single writer: the owner thread

    BenchWorker(int index, Tally tally) {
        this.index = index;
        this.tally = tally;
    }

    @Override
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    public boolean offerAssignment(BenchExecutor executor) {
        current = executor;
        accepted++;
        tally.accepted++;
        return true;
    }

    /** Hand-overs accepted by all workers of one mapper; single writer, the owner thread. */
    static final class Tally {
        volatile long accepted;
    }
}
