package io.ferry.gateway.cli;

import io.ferry.deadletter.DeadLetterEntry;
import io.ferry.deadletter.DeadLetterRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The table {@code ferry dead-letter list} prints; stateless, any thread. */
final class DeadLetterTable {
    static final List<String> COLUMNS =
            List.of(
                    "ID",
                    "FAILED AT (UTC)",
                    "CLUSTER",
                    "SOURCE",
                    "TOPIC",
                    "PARTITION",
                    "CODE",
                    "SIZE",
                    "MESSAGE");

    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private DeadLetterTable() {}

    /** The cells of one entry, in {@link #COLUMNS} order. */
    static List<String> row(DeadLetterEntry e) {
        DeadLetterRecord r = e.record();
        int p = r.boundPartition() >= 0 ? r.boundPartition() : r.requestedPartition();
        return List.of(
                Long.toString(e.id()),
                UTC.format(Instant.ofEpochMilli(r.failedAtMs())),
                r.cluster(),
                r.source().name(),
                r.topic(),
                p < 0 ? "-" : Integer.toString(p),
                r.kafkaError() == null || r.kafkaError().equals(r.code())
                        ? r.code()
                        : r.code() + "/" + r.kafkaError(),
                Integer.toString(r.eventSizeBytes()),
                r.message().replaceAll("\\s+", " "));
    }

    /** Prints {@code shown} (of {@code total} records in {@code dir}) and the total by code. */
    static void print(PrintWriter out, List<DeadLetterEntry> shown, long total, Path dir) {
        if (shown.isEmpty()) {
            out.println(
                    total == 0
                            ? "the dead letter at " + dir + " is empty"
                            : "none of the " + total + " records in " + dir + " is selected");
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        Map<String, Long> byCode = new TreeMap<>();
        long bytes = 0;
        for (DeadLetterEntry e : shown) {
            rows.add(row(e));
            byCode.merge(e.record().code(), 1L, Long::sum);
            bytes += e.record().eventSizeBytes();
        }
        int[] width = new int[COLUMNS.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                String cell = row.get(i);
                if (i == width.length - 1) {
                    line.append(cell); // the message: last, not padded
                } else {
                    line.append(cell).append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
        out.println(
                shown.size()
                        + (shown.size() == total ? "" : " of " + total)
                        + " records, "
                        + bytes
                        + " bytes: "
                        + byCode.entrySet().stream()
                                .map(c -> c.getKey() + " " + c.getValue())
                                .collect(Collectors.joining(", ")));
    }
}
