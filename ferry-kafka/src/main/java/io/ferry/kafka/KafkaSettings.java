package io.ferry.kafka;

import io.ferry.kafka.wire.RecordBatchEncoder;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Kafka engine's settings, named as Kafka's producer names them; immutable, safe to share.
 *
 * <p>Settings the engine does not interpret ({@code security.protocol}, {@code ssl.*}, {@code
 * sasl.*} ...) pass through to the node connections unchanged; the trust and key stores they name
 * are checked when the settings are read ({@link #from}), so a missing file or a wrong password
 * fails at start, naming the setting, instead of as a stack trace on the first connection.
 *
 * @param bootstrapServers {@code bootstrap.servers}: host:port[,host:port...]
 * @param clientId {@code client.id}: presented on every connection (Kafka's quotas and logs key on
 *     it); {@code ferry-} and a random suffix when not set
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
 * @param metadataMaxAgeMs {@code metadata.max.age.ms}: every topic in use is refreshed at least
 *     this often, so added partitions are seen
 * @param metadataMaxIdleMs {@code metadata.max.idle.ms}: a topic not used for this long is dropped
 *     from the refreshes
 * @param allowAutoTopicCreation {@code allow.auto.create.topics}: whether metadata requests may
 *     create a topic on a cluster that auto-creates (false by default: unlike Kafka's producer, a
 *     typo must not create a topic)
 * @param passThrough the remaining client settings, for the connections
 */
public record KafkaSettings(
        String bootstrapServers,
        String clientId,
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
        int metadataMaxAgeMs,
        int metadataMaxIdleMs,
        boolean allowAutoTopicCreation,
        Map<String, Object> passThrough) {

    /** The keys the engine interprets itself; every other key passes through. */
    public static final Set<String> OWN =
            Set.of(
                    "bootstrap.servers",
                    "client.id",
                    "linger.ms",
                    "batch.size",
                    "max.request.size",
                    "compression.type",
                    "acks",
                    "request.timeout.ms",
                    "delivery.timeout.ms",
                    "retry.backoff.ms",
                    "enable.idempotence",
                    "max.in.flight.requests.per.connection",
                    "metadata.max.age.ms",
                    "metadata.max.idle.ms",
                    "allow.auto.create.topics");

    /** Validates; messages name the setting and what is accepted. */
    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "bootstrap.servers is required (host:port[,host:port...])");
        }
        BootstrapServers.parse(bootstrapServers); // validates every entry
        if (clientId == null || clientId.isBlank()) {
            throw new IllegalArgumentException(
                    "client.id is blank; leave it out or name the client");
        }
        atLeast("linger.ms", lingerMs, 0);
        atLeast("batch.size", batchSizeBytes, 1);
        atLeast("max.request.size", maxRequestSizeBytes, 1024);
        new RecordBatchEncoder(compressionType); // validates the name
        if (acks != 0 && acks != 1 && acks != -1) {
            throw new IllegalArgumentException("acks is " + acks + "; expected 0, 1 or all (-1)");
        }
        atLeast("request.timeout.ms", requestTimeoutMs, 1);
        atLeast("delivery.timeout.ms", deliveryTimeoutMs, 1);
        atLeast("retry.backoff.ms", retryBackoffMs, 0);
        if (idempotence && acks != -1) {
            throw new IllegalArgumentException(
                    "enable.idempotence=true needs acks=all; set acks=all or"
                            + " enable.idempotence=false");
        }
        if (maxInFlightPerPartition < 1 || maxInFlightPerPartition > 5) {
            throw new IllegalArgumentException(
                    "max.in.flight.requests.per.connection is "
                            + maxInFlightPerPartition
                            + "; expected 1..5");
        }
        atLeast("metadata.max.age.ms", metadataMaxAgeMs, 1);
        atLeast("metadata.max.idle.ms", metadataMaxIdleMs, 5_000);
        passThrough = Map.copyOf(Objects.requireNonNull(passThrough, "passThrough"));
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    name + " is " + value + "; expected at least " + min);
        }
    }

    /** Kafka's producer defaults for {@code bootstrapServers}, with idempotence on. */
    public static KafkaSettings defaults(String bootstrapServers) {
        return new KafkaSettings(
                bootstrapServers,
                randomClientId(),
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
                300_000,
                300_000,
                false,
                Map.of());
    }

    private static String randomClientId() {
        return "ferry-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /**
     * Reads settings with Kafka's names from a map of strings or numbers; unknown keys pass through
     * to the connections, and the trust and key stores they name are opened to check them.
     *
     * @throws IllegalArgumentException naming the bad setting
     */
    public static KafkaSettings from(Map<String, ?> map) {
        Map<String, Object> rest = new HashMap<>(map);
        OWN.forEach(rest::remove);
        KafkaSettings d = defaults("localhost:9092"); // only its defaults are read
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
        KafkaSettings s =
                new KafkaSettings(
                        string(map, "bootstrap.servers", null),
                        string(map, "client.id", d.clientId),
                        integer(map, "linger.ms", d.lingerMs),
                        integer(map, "batch.size", d.batchSizeBytes),
                        integer(map, "max.request.size", d.maxRequestSizeBytes),
                        string(map, "compression.type", d.compressionType),
                        ackValue,
                        integer(map, "request.timeout.ms", d.requestTimeoutMs),
                        integer(map, "delivery.timeout.ms", d.deliveryTimeoutMs),
                        integer(map, "retry.backoff.ms", d.retryBackoffMs),
                        idempotence,
                        integer(
                                map,
                                "max.in.flight.requests.per.connection",
                                d.maxInFlightPerPartition),
                        integer(map, "metadata.max.age.ms", d.metadataMaxAgeMs),
                        integer(map, "metadata.max.idle.ms", d.metadataMaxIdleMs),
                        bool(map, "allow.auto.create.topics", d.allowAutoTopicCreation),
                        rest);
        SecurityStores.check(s.passThrough);
        return s;
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
        Values v = new Values(this);
        v.lingerMs = ms;
        return v.build();
    }

    /** This with another batch size. */
    public KafkaSettings withBatchSizeBytes(int bytes) {
        Values v = new Values(this);
        v.batchSizeBytes = bytes;
        return v.build();
    }

    /** This with other timeouts. */
    public KafkaSettings withTimeouts(int requestMs, int deliveryMs) {
        Values v = new Values(this);
        v.requestTimeoutMs = requestMs;
        v.deliveryTimeoutMs = deliveryMs;
        return v.build();
    }

    /** This with another compression type. */
    public KafkaSettings withCompressionType(String type) {
        Values v = new Values(this);
        v.compressionType = type;
        return v.build();
    }

    /** This with another metadata age and idle time. */
    public KafkaSettings withMetadataAges(int maxAgeMs, int maxIdleMs) {
        Values v = new Values(this);
        v.metadataMaxAgeMs = maxAgeMs;
        v.metadataMaxIdleMs = maxIdleMs;
        return v.build();
    }

    /** This with other pass-through client settings (security, SSL, SASL ...). */
    public KafkaSettings withPassThrough(Map<String, Object> settings) {
        Values v = new Values(this);
        v.passThrough = settings;
        return v.build();
    }

    /** A mutable copy, for the {@code with} methods. */
    private static final class Values {
        String bootstrapServers;
        String clientId;
        int lingerMs;
        int batchSizeBytes;
        int maxRequestSizeBytes;
        String compressionType;
        short acks;
        int requestTimeoutMs;
        int deliveryTimeoutMs;
        int retryBackoffMs;
        boolean idempotence;
        int maxInFlightPerPartition;
        int metadataMaxAgeMs;
        int metadataMaxIdleMs;
        boolean allowAutoTopicCreation;
        Map<String, Object> passThrough;

        Values(KafkaSettings s) {
            bootstrapServers = s.bootstrapServers;
            clientId = s.clientId;
            lingerMs = s.lingerMs;
            batchSizeBytes = s.batchSizeBytes;
            maxRequestSizeBytes = s.maxRequestSizeBytes;
            compressionType = s.compressionType;
            acks = s.acks;
            requestTimeoutMs = s.requestTimeoutMs;
            deliveryTimeoutMs = s.deliveryTimeoutMs;
            retryBackoffMs = s.retryBackoffMs;
            idempotence = s.idempotence;
            maxInFlightPerPartition = s.maxInFlightPerPartition;
            metadataMaxAgeMs = s.metadataMaxAgeMs;
            metadataMaxIdleMs = s.metadataMaxIdleMs;
            allowAutoTopicCreation = s.allowAutoTopicCreation;
            passThrough = s.passThrough;
        }

        KafkaSettings build() {
            return new KafkaSettings(
                    bootstrapServers,
                    clientId,
                    lingerMs,
                    batchSizeBytes,
                    maxRequestSizeBytes,
                    compressionType,
                    acks,
                    requestTimeoutMs,
                    deliveryTimeoutMs,
                    retryBackoffMs,
                    idempotence,
                    maxInFlightPerPartition,
                    metadataMaxAgeMs,
                    metadataMaxIdleMs,
                    allowAutoTopicCreation,
                    passThrough);
        }
    }
}
