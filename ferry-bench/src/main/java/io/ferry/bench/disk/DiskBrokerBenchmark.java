package io.ferry.bench.disk;

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
 * Durable throughput in events per second: {@code producers} threads publish with ack listeners and
 * each invocation ends when every event of its burst is acked; one consumer thread takes and acks
 * batches of up to 4096 meanwhile. The JMH thread only drives bursts.
 *
 * <p>{@code impl}: {@code disk} (DiskBroker, fsync always, group commit with the defaults, 64 MiB
 * segments, 256 MiB capacity: acked means forced to the device), {@code filechannel} (the physical
 * limit: the calling thread appends the same number of bytes per event through a 4 MiB buffer, one
 * write per full buffer, and forces once per burst, like {@code dd bs=4M conv=fdatasync}), {@code
 * memory} (MemoryBroker, acks when the consumer acks). {@code eventBytes} is key (16) plus value; a
 * DiskBroker frame adds {@value DiskBenchRig#FRAME_OVERHEAD_BYTES} bytes; MB/s on disk = events/s x
 * (eventBytes + {@value DiskBenchRig#FRAME_OVERHEAD_BYTES}).
 *
 * <p>Run: {@code java -jar ferry-bench/target/benchmarks.jar DiskBrokerBenchmark -f 1 -wi 2 -i 3 -w
 * 2s -r 3s}. The temp directory ({@code java.io.tmpdir}) decides the disk measured. See {@code
 * docs/benchmarks-disk.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DiskBrokerBenchmark {
    /** Events per invocation, a multiple of 1 and 3 producers. */
    public static final int BURST_EVENTS = 3 << 16;

    /** The implementation. */
    @Param({DiskBenchRig.DISK, DiskBenchRig.FILE_CHANNEL, DiskBenchRig.MEMORY})
    public String impl;

    /** Key plus value bytes of each event. */
    @Param({"100", "1024"})
    public int eventBytes;

    /** Producer threads. */
    @Param({"1", "3"})
    public int producers;

    private DiskBenchRig rig;

    /** Starts the rig's threads. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        rig = new DiskBenchRig(impl, producers, eventBytes);
    }

    /** One burst, acked end to end. */
    @Benchmark
    @OperationsPerInvocation(BURST_EVENTS)
    public long publishAcked() throws Exception {
        return rig.runBurst(BURST_EVENTS / producers);
    }

    /** Stops the rig and deletes its files. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        rig.close();
    }
}
