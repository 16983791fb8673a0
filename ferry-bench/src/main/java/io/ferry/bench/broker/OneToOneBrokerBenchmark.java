package io.ferry.bench.broker;

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
 * End-to-end hand-off throughput, in events per second, from one producer thread to one consumer
 * thread; the JMH benchmark thread only drives bursts and waits, the producers and the consumer are
 * threads of the {@link HandoffRig}.
 *
 * <p>Each invocation moves {@value #BURST_EVENTS} pre-built events (no allocation per event) and
 * ends only when the consumer has taken every one in batches of up to 1024 and, for the
 * MemoryBroker, the producers' ack listeners have heard of every one. Every implementation holds
 * 65,536 events. {@code impl}: {@code memory} (MemoryBroker, producer acks, the consumer acks each
 * batch), {@code abq} ({@code ArrayBlockingQueue}: {@code put}, {@code drainTo}), {@code disruptor}
 * (LMAX Disruptor 4, BlockingWaitStrategy), {@code disruptor-lite} (LiteBlockingWaitStrategy) and
 * {@code disruptor-yielding} (YieldingWaitStrategy). At trial end the rig is checked (published =
 * consumed = completed) and closed: the broker closed, the disruptor halted, the queue's threads
 * interrupted.
 *
 * <p>Run all broker benchmarks with the ratios: {@code java -cp ferry-bench/target/benchmarks.jar
 * io.ferry.bench.BrokerBenchReport}; this one alone: {@code java -jar
 * ferry-bench/target/benchmarks.jar OneToOneBrokerBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s}. See
 * {@code docs/benchmarks-broker.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OneToOneBrokerBenchmark {
    /** Events per invocation: 786,432, a multiple of 1 and 3 producers. */
    public static final int BURST_EVENTS = 3 << 18;

    /** Producer threads. */
    public static final int PRODUCERS = 1;

    /** The hand-off implementation. */
    @Param({
        HandoffRig.MEMORY,
        HandoffRig.ABQ,
        HandoffRig.DISRUPTOR,
        HandoffRig.DISRUPTOR_LITE,
        HandoffRig.DISRUPTOR_YIELDING
    })
    public String impl;

    private HandoffRig rig;

    /** Starts the rig's threads. */
    @Setup(Level.Trial)
    public void setUp() {
        rig = HandoffRig.start(impl, PRODUCERS);
    }

    /** One burst, end to end; returns the running total so nothing is dead code. */
    @Benchmark
    @OperationsPerInvocation(BURST_EVENTS)
    public long handoff() {
        return rig.runBurst(BURST_EVENTS / PRODUCERS);
    }

    /** Checks that every event arrived exactly once, then stops and joins the rig's threads. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            rig.verify();
        } finally {
            rig.close();
        }
    }
}
