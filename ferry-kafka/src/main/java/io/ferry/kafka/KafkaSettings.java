package io.ferry.kafka;

import io.ferry.kafka.wire.RecordBatchEncoder;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Kafka engine's settings, named as Kafka's producer names them; immutable, safe to share.
 *
 * <p>Settings the engine does not interpret ({@code security.protocol}, {@code ssl.*}, {@code
 * sasl.*} ...) pass through to the node connections unchanged.
 *
 * @param bootstrapServers {@code bootstrap.servers}: host:port[,host:port...]
 * @param lingerMs {@code linger.ms}: how long a partition waits to fill a batch
 * @param batchSizeBytes {@code batch.size}: a partition batch is sent once it holds this many bytes
 * @param maxRequestSizeBytes {@code max.request.size}: the most bytes in one ProduceRequest and one
 *     record
 * @param compressionType {@code compression.type}: none, gzip, snappy, lz4, zstd
 * @param acks {@code acks}: 0, 1 or -1 (all)
 * @param requestTimeoutMs {@code request.timeout.ms}
 * @param deliveryTimeoutMs {@code delivery.timeout.ms}: an event not acknowledged by then fails
 * @param retryBackoffMs {@code retry.backoff.ms}
 * @param idempotence {@code enable.idempotence}: producer id, epoch and sequences (needs acks=all)
 * @param maxInFlightPerPartition {@code max.in.flight.requests.per.connection}, per partition here
 *     (1..5)
 * @param passThrough the remaining client settings, for the connections
 */
public record KafkaSettings(
        String bootstrapServers,
        int lingerMs,
        int batchSizeBytes,
        int maxRequestSizeBytes,
        String compressionType,
        short acks,
        int requestTimeoutMs,
        int deliveryTimeoutMs,
        int retryBackoffMs,
        boolean idempotence,
        int maxInFlightPerPartition,
        Map<String, Object> passThrough) {

    private static final Set<String> OWN =
            Set.of(
                    "bootstrap.servers",
                    "linger.ms",
                    "batch.size",
                    "max.request.size",
                    "compression.type",
                    "acks",
                    "request.timeout.ms",
                    "delivery.timeout.ms",
                    "retry.backoff.ms",
                    "enable.idempotence",
                    "max.in.flight.requests.per.connection");

    /** Validates; messages name the setting and what is accepted. */
    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "bootstrap.servers is required (host:port[,host:port...])");
        }
        positive("linger.ms", lingerMs, 0);
        positive("batch.size", batchSizeBytes, 1);
        positive("max.request.size", maxRequestSizeBytes, 1024);
        new RecordBatchEncoder(compressionType); // validates the name
        if (acks != 0 && acks != 1 && acks != -1) {
            throw new IllegalArgumentException("acks is " + acks + "; expected 0, 1 or all (-1)");
        }
        positive("request.timeout.ms", requestTimeoutMs, 1);
        positive("delivery.timeout.ms", deliveryTimeoutMs, 1);
        positive("retry.backoff.ms", retryBackoffMs, 0);
        if (idempotence && acks != -1) {
            throw new IllegalArgumentException(
                    "enable.idempotence=true needs acks=all; set acks=all or enable.idempotence=false");
        }
        if (maxInFlightPerPartition < 1 || maxInFlightPerPartition > 5) {
            throw new IllegalArgumentException(
                    "max.in.flight.requests.per.connection is "
                            + maxInFlightPerPartition
                            + "; expected 1..5");
        }
        passThrough = Map.copyOf(Objects.requireNonNull(passThrough, "passThrough"));
    }

    private static void positive(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    name + " is " + value + "; expected at least " + min);
        }
    }

    /** Kafka's producer defaults for {@code bootstrapServers}, with idempotence on. */
    public static KafkaSettings defaults(String bootstrapServers) {
        return new KafkaSettings(
                bootstrapServers,
                5,
                16_384,
                1_048_576,
                "none",
                (short) -1,
                30_000,
                120_000,
                100,
                true,
                5,
                Map.of());
    }

    /**
     * Reads settings with Kafka's names from a map of strings or numbers; unknown keys pass through
     * to the connections.
     *
     * @throws IllegalArgumentException naming the bad setting
     */
    public static KafkaSettings from(Map<String, ?> map) {
        Map<String, Object> rest = new HashMap<>(map);
        OWN.forEach(rest::remove);
        KafkaSettings d = defaults("unset:0");
        Object rawAcks = map.get("acks");
        String acks =
                (rawAcks == null ? "all" : rawAcks.toString()).trim().toLowerCase(Locale.ROOT);
        short ackValue =
                switch (acks) {
                    case "all", "-1" -> (short) -1;
                    case "1" -> (short) 1;
                    case "0" -> (short) 0;
                    default ->
                            throw new IllegalArgumentException(
                                    "acks is '" + acks + "'; expected 0, 1 or all");
                };
        boolean idempotence = bool(map, "enable.idempotence", ackValue == -1);
        return new KafkaSettings(
                string(map, "bootstrap.servers", null),
                integer(map, "linger.ms", d.lingerMs),
                integer(map, "batch.size", d.batchSizeBytes),
                integer(map, "max.request.size", d.maxRequestSizeBytes),
                string(map, "compression.type", d.compressionType),
                ackValue,
                integer(map, "request.timeout.ms", d.requestTimeoutMs),
                integer(map, "delivery.timeout.ms", d.deliveryTimeoutMs),
                integer(map, "retry.backoff.ms", d.retryBackoffMs),
                idempotence,
                integer(map, "max.in.flight.requests.per.connection", d.maxInFlightPerPartition),
                rest);
    }

    private static String string(Map<String, ?> map, String key, String def) {
        Object v = map.get(key);
        return v == null ? def : v.toString().trim();
    }

    private static int integer(Map<String, ?> map, String key, int def) {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + v + "'; expected an integer");
        }
    }

    private static boolean bool(Map<String, ?> map, String key, boolean def) {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException(key + " is '" + v + "'; expected true or false");
        }
        return Boolean.parseBoolean(s);
    }

    /** The client settings for a node connection: pass-through plus {@code bootstrap.servers}. */
    Map<String, Object> connectionSettings() {
        Map<String, Object> m = new HashMap<>(passThrough);
        m.put("bootstrap.servers", bootstrapServers);
        return m;
    }

    /** This with another linger. */
    public KafkaSettings withLingerMs(int ms) {
        return new KafkaSettings(
                bootstrapServers,
                ms,
                batchSizeBytes,
                maxRequestSizeBytes,
                compressionType,
                acks,
                requestTimeoutMs,
                deliveryTimeoutMs,
                retryBackoffMs,
                idempotence,
                maxInFlightPerPartition,
                passThrough);
    }

    /** This with another batch size. */
    public KafkaSettings withBatchSizeBytes(int bytes) {
        return new KafkaSettings(
                bootstrapServers,
                lingerMs,
                bytes,
                maxRequestSizeBytes,
                compressionType,
                acks,
                requestTimeoutMs,
                deliveryTimeoutMs,
                retryBackoffMs,
                idempotence,
                maxInFlightPerPartition,
                passThrough);
    }

    /** This with other timeouts. */
    public KafkaSettings withTimeouts(int requestMs, int deliveryMs) {
        return new KafkaSettings(
                bootstrapServers,
                lingerMs,
                batchSizeBytes,
                maxRequestSizeBytes,
                compressionType,
                acks,
                requestMs,
                deliveryMs,
                retryBackoffMs,
                idempotence,
                maxInFlightPerPartition,
                passThrough);
    }

    /** This with another compression type. */
    public KafkaSettings withCompressionType(String type) {
        return new KafkaSettings(
                bootstrapServers,
                lingerMs,
                batchSizeBytes,
                maxRequestSizeBytes,
                type,
                acks,
                requestTimeoutMs,
                deliveryTimeoutMs,
                retryBackoffMs,
                idempotence,
                maxInFlightPerPartition,
                passThrough);
    }
}
