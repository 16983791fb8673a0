package io.ferry.bench.kafka;

import io.ferry.testkafka.InProcessKafka;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The consume benchmark of issue 13: one topic of P partitions filled once with N records of S
 * bytes, then rounds in which each side reads all of it from a fresh group (reset to the earliest
 * offset): {@code KafkaConsumer} (the anchor, KIP-848, committing as it reads), Ferry's {@code
 * GroupConsumer} acknowledging every message, and Ferry acknowledging ranges; then each side's
 * end-to-end latency at a fixed rate. Prints records/s, fetch requests, latency p50/p99 and the
 * ratios Ferry/KafkaConsumer against the targets (0.8x with per-message acks, 1.0x with ranges); a
 * command-line main, one thread reading (the clients bring their own).
 *
 * <p>Run, after {@code mvn -o -q -pl ferry-bench -am package -DskipTests}:
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.kafka.ConsumeBenchReport [options]
 * </pre>
 *
 * Without {@code --bootstrap} it starts one Kafka node in this JVM ({@link KafkaNode} runs one in
 * its own); {@code --help} lists the options ({@link ConsumeBenchOptions#USAGE}). The exit code is
 * 0 when every read delivered every record exactly once, 1 when not, 2 for bad options.
 */
public final class ConsumeBenchReport {
    /* Design notes
     * Fairness: every side reads the same topic, from a fresh group with a fresh client, from this
     * thread, with the same fetch.* sizes, isolation (read_committed, Ferry's default), poll size
     * (max.poll.records = next(max)) and commit cadence (auto-commit at Ferry's commit interval);
     * the sides alternate within each round so a shared machine's drift hits all; a GC before
     * each read. A read is timed from the subscribe call (joining, the offset lookup and the
     * first fetch included) to the poll that delivered the last record, and separately from the
     * poll that delivered the first. Constructing the client is not timed. Correctness is cheap:
     * per partition the delivered offsets must be 0, 1, 2, ... (the fill is not transactional, so
     * the offsets are dense), nothing twice, nothing skipped.
     * Latency: a fresh topic per side and round; one record per partition primes the reader (so
     * the join and first fetch are not measured), then a KafkaProducer (linger.ms=0) on its own
     * thread sends at the rate with System.nanoTime() and a sequence number in the value; the
     * reader takes the difference on delivery. Both clients are in this JVM, so one clock.
     */
    /**
     * Held so that its level sticks: the mapper's INFO lines (an executor spawned or stopped for
     * every read) would drown the report.
     */
    private static final java.util.logging.Logger MAPPER_LOG =
            java.util.logging.Logger.getLogger("io.ferry.mapper");

    private ConsumeBenchReport() {}

    /**
     * Parses the options, runs the benchmark, prints the report; see the class javadoc for the exit
     * code.
     */
    public static void main(String[] args) throws Exception {
        ConsumeBenchOptions options;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.println(ConsumeBenchOptions.USAGE);
                return;
            }
            options = ConsumeBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        MAPPER_LOG.setLevel(java.util.logging.Level.WARNING);
        ConsumeBenchTable table = run(options, System.out);
        System.exit(table.allCorrect() ? 0 : 1);
    }

    /** Fills the topic, runs the warm-ups and the rounds, printing to {@code out}. */
    static ConsumeBenchTable run(ConsumeBenchOptions options, PrintStream out) throws Exception {
        InProcessKafka embedded = null;
        if (options.bootstrap() == null) {
            out.println("starting one Kafka node in-process ...");
            embedded = KafkaBenchReport.startNode();
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

    private static List<ConsumeSide> sides(ConsumeBenchOptions o) {
        List<ConsumeSide> sides = new ArrayList<>();
        for (String s : o.sides()) {
            sides.add(
                    switch (s) {
                        case ConsumeBenchOptions.KAFKA_CONSUMER -> new KafkaConsumerSide(o);
                        case ConsumeBenchOptions.GATEWAY_GRPC -> new GatewayGrpcConsumeSide(o);
                        case ConsumeBenchOptions.FERRY_ACKS ->
                                new FerryConsumeSide(o, FerryConsumeSide.Mode.PER_MESSAGE);
                        case ConsumeBenchOptions.GATEWAY_HTTP -> new GatewayHttpConsumeSide(o);
                        default -> new FerryConsumeSide(o, FerryConsumeSide.Mode.RANGES);
                    });
        }
        return sides;
    }

    private static ConsumeBenchTable run(
            ConsumeBenchOptions o, BenchAdmin admin, PrintStream out, boolean embedded)
            throws Exception {
        out.println("settings: " + o.describe());
        out.println("kafka: " + (embedded ? "one node in this JVM at " : "") + o.bootstrap());
        out.println("machine: " + KafkaBenchReport.machine());
        String loadBefore = KafkaBenchReport.loadAverage();
        long started = System.nanoTime();
        String topic = "consume-bench-" + Long.toHexString(System.nanoTime());
        admin.createTopic(topic, o.partitions(), true);
        long fillNanos = fill(o, topic);
        long held = admin.endOffsetSum(topic, o.partitions());
        if (held != o.records()) {
            throw new IllegalStateException(
                    "the topic holds " + held + " records after the fill, not " + o.records());
        }
        out.printf(
                Locale.ROOT,
                "filled %s with %,d records in %.1f s%n",
                topic,
                o.records(),
                fillNanos / 1e9);
        List<ConsumeSide> sides = sides(o);
        if (o.warmupRecords() > 0) {
            for (ConsumeSide side : sides) {
                print(out, "warm-up", read(side, o, topic, o.warmupRecords(), 0), o);
            }
        }
        List<ReadResult> reads = new ArrayList<>();
        List<LatencyResult> latencies = new ArrayList<>();
        for (int r = 1; r <= o.rounds(); r++) {
            for (ConsumeSide side : sides) {
                ReadResult result = read(side, o, topic, o.records(), r);
                reads.add(result);
                print(out, "round " + r + "/" + o.rounds(), result, o);
            }
            if (o.latencyRate() > 0) {
                for (ConsumeSide side : sides) {
                    LatencyResult l = latency(side, o, admin, r);
                    latencies.add(l);
                    out.printf(
                            Locale.ROOT,
                            "round %d/%d %-13s latency at %,d records/s: p50 %.1f ms, p99 %.1f ms,"
                                    + " max %.1f ms over %,d records%s%n",
                            r,
                            o.rounds(),
                            l.side(),
                            o.latencyRate(),
                            l.p50Ms(),
                            l.p99Ms(),
                            l.maxMs(),
                            l.records(),
                            l.duplicates() == 0 ? "" : " WRONG: " + l.duplicates() + " twice");
                }
            }
        }
        admin.deleteTopic(topic);
        ConsumeBenchTable table = new ConsumeBenchTable(reads, latencies);
        out.println();
        out.print(table.render());
        out.printf(
                Locale.ROOT,
                "took %d s; load average before %s, after %s%n",
                (System.nanoTime() - started) / 1_000_000_000L,
                loadBefore,
                KafkaBenchReport.loadAverage());
        return table;
    }

    private static void print(PrintStream out, String label, ReadResult r, ConsumeBenchOptions o) {
        out.printf(
                Locale.ROOT,
                "%-11s %-13s %,d records: %,.0f records/s from subscribe (%.2f s), %,.0f from the"
                        + " first record (%.2f s to it), JVM CPU %.2f cores%s; %s%n",
                label,
                r.side(),
                r.records(),
                r.recordsPerSec(),
                r.subscribeToLastNanos() / 1e9,
                r.recordsPerSecFromFirst(),
                r.secondsToFirst(),
                r.processCores(),
                r.correct()
                        ? " ok"
                        : " WRONG (" + r.duplicates() + " twice, " + r.gaps() + " skipped)",
                r.note());
        if (o.threadReport() > 0) {
            out.println(
                    ThreadCpu.busiest(
                            r.threadCpuNanos(), r.subscribeToLastNanos(), o.threadReport()));
        }
    }

    private static Map<String, Object> producerSettings(ConsumeBenchOptions o, int lingerMs) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** Produces the N records, round-robin over the partitions; returns how long it took. */
    @SuppressWarnings("FutureReturnValueIgnored") // the callback counts the failures
    private static long fill(ConsumeBenchOptions o, String topic) {
        byte[] value = new Workload(o.recordSizeBytes(), 0, 0).value;
        LongAdder failed = new LongAdder();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings(o, 5))) {
            for (int i = 0; i < o.records(); i++) {
                producer.send(
                        new ProducerRecord<>(topic, i % o.partitions(), null, value),
                        (md, e) -> {
                            if (e != null) {
                                failed.increment();
                            }
                        });
            }
            producer.flush();
        }
        if (failed.sum() > 0) {
            throw new IllegalStateException(failed.sum() + " records of the fill failed");
        }
        return System.nanoTime() - start;
    }

    private static String group(ConsumeSide side, int round) {
        return "bench-"
                + side.name().toLowerCase(Locale.ROOT).replace(' ', '-')
                + "-"
                + round
                + "-"
                + Long.toHexString(System.nanoTime());
    }

    /** One side reads {@code limit} records of {@code topic} from a fresh group. */
    static ReadResult read(
            ConsumeSide side, ConsumeBenchOptions o, String topic, long limit, int round)
            throws Exception {
        DenseCheck check = new DenseCheck(o.partitions());
        try (ConsumeSide.Session s = side.open(group(side, round))) {
            System.gc();
            ThreadCpu before = ThreadCpu.snapshot();
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(120 + limit / 5_000);
            s.subscribe(topic);
            long first = 0;
            long last;
            while (true) {
                int n = s.poll(check);
                long now = System.nanoTime();
                if (n > 0 && first == 0) {
                    first = now;
                }
                if (check.distinct >= limit) {
                    last = now;
                    break;
                }
                if (now - deadline > 0) {
                    throw new IllegalStateException(
                            side.name()
                                    + ": read "
                                    + check.distinct
                                    + " of "
                                    + limit
                                    + " records before the deadline");
                }
            }
            ThreadCpu after = ThreadCpu.snapshot();
            s.finish();
            return new ReadResult(
                    side.name(),
                    round,
                    check.distinct,
                    last - start,
                    last - first,
                    check.duplicates,
                    check.gaps,
                    s.fetchRequests(),
                    after.processCpuSince(before),
                    s.fetchNote(),
                    after.byGroupSince(before));
        }
    }

    /**
     * Delivered offsets per partition must be 0, 1, 2, ...: counts the distinct ones, the repeated
     * and the skipped. The reading thread only.
     */
    private static final class DenseCheck implements ConsumeSide.RecordSink {
        private final long[] next;
        long distinct;
        long duplicates;
        long gaps;

        DenseCheck(int partitions) {
            this.next = new long[partitions];
        }

        @Override
        public void record(int partition, long offset, byte[] value) {
            long expected = next[partition];
            if (offset < expected) {
                duplicates++;
                return;
            }
            gaps += offset - expected;
            next[partition] = offset + 1;
            distinct++;
        }
    }

    /** One side's end-to-end latency at {@code --latency-rate} on a fresh topic. */
    @SuppressWarnings("FutureReturnValueIgnored") // the callbacks report the failures
    static LatencyResult latency(
            ConsumeSide side, ConsumeBenchOptions o, BenchAdmin admin, int round) throws Exception {
        String topic = "consume-latency-" + Long.toHexString(System.nanoTime());
        admin.createTopic(topic, o.partitions(), true);
        int n = o.latencyRate() * o.latencySeconds();
        long[] latencyNanos = new long[n];
        long[] counts = new long[3]; // primers, timed, duplicates
        ConsumeSide.RecordSink sink =
                (partition, offset, value) -> {
                    long now = System.nanoTime();
                    ByteBuffer b = ByteBuffer.wrap(value);
                    long sentNanos = b.getLong(0);
                    long seq = b.getLong(8);
                    if (seq < 0) {
                        counts[0]++;
                    } else if (latencyNanos[(int) seq] != 0) {
                        counts[2]++;
                    } else {
                        latencyNanos[(int) seq] = Math.max(1, now - sentNanos);
                        counts[1]++;
                    }
                };
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings(o, 0));
                ConsumeSide.Session s = side.open(group(side, round))) {
            s.subscribe(topic);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Callback onFailure =
                    (md, e) -> {
                        if (e != null) {
                            failed.compareAndSet(null, e);
                        }
                    };
            for (int p = 0; p < o.partitions(); p++) {
                producer.send(new ProducerRecord<>(topic, p, null, stamp(o, -1)), onFailure);
            }
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (counts[0] < o.partitions()) {
                s.poll(sink);
                if (failed.get() != null || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(
                            side.name() + ": the latency topic's primers did not arrive in 60 s",
                            failed.get());
                }
            }
            Thread sender =
                    new Thread(
                            () -> {
                                try {
                                    Workload pace = new Workload(0, 0, o.latencyRate());
                                    long start = System.nanoTime();
                                    for (int i = 0; i < n; i++) {
                                        pace.pace(i, start);
                                        producer.send(
                                                new ProducerRecord<>(
                                                        topic,
                                                        i % o.partitions(),
                                                        null,
                                                        stamp(o, i)),
                                                onFailure);
                                    }
                                    producer.flush();
                                } catch (Throwable t) { // reported on the reading thread
                                    failed.set(t);
                                }
                            },
                            "bench-latency-producer");
            sender.start();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.latencySeconds() + 60L);
            while (counts[1] < n) {
                s.poll(sink);
                if (failed.get() != null) {
                    throw new IllegalStateException(
                            side.name() + ": the latency producer failed", failed.get());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(
                            side.name()
                                    + ": "
                                    + counts[1]
                                    + " of "
                                    + n
                                    + " latency records arrived in time");
                }
            }
            sender.join();
            s.finish();
        } finally {
            admin.deleteTopic(topic);
        }
        Arrays.sort(latencyNanos);
        return new LatencyResult(
                side.name(),
                round,
                n,
                rank(latencyNanos, 0.50),
                rank(latencyNanos, 0.99),
                latencyNanos[n - 1] / 1e6,
                counts[2]);
    }

    /** The value of latency record {@code seq}: the send time, the sequence, padding. */
    private static byte[] stamp(ConsumeBenchOptions o, long seq) {
        return ByteBuffer.allocate(o.recordSizeBytes())
                .putLong(System.nanoTime())
                .putLong(seq)
                .array();
    }

    /** The nearest-rank {@code q} quantile of sorted nanoseconds, in milliseconds. */
    private static double rank(long[] sortedNanos, double q) {
        int r = (int) Math.ceil(q * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, r))] / 1e6;
    }
}
