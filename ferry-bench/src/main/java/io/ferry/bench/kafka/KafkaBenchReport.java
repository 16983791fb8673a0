package io.ferry.bench.kafka;

import io.ferry.testkafka.InProcessKafka;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end Kafka benchmark: produces N records of S bytes to a fresh topic of P partitions,
 * once with {@code KafkaProducer} (the anchor) and once through Ferry (MemoryBroker, ProduceEngine,
 * KafkaOutput), with the same acks, linger, batch size and compression, and prints records/s, MB/s,
 * p50/p99 publish-to-ack latency and the ratios Ferry/KafkaProducer; a command-line main, one
 * thread (the clients bring their own).
 *
 * <p>Run, after {@code mvn -B -ntp -q install -N && mvn -B -ntp -q install -DskipTests -pl
 * ferry-bench -am}:
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.kafka.KafkaBenchReport [options]
 * </pre>
 *
 * Without {@code --bootstrap} it starts one Kafka node in this JVM (KRaft, broker and controller
 * combined); {@code --help} lists the options ({@link KafkaBenchOptions#USAGE}). The defaults are
 * the issue's: 2,000,000 records of 100 bytes, 4 partitions, acks=all, linger.ms=5,
 * batch.size=65536, no compression, one warm-up run of N/10 per side, then 3 measured runs per
 * side, alternating. The exit code is 0 when every run's topic held exactly its records, 1 when
 * not, 2 for bad options.
 */
public final class KafkaBenchReport {
    /* Design notes
     * Fairness: both sides publish from this thread as fast as the client accepts (or at --rate),
     * with the same value bytes and keys; a fresh client and a fresh topic per run, so neither
     * carries metadata or connections from a previous run; the sides alternate so that drift in a
     * shared machine's load hits both; a GC before each run so one run's garbage is not collected
     * in the next. Throughput is N over the time from the first publish to the last
     * acknowledgement. Latency is per record, publish call to ack callback, so it includes waiting
     * for room in a full buffer (KafkaProducer's buffer.memory, the MemoryBroker's capacity): at
     * full speed it measures the depth of each client's queue; --rate measures it below saturation.
     * Correctness is checked cheaply after every run: the topic's end offsets must sum to N.
     */
    private KafkaBenchReport() {}

    /**
     * Parses the options, runs the benchmark, prints the report; see the class javadoc for the exit
     * code.
     */
    public static void main(String[] args) throws Exception {
        KafkaBenchOptions options;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.println(KafkaBenchOptions.USAGE);
                return;
            }
            options = KafkaBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        KafkaBenchTable table = run(options, System.out);
        System.exit(table.allCorrect() ? 0 : 1);
    }

    /**
     * Runs the warm-ups and the measured runs against {@code options}' Kafka (or one started here),
     * printing to {@code out}.
     */
    static KafkaBenchTable run(KafkaBenchOptions options, PrintStream out) throws Exception {
        InProcessKafka embedded = null;
        if (options.bootstrap() == null) {
            out.println("starting one Kafka node in-process ...");
            embedded = startNode();
            options = options.withBootstrap(embedded.bootstrap());
        }
        try (BenchAdmin admin = new BenchAdmin(options.bootstrap())) {
            return run(options, admin, out, embedded != null);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /**
     * One Kafka node (broker and controller combined) in this JVM, in production parity; a deleted
     * run's topic leaves the disk at once, not a minute later during another run.
     */
    static InProcessKafka startNode() {
        return InProcessKafka.builder()
                .combined(true)
                .config("log.segment.delete.delay.ms", "0")
                .start();
    }

    private static KafkaBenchTable run(
            KafkaBenchOptions o, BenchAdmin admin, PrintStream out, boolean embedded)
            throws Exception {
        Workload workload = Workload.of(o);
        List<BenchSide> sides = new ArrayList<>();
        for (String s : o.sides()) {
            sides.add(
                    s.equals(KafkaBenchOptions.FERRY)
                            ? new FerrySide(o, workload)
                            : new KafkaProducerSide(o, workload));
        }
        out.println("settings: " + o.describe());
        out.println("kafka: " + (embedded ? "one node in this JVM at " : "") + o.bootstrap());
        out.println("machine: " + machine());
        String loadBefore = loadAverage();
        long started = System.nanoTime();
        if (o.warmupRecords() > 0) {
            for (BenchSide side : sides) {
                runOnce(side, admin, o, o.warmupRecords(), "warm-up", out);
            }
        }
        List<RunResult> measured = new ArrayList<>();
        for (int r = 1; r <= o.runs(); r++) {
            for (BenchSide side : sides) {
                measured.add(
                        runOnce(side, admin, o, o.records(), "run " + r + "/" + o.runs(), out));
            }
        }
        KafkaBenchTable table =
                new KafkaBenchTable(measured, o.recordSizeBytes(), o.rateRecordsPerSec() > 0);
        out.println();
        out.print(table.render());
        out.printf(
                Locale.ROOT,
                "took %d s; load average before %s, after %s%n",
                (System.nanoTime() - started) / 1_000_000_000L,
                loadBefore,
                loadAverage());
        return table;
    }

    private static RunResult runOnce(
            BenchSide side,
            BenchAdmin admin,
            KafkaBenchOptions o,
            int records,
            String label,
            PrintStream out)
            throws Exception {
        String topic =
                "bench-"
                        + side.name().toLowerCase(Locale.ROOT)
                        + "-"
                        + Long.toHexString(System.nanoTime());
        admin.createTopic(topic, o.partitions(), o.awaitTopic());
        System.gc();
        RunResult r = side.run(topic, records);
        r = r.withEndOffsetSum(admin.endOffsetSum(topic, o.partitions()));
        out.printf(
                Locale.ROOT,
                "%-9s %-13s %,d records in %.2f s: %,.0f records/s, %.1f MB/s, p50 %.1f ms, p99 %.1f ms, "
                        + "JVM CPU %.2f cores, end offsets %,d%s%s%n",
                label,
                r.side(),
                r.records(),
                r.seconds(),
                r.recordsPerSec(),
                r.mbPerSec(o.recordSizeBytes()),
                r.p50Ms(),
                r.p99Ms(),
                r.processCores(),
                r.endOffsetSum(),
                r.correct() ? " ok" : " WRONG (failures " + r.failures() + ")",
                r.note().isEmpty() ? "" : "; " + r.note());
        if (o.threadReport() > 0) {
            out.println(ThreadCpu.busiest(r.threadCpuNanos(), r.elapsedNanos(), o.threadReport()));
        }
        admin.deleteTopic(topic);
        return r;
    }

    static String machine() {
        return String.format(
                Locale.ROOT,
                "%d CPUs (%s), Java %s (%s), max heap %d MB",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                Runtime.getRuntime().maxMemory() >> 20);
    }

    static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", load);
    }
}
