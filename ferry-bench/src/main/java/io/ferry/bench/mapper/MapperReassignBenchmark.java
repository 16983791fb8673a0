package io.ferry.bench.mapper;

import io.ferry.mapper.Mapper;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reassignment throughput, in workers reassigned per second: 10,000 workers over 100 nodes, each
 * invocation asks every worker to be reassigned and moves each to the next node, so every reassign
 * also moves a reference between executors.
 *
 * <ul>
 *   <li>{@code stepped}: one thread posts the 10,000 requests and steps the mapper once: the cost
 *       of the command queue and the reassign pass without any thread hand-off.
 *   <li>{@code ownerThread}: one poster thread, one owner thread (the production topology); the
 *       invocation ends when all 10,000 hand-overs have landed.
 * </ul>
 *
 * <p>Run: {@code mvn -pl ferry-bench -am package -DskipTests && java -jar
 * ferry-bench/target/benchmarks.jar MapperReassignBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapperReassignBenchmark {
    static final int WORKERS = 10_000;
    static final int NODES = 100;

    @Param({"stepped", "ownerThread"})
    public String mode;

    private BenchResolver resolver;
    private BenchWorker.Tally tally;
    private BenchWorker[] workers;
    private Mapper<Integer, BenchExecutor> mapper;
    private boolean stepped;

    @Setup(Level.Trial)
    public void setUp() {
        stepped = "stepped".equals(mode);
        resolver = new BenchResolver(NODES);
        tally = new BenchWorker.Tally();
        // Backoff 0: every request is due at once, so the benchmark measures work, not waiting.
        Mapper.Builder<Integer, BenchExecutor> builder = Mapper.builder(resolver).retryBackoffMs(0);
        mapper = stepped ? builder.build() : builder.threadName("bench-mapper").start();
        workers = new BenchWorker[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            workers[i] = new BenchWorker(i, tally);
            mapper.onWorkerSpawned(workers[i]);
        }
        awaitAccepted(WORKERS);
    }

    @Benchmark
    @OperationsPerInvocation(WORKERS)
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    public long reassign10kWorkersOver100Nodes() {
        long target = tally.accepted + WORKERS;
        resolver.shift++;
        for (BenchWorker w : workers) {
            mapper.triggerReassign(w);
        }
        awaitAccepted(target);
        return target;
    }

    private void awaitAccepted(long target) {
        if (stepped) {
            while (tally.accepted < target) {
                mapper.doWork();
            }
        } else {
            while (tally.accepted < target) {
                Thread.onSpinWait();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (BenchWorker w : workers) {
            mapper.onWorkerStopped(w);
        }
        mapper.stop();
    }
}
