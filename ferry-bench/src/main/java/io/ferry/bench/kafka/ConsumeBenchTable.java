package io.ferry.bench.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The measured reads and latency phases of one {@link ConsumeBenchReport}, their medians per side
 * and the ratios Ferry/KafkaConsumer against issue 13's targets; immutable.
 */
final class ConsumeBenchTable {
    /** Ferry with one acknowledgement per message: at least this multiple of KafkaConsumer's. */
    static final double PER_MESSAGE_TARGET = 0.8;

    /** Ferry with range acknowledgements: at least this multiple of KafkaConsumer's. */
    static final double RANGE_TARGET = 1.0;

    /** The medians of one side. */
    record Row(
            String side,
            int reads,
            double recordsPerSec,
            double recordsPerSecFromFirst,
            double secondsToFirst,
            double fetchRequests,
            double processCores,
            double latencyP50Ms,
            double latencyP99Ms) {}

    private final List<ReadResult> reads;
    private final List<LatencyResult> latencies;

    ConsumeBenchTable(List<ReadResult> reads, List<LatencyResult> latencies) {
        this.reads = List.copyOf(reads);
        this.latencies = List.copyOf(latencies);
    }

    /** Every measured read, in the order run. */
    List<ReadResult> reads() {
        return reads;
    }

    /** Every latency phase, in the order run. */
    List<LatencyResult> latencies() {
        return latencies;
    }

    /** One row per side, in the order the sides first ran. */
    List<Row> rows() {
        Map<String, List<ReadResult>> bySide = new LinkedHashMap<>();
        reads.forEach(r -> bySide.computeIfAbsent(r.side(), s -> new ArrayList<>()).add(r));
        List<Row> rows = new ArrayList<>();
        bySide.forEach(
                (side, rs) -> {
                    List<LatencyResult> ls =
                            latencies.stream().filter(l -> l.side().equals(side)).toList();
                    rows.add(
                            new Row(
                                    side,
                                    rs.size(),
                                    median(rs, ReadResult::recordsPerSec),
                                    median(rs, ReadResult::recordsPerSecFromFirst),
                                    median(rs, ReadResult::secondsToFirst),
                                    median(rs, r -> r.fetchRequests()),
                                    median(rs, ReadResult::processCores),
                                    median(ls, LatencyResult::p50Ms),
                                    median(ls, LatencyResult::p99Ms)));
                });
        return rows;
    }

    /** The row of {@code side}, if it ran. */
    Optional<Row> row(String side) {
        return rows().stream().filter(r -> r.side().equals(side)).findFirst();
    }

    /** Every read delivered every record once, in order, and no latency record twice. */
    boolean allCorrect() {
        return reads.stream().allMatch(ReadResult::correct)
                && latencies.stream().allMatch(l -> l.duplicates() == 0);
    }

    static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The table in Markdown, then the ratios against the targets and the correctness check. */
    String render() {
        StringBuilder out = new StringBuilder();
        out.append(
                "| side | records/s (subscribe to last) | records/s (first to last) | s to first |"
                        + " fetch requests | JVM CPU (cores) | latency p50 ms | latency p99 ms |"
                        + " reads |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,.0f | %,.0f | %.2f | %,.0f | %.2f | %.1f | %.1f | %d |%n",
                            r.side(),
                            r.recordsPerSec(),
                            r.recordsPerSecFromFirst(),
                            r.secondsToFirst(),
                            r.fetchRequests(),
                            r.processCores(),
                            r.latencyP50Ms(),
                            r.latencyP99Ms(),
                            r.reads()));
        }
        Optional<Row> anchor = row("KafkaConsumer");
        if (anchor.isPresent()) {
            out.append('\n');
            ratio(out, anchor.get(), row("Ferry acks"), PER_MESSAGE_TARGET);
            ratio(out, anchor.get(), row("Ferry ranges"), RANGE_TARGET);
        }
        out.append(
                allCorrect()
                        ? "correctness: every read delivered every record exactly once, in order"
                                + " per partition\n"
                        : "correctness: FAILED, see the reads marked WRONG above\n");
        out.append(
                "figures are medians of the measured rounds; ratios are ratios of medians;"
                        + " latency from the produce call to the delivery to the reader\n");
        return out.toString();
    }

    private static void ratio(StringBuilder out, Row anchor, Optional<Row> ferry, double target) {
        if (ferry.isEmpty()) {
            return;
        }
        Row f = ferry.get();
        double ratio = f.recordsPerSec() / anchor.recordsPerSec();
        out.append(
                String.format(
                        Locale.ROOT,
                        "%s/KafkaConsumer: records/s %.2fx (target >= %.1fx: %s), from the first"
                                + " record %.2fx, latency p50 %.2fx, p99 %.2fx%n",
                        f.side(),
                        ratio,
                        target,
                        ratio >= target ? "met" : "MISSED",
                        f.recordsPerSecFromFirst() / anchor.recordsPerSecFromFirst(),
                        f.latencyP50Ms() / anchor.latencyP50Ms(),
                        f.latencyP99Ms() / anchor.latencyP99Ms()));
    }
}
