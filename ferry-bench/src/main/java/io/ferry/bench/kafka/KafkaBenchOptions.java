package io.ferry.bench.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one {@link KafkaBenchReport} run; immutable. Both sides get the same producer
 * settings (acks, linger, batch size, compression).
 *
 * @param bootstrap an existing Kafka's {@code host:port}, or null to start one broker in-process
 * @param records records per measured run (N)
 * @param recordSizeBytes value size of each record (S); keys are null unless {@code keys > 0}
 * @param partitions partitions of each run's fresh topic (P), replication 1
 * @param runs measured runs per side, alternating between the sides
 * @param warmupRecords records of the one warm-up run per side, before the measured runs
 * @param acks {@code acks}: all, 1 or 0
 * @param lingerMs {@code linger.ms}
 * @param batchSizeBytes {@code batch.size}
 * @param compressionType {@code compression.type}: none, gzip, snappy, lz4, zstd
 * @param keys distinct 4-byte keys cycled through, or 0 for null keys (sticky partitioning)
 * @param rateRecordsPerSec the publish rate, or 0 for as fast as the client accepts
 * @param sides the sides to run, in order: {@code kafka-producer}, {@code ferry}
 * @param ferryCapacityEvents the MemoryBroker's capacity in events
 * @param ferryBatchEvents the most events KafkaOutput takes per broker batch
 * @param ferryOutstandingBatches the most broker batches KafkaOutput holds unacknowledged
 * @param threadReport how many thread groups' CPU to print per run (0: none)
 * @param awaitTopic whether a run starts only once every partition of its fresh topic is served
 */
record KafkaBenchOptions(
        String bootstrap,
        int records,
        int recordSizeBytes,
        int partitions,
        int runs,
        int warmupRecords,
        String acks,
        int lingerMs,
        int batchSizeBytes,
        String compressionType,
        int keys,
        long rateRecordsPerSec,
        List<String> sides,
        int ferryCapacityEvents,
        int ferryBatchEvents,
        int ferryOutstandingBatches,
        int threadReport,
        boolean awaitTopic) {

    static final String KAFKA_PRODUCER = "kafka-producer";
    static final String FERRY = "ferry";

    /** The usage text: every option with its default. */
    @SuppressWarnings("StringConcatToTextBlock") // one line per option reads better as a list
    static final String USAGE =
            String.join(
                    "\n",
                    "options (--name value or --name=value):",
                    "  --bootstrap host:port     use this Kafka instead of starting one broker in-process",
                    "  --records N               records per measured run (default 2000000)",
                    "  --record-size S           value bytes per record (default 100)",
                    "  --partitions P            partitions of each fresh topic, replication 1 (default 4)",
                    "  --runs R                  measured runs per side, alternating (default 3)",
                    "  --warmup-records W        records of the warm-up run per side (default N/10)",
                    "  --acks A                  all, 1 or 0 (default all)",
                    "  --linger-ms L             linger.ms (default 5)",
                    "  --batch-size B            batch.size in bytes (default 65536)",
                    "  --compression C           none, gzip, snappy, lz4, zstd (default none)",
                    "  --keys K                  cycle through K distinct keys; 0 = null keys (default 0)",
                    "  --rate R                  publish at most R records/s; 0 = unthrottled (default 0)",
                    "  --sides list              kafka-producer,ferry (default both, in that order)",
                    "  --ferry-capacity E        MemoryBroker capacity in events (default 65536)",
                    "  --ferry-batch E           KafkaOutput: events per broker batch (default 2048)",
                    "  --ferry-outstanding B     KafkaOutput: unacknowledged broker batches (default 64)",
                    "  --threads T               print the T busiest thread groups per run (default 0)",
                    "  --await-topic true|false  start a run once every partition of its fresh topic is served (default true)");

    /** Validates; messages name the option and what is accepted. */
    KafkaBenchOptions {
        atLeast("records", records, 1);
        atLeast("record-size", recordSizeBytes, 0);
        atLeast("partitions", partitions, 1);
        atLeast("runs", runs, 1);
        atLeast("warmup-records", warmupRecords, 0);
        if (!List.of("all", "-1", "1", "0").contains(acks)) {
            throw new IllegalArgumentException("--acks is '" + acks + "'; expected all, 1 or 0");
        }
        atLeast("linger-ms", lingerMs, 0);
        atLeast("batch-size", batchSizeBytes, 1);
        if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(compressionType)) {
            throw new IllegalArgumentException(
                    "--compression is '"
                            + compressionType
                            + "'; expected none, gzip, snappy, lz4 or zstd");
        }
        atLeast("keys", keys, 0);
        atLeast("rate", rateRecordsPerSec, 0);
        sides = List.copyOf(sides);
        if (sides.isEmpty() || !List.of(KAFKA_PRODUCER, FERRY).containsAll(sides)) {
            throw new IllegalArgumentException(
                    "--sides is " + sides + "; expected a list of kafka-producer and ferry");
        }
        atLeast("ferry-capacity", ferryCapacityEvents, 1);
        atLeast("ferry-batch", ferryBatchEvents, 1);
        atLeast("ferry-outstanding", ferryOutstandingBatches, 1);
        atLeast("threads", threadReport, 0);
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    "--" + name + " is " + value + "; expected at least " + min);
        }
    }

    /** The defaults of the issue: 2,000,000 records of 100 bytes to 4 partitions, both sides. */
    static KafkaBenchOptions defaults() {
        return parse(new String[0]);
    }

    /**
     * Reads {@code --name value} or {@code --name=value} arguments over the defaults.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    static KafkaBenchOptions parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (String name :
                List.of(
                        "bootstrap",
                        "records",
                        "record-size",
                        "partitions",
                        "runs",
                        "warmup-records",
                        "acks",
                        "linger-ms",
                        "batch-size",
                        "compression",
                        "keys",
                        "rate",
                        "sides",
                        "ferry-capacity",
                        "ferry-batch",
                        "ferry-outstanding",
                        "threads",
                        "await-topic")) {
            o.put(name, null);
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
        for (String s : string(o, "sides", KAFKA_PRODUCER + "," + FERRY).split(",", -1)) {
            if (!s.isBlank()) {
                sides.add(s.trim().toLowerCase(Locale.ROOT));
            }
        }
        return new KafkaBenchOptions(
                o.get("bootstrap"),
                records,
                integer(o, "record-size", 100),
                integer(o, "partitions", 4),
                integer(o, "runs", 3),
                integer(o, "warmup-records", Math.max(1, records / 10)),
                string(o, "acks", "all").toLowerCase(Locale.ROOT),
                integer(o, "linger-ms", 5),
                integer(o, "batch-size", 65_536),
                string(o, "compression", "none").toLowerCase(Locale.ROOT),
                integer(o, "keys", 0),
                integer(o, "rate", 0),
                sides,
                integer(o, "ferry-capacity", 65_536),
                integer(o, "ferry-batch", 2048),
                integer(o, "ferry-outstanding", 64),
                integer(o, "threads", 0),
                bool(o, "await-topic", true));
    }

    private static boolean bool(Map<String, String> o, String name, boolean def) {
        String v = o.get(name);
        if (v == null) {
            return def;
        }
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(
                    "--" + name + " is '" + v + "'; expected true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static String string(Map<String, String> o, String name, String def) {
        String v = o.get(name);
        return v == null ? def : v;
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

    /** The acks setting as Kafka's producer names it. */
    String kafkaAcks() {
        return acks.equals("-1") ? "all" : acks;
    }

    /** This with another bootstrap (the in-process broker's). */
    KafkaBenchOptions withBootstrap(String servers) {
        return new KafkaBenchOptions(
                servers,
                records,
                recordSizeBytes,
                partitions,
                runs,
                warmupRecords,
                acks,
                lingerMs,
                batchSizeBytes,
                compressionType,
                keys,
                rateRecordsPerSec,
                sides,
                ferryCapacityEvents,
                ferryBatchEvents,
                ferryOutstandingBatches,
                threadReport,
                awaitTopic);
    }

    /** One line naming the settings, for the report. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "%,d records x %d B, %d partitions, acks=%s, linger.ms=%d, batch.size=%d, compression=%s, keys=%s, rate=%s",
                records,
                recordSizeBytes,
                partitions,
                kafkaAcks(),
                lingerMs,
                batchSizeBytes,
                compressionType,
                keys == 0 ? "null" : String.valueOf(keys),
                rateRecordsPerSec == 0 ? "unthrottled" : rateRecordsPerSec + "/s");
    }
}
