package io.ferry.bench.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The measured runs of one report and their medians per side, with the ratios Ferry/KafkaProducer
 * against the targets; immutable.
 */
final class KafkaBenchTable {
    /** Ferry's throughput must be at least this multiple of KafkaProducer's. */
    static final double THROUGHPUT_TARGET = 1.0;

    /** Ferry's p99 latency must be at most this multiple of KafkaProducer's. */
    static final double P99_TARGET = 1.5;

    /** The medians of one side over its measured runs. */
    record Row(
            String side,
            int runs,
            double recordsPerSec,
            double mbPerSec,
            double p50Ms,
            double p99Ms,
            double processCores) {}

    private final List<RunResult> runs;
    private final int recordSizeBytes;
    private final boolean rateLimited;

    /**
     * With {@code rateLimited} both sides publish at a set rate: the throughput target does not
     * apply.
     */
    KafkaBenchTable(List<RunResult> runs, int recordSizeBytes, boolean rateLimited) {
        this.runs = List.copyOf(runs);
        this.recordSizeBytes = recordSizeBytes;
        this.rateLimited = rateLimited;
    }

    /** Every measured run, in the order run. */
    List<RunResult> runs() {
        return runs;
    }

    /** One row per side, in the order the sides first ran. */
    List<Row> rows() {
        Map<String, List<RunResult>> bySide = new LinkedHashMap<>();
        runs.forEach(r -> bySide.computeIfAbsent(r.side(), s -> new ArrayList<>()).add(r));
        List<Row> rows = new ArrayList<>();
        bySide.forEach(
                (side, rs) ->
                        rows.add(
                                new Row(
                                        side,
                                        rs.size(),
                                        median(rs, RunResult::recordsPerSec),
                                        median(rs, r -> r.mbPerSec(recordSizeBytes)),
                                        median(rs, RunResult::p50Ms),
                                        median(rs, RunResult::p99Ms),
                                        median(rs, RunResult::processCores))));
        return rows;
    }

    /** The row of {@code side}, if it ran. */
    Optional<Row> row(String side) {
        return rows().stream().filter(r -> r.side().equals(side)).findFirst();
    }

    /** True when every run's topic held exactly its records and no record failed. */
    boolean allCorrect() {
        return runs.stream().allMatch(RunResult::correct);
    }

    static double median(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The table in Markdown, then the ratios against the targets and the correctness check. */
    String render() {
        StringBuilder out = new StringBuilder();
        out.append(
                "| side | records/s | MB/s | p50 latency ms | p99 latency ms | JVM CPU (cores) | runs |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,.0f | %.1f | %.1f | %.1f | %.2f | %d |%n",
                            r.side(),
                            r.recordsPerSec(),
                            r.mbPerSec(),
                            r.p50Ms(),
                            r.p99Ms(),
                            r.processCores(),
                            r.runs()));
        }
        Optional<Row> anchor = row("KafkaProducer");
        Optional<Row> ferry = row("Ferry");
        if (anchor.isPresent() && ferry.isPresent()) {
            double throughput = ferry.get().recordsPerSec() / anchor.get().recordsPerSec();
            double p50 = ferry.get().p50Ms() / anchor.get().p50Ms();
            double p99 = ferry.get().p99Ms() / anchor.get().p99Ms();
            String throughputVerdict =
                    rateLimited
                            ? "n/a: both publish at --rate"
                            : String.format(
                                    Locale.ROOT,
                                    "target >= %.1fx: %s",
                                    THROUGHPUT_TARGET,
                                    throughput >= THROUGHPUT_TARGET ? "met" : "MISSED");
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%nFerry/KafkaProducer: throughput %.2fx (%s), "
                                    + "p99 latency %.2fx (target <= %.1fx: %s), p50 latency %.2fx%n",
                            throughput,
                            throughputVerdict,
                            p99,
                            P99_TARGET,
                            p99 <= P99_TARGET ? "met" : "MISSED",
                            p50));
        }
        out.append(
                allCorrect()
                        ? "correctness: every run's topic held exactly its records (end offsets summed), no failures\n"
                        : "correctness: FAILED, see the runs marked WRONG above\n");
        out.append(
                "figures are medians of the measured runs; MB = 2^20 bytes of values; latency from publish to the ack callback\n");
        return out.toString();
    }
}
