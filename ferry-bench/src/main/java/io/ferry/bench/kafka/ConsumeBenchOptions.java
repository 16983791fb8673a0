package io.ferry.bench.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one {@link ConsumeBenchReport} run; immutable. Every side gets the same fetch
 * sizes ({@code fetch.*}) and the same poll size.
 *
 * @param bootstrap an existing Kafka's {@code host:port}, or null to start one node in-process
 * @param records records in the topic, read in full by every measured read (N)
 * @param recordSizeBytes value size of each record (S), null keys
 * @param partitions partitions of the topic, replication 1
 * @param rounds measured rounds; each round reads once with every side, in order
 * @param warmupRecords records one warm-up read per side takes before the rounds (0: none)
 * @param sides the sides, in the order they run in a round
 * @param rangeSize how many messages of one partition one {@code ackRange} settles (ferry-ranges)
 * @param maxPending Ferry's {@code max-pending} (unacknowledged offers per partition)
 * @param maxPollRecords {@code max.poll.records}, and Ferry's {@code next(max)}
 * @param fetchMaxWaitMs {@code fetch.max.wait.ms} = {@code FetchSettings.maxWaitMs}
 * @param fetchMinBytes {@code fetch.min.bytes} = {@code FetchSettings.minBytes}
 * @param fetchMaxBytes {@code fetch.max.bytes} = {@code FetchSettings.maxBytes}
 * @param partitionMaxBytes {@code max.partition.fetch.bytes} = {@code
 *     FetchSettings.partitionMaxBytes}
 * @param commitIntervalMs {@code auto.commit.interval.ms} = Ferry's {@code offsets-commit-interval}
 * @param latencyRate records/s of the end-to-end latency phase (0: no latency phase)
 * @param latencySeconds how long the latency phase produces
 * @param threadReport how many thread groups' CPU to print per read (0: none)
 * @param httpBatch gateway-http: messages per take ({@code max}), each batch acknowledged in one
 *     request
 * @param httpAcks gateway-http: how that request acknowledges the batch: {@code list} names every
 *     message's offset, {@code ranges} each partition's contiguous runs of offsets (every message
 *     still acknowledged)
 * @param grpcCredit gateway-grpc: the messages granted and not yet received, kept topped up
 * @param httpInFlight gateway-http: lanes, each with a take always in flight (and its last acks)
 */
record ConsumeBenchOptions(
        String bootstrap,
        int records,
        int recordSizeBytes,
        int partitions,
        int rounds,
        int warmupRecords,
        List<String> sides,
        int rangeSize,
        int maxPending,
        int maxPollRecords,
        int fetchMaxWaitMs,
        int fetchMinBytes,
        int fetchMaxBytes,
        int partitionMaxBytes,
        int commitIntervalMs,
        int latencyRate,
        int latencySeconds,
        int threadReport,
        int httpBatch,
        String httpAcks,
        int grpcCredit,
        int httpInFlight) {

    static final String KAFKA_CONSUMER = "kafka-consumer";
    static final String FERRY_ACKS = "ferry-acks";
    static final String FERRY_RANGES = "ferry-ranges";
    static final String GATEWAY_HTTP = "gateway-http";
    static final String GATEWAY_GRPC = "gateway-grpc";

    /** The default sides: the engine's (issue 13). */
    static final List<String> ALL_SIDES = List.of(KAFKA_CONSUMER, FERRY_ACKS, FERRY_RANGES);

    /** Every side, the gateway's too (issue 14). */
    static final List<String> KNOWN_SIDES =
            List.of(KAFKA_CONSUMER, FERRY_ACKS, FERRY_RANGES, GATEWAY_HTTP, GATEWAY_GRPC);

    /** The usage text: every option with its default; {@link #parse} knows the options from it. */
    @SuppressWarnings("StringConcatToTextBlock") // one line per option reads better as a list
    static final String USAGE =
            String.join(
                    "\n",
                    "options (--name value or --name=value):",
                    "  --bootstrap host:port      use this Kafka instead of starting one node in-process",
                    "  --records N                records in the topic, read in full per read (default 2000000)",
                    "  --record-size S            value bytes per record (default 100)",
                    "  --partitions P             partitions of the topic, replication 1 (default 4)",
                    "  --rounds R                 measured rounds, each reading once per side (default 3)",
                    "  --warmup-records W         records of one warm-up read per side (default N/10; 0: none)",
                    "  --sides list               kafka-consumer,ferry-acks,ferry-ranges,gateway-http,gateway-grpc (default the first three)",
                    "  --http-batch B             gateway-http: messages per take, acknowledged in one request (default 100)",
                    "  --http-in-flight L         gateway-http: lanes, each a take always in flight (default 4)",
                    "  --http-acks A              gateway-http: list (every offset) or ranges (contiguous runs) (default list)",
                    "  --grpc-credit C            gateway-grpc: messages granted and not yet received, kept topped up (default 2000)",
                    "  --range K                  ferry-ranges: messages per ackRange (default 1000)",
                    "  --max-pending M            Ferry's max-pending per partition, >= range (default 2000)",
                    "  --max-poll-records M       max.poll.records = Ferry's next(max) (default 500)",
                    "  --fetch-max-wait-ms W      fetch.max.wait.ms, both sides (default 500)",
                    "  --fetch-min-bytes B        fetch.min.bytes, both sides (default 1)",
                    "  --fetch-max-bytes B        fetch.max.bytes, both sides (default 52428800)",
                    "  --partition-max-bytes B    max.partition.fetch.bytes, both sides (default 1048576)",
                    "  --commit-interval-ms C     auto.commit.interval.ms = offsets-commit-interval (default 500)",
                    "  --latency-rate R           records/s of the latency phase; 0 = no latency phase (default 10000)",
                    "  --latency-seconds T        seconds the latency phase produces (default 10)",
                    "  --threads T                print the T busiest thread groups per read (default 0)");

    /** Validates; messages name the option and what is accepted. */
    ConsumeBenchOptions {
        atLeast("records", records, 1);
        atLeast("record-size", recordSizeBytes, 16); // the latency phase's stamp and sequence
        atLeast("partitions", partitions, 1);
        atLeast("rounds", rounds, 1);
        atLeast("warmup-records", warmupRecords, 0);
        if (warmupRecords > records) {
            throw new IllegalArgumentException(
                    "--warmup-records is " + warmupRecords + "; expected at most --records");
        }
        sides = List.copyOf(sides);
        if (sides.isEmpty() || !KNOWN_SIDES.containsAll(sides)) {
            throw new IllegalArgumentException(
                    "--sides is "
                            + sides
                            + "; expected a list of "
                            + String.join(", ", KNOWN_SIDES));
        }
        atLeast("range", rangeSize, 1);
        atLeast("max-pending", maxPending, rangeSize);
        atLeast("max-poll-records", maxPollRecords, 1);
        atLeast("fetch-max-wait-ms", fetchMaxWaitMs, 0);
        atLeast("fetch-min-bytes", fetchMinBytes, 0);
        atLeast("fetch-max-bytes", fetchMaxBytes, 1);
        atLeast("partition-max-bytes", partitionMaxBytes, 1);
        atLeast("commit-interval-ms", commitIntervalMs, 1);
        atLeast("latency-rate", latencyRate, 0);
        atLeast("latency-seconds", latencySeconds, 1);
        atLeast("threads", threadReport, 0);
        atLeast("http-batch", httpBatch, 1);
        atLeast("grpc-credit", grpcCredit, 1);
        atLeast("http-in-flight", httpInFlight, 1);
        if (!httpAcks.equals("list") && !httpAcks.equals("ranges")) {
            throw new IllegalArgumentException(
                    "--http-acks is '" + httpAcks + "'; expected list or ranges");
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    "--"
                            + name
                            + " is "
                            + value
                            + "; expected at least "
                            + min
                            + (name.equals("max-pending")
                                    ? " (--range: a range is acknowledged only once all of it"
                                            + " was offered)"
                                    : ""));
        }
    }

    /** The defaults of issue 13: 2,000,000 records of 100 bytes in 4 partitions, every side. */
    static ConsumeBenchOptions defaults() {
        return parse(new String[0]);
    }

    /**
     * Reads {@code --name value} or {@code --name=value} arguments over the defaults.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    static ConsumeBenchOptions parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (String line : USAGE.split("\n", -1)) {
            String t = line.trim();
            if (t.startsWith("--")) {
                o.put(t.substring(2, t.indexOf(' ')), null);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + USAGE);
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(
                            "option --" + name + " needs a value\n" + USAGE);
                }
                value = args[++i];
            }
            if (!o.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "\n" + USAGE);
            }
            o.put(name, value.trim());
        }
        int records = integer(o, "records", 2_000_000);
        List<String> sides = new ArrayList<>();
        String sideList = o.get("sides") == null ? String.join(",", ALL_SIDES) : o.get("sides");
        for (String s : sideList.split(",", -1)) {
            if (!s.isBlank()) {
                sides.add(s.trim().toLowerCase(Locale.ROOT));
            }
        }
        return new ConsumeBenchOptions(
                o.get("bootstrap"),
                records,
                integer(o, "record-size", 100),
                integer(o, "partitions", 4),
                integer(o, "rounds", 3),
                integer(o, "warmup-records", records / 10),
                sides,
                integer(o, "range", 1000),
                integer(o, "max-pending", 2000),
                integer(o, "max-poll-records", 500),
                integer(o, "fetch-max-wait-ms", 500),
                integer(o, "fetch-min-bytes", 1),
                integer(o, "fetch-max-bytes", 50 * 1024 * 1024),
                integer(o, "partition-max-bytes", 1024 * 1024),
                integer(o, "commit-interval-ms", 500),
                integer(o, "latency-rate", 10_000),
                integer(o, "latency-seconds", 10),
                integer(o, "threads", 0),
                integer(o, "http-batch", 100),
                o.get("http-acks") == null ? "list" : o.get("http-acks"),
                integer(o, "grpc-credit", 2000),
                integer(o, "http-in-flight", 4));
    }

    private static int integer(Map<String, String> o, String name, int def) {
        String v = o.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + name + " is '" + v + "'; expected an integer");
        }
    }

    /** This with another bootstrap (the in-process node's). */
    ConsumeBenchOptions withBootstrap(String servers) {
        return new ConsumeBenchOptions(
                servers,
                records,
                recordSizeBytes,
                partitions,
                rounds,
                warmupRecords,
                sides,
                rangeSize,
                maxPending,
                maxPollRecords,
                fetchMaxWaitMs,
                fetchMinBytes,
                fetchMaxBytes,
                partitionMaxBytes,
                commitIntervalMs,
                latencyRate,
                latencySeconds,
                threadReport,
                httpBatch,
                httpAcks,
                grpcCredit,
                httpInFlight);
    }

    /** One line naming the settings, for the report. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "%,d records x %d B, %d partitions, fetch.max.wait.ms=%d, fetch.min.bytes=%d,"
                        + " fetch.max.bytes=%d, max.partition.fetch.bytes=%d, max.poll.records=%d,"
                        + " commit interval %d ms, read_committed; Ferry max-pending %d, range %d;"
                        + " latency phase %s",
                records,
                recordSizeBytes,
                partitions,
                fetchMaxWaitMs,
                fetchMinBytes,
                fetchMaxBytes,
                partitionMaxBytes,
                maxPollRecords,
                commitIntervalMs,
                maxPending,
                rangeSize,
                latencyRate == 0
                        ? "off"
                        : String.format(
                                Locale.ROOT,
                                "%,d records/s for %d s",
                                latencyRate,
                                latencySeconds));
    }
}
