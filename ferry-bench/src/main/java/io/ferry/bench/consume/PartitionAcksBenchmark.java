package io.ferry.bench.consume;

import io.ferry.kafka.consume.AckSettings;
import io.ferry.kafka.consume.PartitionAcks;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One partition's tracker (issue 14's consume stream, the engine's hot path): each invocation
 * fetches a batch of {@value #BATCH} records, offers every one and acknowledges every one, in
 * offset order ({@code order=ascending}, one stream) or shuffled within the batch ({@code
 * order=shuffled}, takes in flight answered out of order), with {@code pending} messages offered
 * and not yet acknowledged throughout (the window a client's credit keeps open). Messages per
 * second.
 *
 * <pre>
 * java -jar ferry-bench/target/benchmarks.jar PartitionAcksBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PartitionAcksBenchmark {
    static final int BATCH = 500;

    @Param({"ascending", "shuffled"})
    public String order;

    @Param({"2000"})
    public int pending;

    private PartitionAcks<Long> acks;
    private long next; // the next offset to fetch
    private long acked; // acknowledgements lag the offers by `pending`
    private int[] permutation;

    @Setup
    public void setUp() {
        acks =
                new PartitionAcks<>(
                        0,
                        "",
                        new AckSettings(Long.MAX_VALUE / 4, pending + BATCH, -1),
                        Long::longValue,
                        (offset, record, deliveries) -> true);
        permutation = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            permutation[i] = i;
        }
        if (order.equals("shuffled")) {
            Random r = new Random(14);
            for (int i = BATCH - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
        }
        while (next < pending) { // open the window
            fetchAndOffer();
        }
    }

    private void fetchAndOffer() {
        List<Long> records = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            records.add(next + i);
        }
        next += BATCH;
        acks.addFetched(records, next);
        for (int i = 0; i < BATCH; i++) {
            if (acks.next(0) == null) {
                throw new IllegalStateException("nothing to offer at " + (next - BATCH + i));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long offerAndAck() {
        fetchAndOffer();
        long base = acked;
        long ok = 0;
        for (int i = 0; i < BATCH; i++) {
            if (acks.ack(base + permutation[i]) == PartitionAcks.AckResult.OK) {
                ok++;
            }
        }
        acked += BATCH;
        if (ok != BATCH) {
            throw new IllegalStateException(ok + " of " + BATCH + " acknowledged from " + base);
        }
        return acks.committableOffset();
    }
}
