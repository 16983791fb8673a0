package io.ferry.bench.mapper;

import io.ferry.mapper.Mapper;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one reassign through the command queue: from {@code triggerReassign(worker)} on
 * the caller's thread until the worker holds its new executor, with 10,000 workers over 100 nodes
 * already mapped. Workers are taken round-robin, each moved to another node.
 *
 * <ul>
 *   <li>{@code ownerThread}: the owner thread is idle (waiting on the queue) when the request is
 *       posted, so the figure includes waking it: what a worker sees in production.
 *   <li>{@code stepped}: the caller steps the mapper itself: the queue and the pass, no hand-off.
 * </ul>
 *
 * <p>Run: {@code mvn -pl ferry-bench -am package -DskipTests && java -jar
 * ferry-bench/target/benchmarks.jar MapperReassignLatencyBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapperReassignLatencyBenchmark {
    @Param({"stepped", "ownerThread"})
    public String mode;

    private BenchResolver resolver;
    private BenchWorker[] workers;
    private Mapper<Integer, BenchExecutor> mapper;
    private boolean stepped;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        stepped = "stepped".equals(mode);
        resolver = new BenchResolver(MapperReassignBenchmark.NODES);
        BenchWorker.Tally tally = new BenchWorker.Tally();
        Mapper.Builder<Integer, BenchExecutor> builder = Mapper.builder(resolver).retryBackoffMs(0);
        mapper = stepped ? builder.build() : builder.threadName("bench-mapper").start();
        workers = new BenchWorker[MapperReassignBenchmark.WORKERS];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new BenchWorker(i, tally);
            mapper.onWorkerSpawned(workers[i]);
        }
        while (tally.accepted < workers.length) {
            if (stepped) {
                mapper.doWork();
            } else {
                Thread.onSpinWait();
            }
        }
        resolver.shift = 1; // from now on every reassign moves its worker to the next node
    }

    @Benchmark
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    public BenchExecutor oneReassign() {
        BenchWorker w = workers[next];
        if (++next == workers.length) {
            next = 0;
            resolver.shift++; // so the next round moves every worker again
        }
        BenchExecutor before = w.current;
        long target = w.accepted + 1;
        mapper.triggerReassign(w);
        if (stepped) {
            mapper.doWork();
        } else {
            while (w.accepted < target) {
                Thread.onSpinWait();
            }
        }
        return before;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (BenchWorker w : workers) {
            mapper.onWorkerStopped(w);
        }
        mapper.stop();
    }
}
