package io.ferry.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The gateway's configuration, read from YAML ({@code ferry.yaml}); immutable. Every setting, its
 * default and unit is in {@code docs/configuration.md}. Unknown keys and bad values fail at {@link
 * #parse} with a {@link ConfigException} naming the key.
 *
 * <pre>
 * gateway:
 *   port: 8080
 *   default-ack: local
 * clusters:
 *   default:
 *     kafka:  { bootstrap.servers: localhost:9092, linger.ms: 5 }   # Kafka's own names
 *     broker: { type: memory, events: 65536 }                      # the broker registry's names
 * </pre>
 *
 * @param host {@code gateway.host}: the address to listen on
 * @param port {@code gateway.port}: the HTTP port (0: any free port)
 * @param eventLoops {@code gateway.event-loops}: Vert.x event-loop threads
 * @param nativeTransport {@code gateway.native-transport}: use Netty's epoll transport where it
 *     loads
 * @param defaultAck {@code gateway.default-ack}: the ack level of requests without {@code ack}
 * @param maxBodyBytes {@code gateway.max-body-bytes}: larger request bodies get 413
 * @param maxConcurrentRequests {@code gateway.max-concurrent-requests}: requests in progress beyond
 *     it get 429
 * @param shutdownTimeoutMs {@code gateway.shutdown-timeout-ms}: how long a graceful shutdown drains
 * @param retryAfterSeconds {@code gateway.retry-after-seconds}: the Retry-After of a 429
 * @param defaultCluster {@code gateway.default-cluster}: the cluster of the unprefixed paths
 * @param clusters the Kafka clusters by name, in file order
 * @param limits the timeouts and limits that protect the gateway from slow and greedy clients
 * @param managementPort {@code gateway.management-port}: the port serving only {@code /healthz},
 *     {@code /readyz} and {@code /metrics}, or {@link #MANAGEMENT_OFF} (they are on the main port
 *     only); 0 picks a free port
 * @param kafkaPixy {@code gateway.kafka-pixy.*}: the listener of kafka-pixy's REST API, off by
 *     default ({@link KafkaPixyConfig})
 * @param grpc {@code gateway.grpc.*}: where gRPC is served, its message size limit
 * @param security {@code gateway.security.*}: TLS, authentication, authorization, rate limits and
 *     CORS of each listener ({@link SecurityConfig}; off by default)
 */
public record GatewayConfig(
        String host,
        int port,
        int eventLoops,
        boolean nativeTransport,
        AckLevel defaultAck,
        int maxBodyBytes,
        int maxConcurrentRequests,
        long shutdownTimeoutMs,
        int retryAfterSeconds,
        String defaultCluster,
        Map<String, Cluster> clusters,
        Limits limits,
        int managementPort,
        KafkaPixyConfig kafkaPixy,
        GrpcSettings grpc,
        SecurityConfig security) {

    /** {@link #managementPort} when there is no management port. */
    public static final int MANAGEMENT_OFF = -1;

    /**
     * The timeouts and limits against slow and greedy clients; immutable. A value of 0 for {@code
     * maxConnections} means: derived from the process's file-descriptor limit when the gateway
     * starts (see {@code docs/configuration.md}).
     *
     * @param headerTimeoutMs {@code gateway.header-timeout-ms}: a new connection's first request
     *     head must have arrived within this, else the connection is closed
     * @param bodyTimeoutMs {@code gateway.body-timeout-ms}: a request's body must have arrived
     *     within this of its head, else 408 and the connection is closed
     * @param idleTimeoutMs {@code gateway.idle-timeout-ms}: a connection with nothing read or
     *     written for this long is closed, and after an answer the next request head must have
     *     arrived within this
     * @param maxConnections {@code gateway.max-connections}: open connections on the main port
     *     beyond this are closed at once; 0: derived from the fd limit
     * @param maxInFlightBodyBytes {@code gateway.max-in-flight-body-bytes}: request-body bytes in
     *     progress beyond this get 429; 0: derived from the max heap
     */
    public record Limits(
            long headerTimeoutMs,
            long bodyTimeoutMs,
            long idleTimeoutMs,
            int maxConnections,
            long maxInFlightBodyBytes) {
        /** The defaults: 10 s, 30 s, 60 s, derived from the fd limit and from the heap. */
        public static final Limits DEFAULT = new Limits(10_000, 30_000, 60_000, 0, 0);

        /** Validates the ranges. */
        public Limits {
            if (headerTimeoutMs < 1 || bodyTimeoutMs < 1 || idleTimeoutMs < 1) {
                throw new ConfigException(
                        "gateway.header-timeout-ms, body-timeout-ms and idle-timeout-ms must be at"
                                + " least 1 ms");
            }
            if (maxInFlightBodyBytes < 0) {
                throw new ConfigException(
                        "gateway.max-in-flight-body-bytes is "
                                + maxInFlightBodyBytes
                                + "; expected 0 (derived from the heap) or more");
            }
            if (maxConnections < 0) {
                throw new ConfigException(
                        "gateway.max-connections is "
                                + maxConnections
                                + "; expected 0 (derived from the fd limit) or more");
            }
        }
    }

    /**
     * One Kafka cluster: its client settings, the broker that buffers its events, and where events
     * that cannot be delivered go.
     */
    public record Cluster(
            KafkaSettings kafka,
            BrokerConfig broker,
            DeadLetter deadLetter,
            ConsumeConfig consume) {
        /** A cluster with the default dead letter (a local directory). */
        public Cluster(KafkaSettings kafka, BrokerConfig broker) {
            this(kafka, broker, DeadLetter.DEFAULT);
        }

        /** A cluster with the default consume settings. */
        public Cluster(KafkaSettings kafka, BrokerConfig broker, DeadLetter deadLetter) {
            this(kafka, broker, deadLetter, ConsumeConfig.DEFAULT);
        }

        /** This with other consume settings. */
        public Cluster withConsume(ConsumeConfig c) {
            return new Cluster(kafka, broker, deadLetter, c);
        }
    }

    /**
     * Where a cluster's events that cannot be delivered go (docs/configuration.md, "Dead letter").
     *
     * @param enabled false only when the configuration says so: failed events are then logged,
     *     counted and dropped
     * @param directory the local directory, or null: next to the disk broker's directory ({@code
     *     <path>-dead-letter}), else {@code ferry-dead-letter/<cluster>} in the working directory
     * @param topic a Kafka topic of the same cluster to write them to (the local directory is then
     *     the fallback), or null
     * @param maxBytes the local directory's bound
     */
    public record DeadLetter(boolean enabled, Path directory, String topic, long maxBytes) {
        /**
         * A JVM property naming the folder that holds the derived directories of memory-broker
         * clusters instead of {@code ferry-dead-letter} in the working directory (the build sets it
         * for tests, so they write under {@code target/}).
         */
        public static final String ROOT_PROPERTY = "ferry.dead-letter.root";

        /** On, in the derived directory, 1 GiB, no topic. */
        public static final DeadLetter DEFAULT = new DeadLetter(true, null, null, 1L << 30);

        /** The directory for cluster {@code name} buffered by {@code broker}. */
        public Path directoryFor(String name, BrokerConfig broker) {
            if (directory != null) {
                return directory;
            }
            Object path = broker.settings().get("path");
            if (broker.type().equals("disk") && path != null) {
                Path p = Path.of(path.toString()).toAbsolutePath().normalize();
                return p.resolveSibling(p.getFileName() + "-dead-letter");
            }
            return Path.of(System.getProperty(ROOT_PROPERTY, "ferry-dead-letter"), name)
                    .toAbsolutePath();
        }
    }

    /** A configuration that cannot be used; the message names the key and what is accepted. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    static final Set<String> GATEWAY_KEYS =
            Set.of(
                    "host",
                    "port",
                    "event-loops",
                    "native-transport",
                    "default-ack",
                    "max-body-bytes",
                    "max-concurrent-requests",
                    "shutdown-timeout-ms",
                    "retry-after-seconds",
                    "default-cluster",
                    "header-timeout-ms",
                    "body-timeout-ms",
                    "idle-timeout-ms",
                    "max-connections",
                    "max-in-flight-body-bytes",
                    "management-port",
                    "kafka-pixy",
                    "grpc",
                    "security");

    /** Validates the cross-setting rules. */
    public GatewayConfig {
        clusters = Map.copyOf(clusters);
        if (clusters.isEmpty()) {
            throw new ConfigException(
                    "clusters: at least one cluster is needed (clusters.<name>.kafka.bootstrap.servers)");
        }
        if (!clusters.containsKey(defaultCluster)) {
            throw new ConfigException(
                    "gateway.default-cluster is '"
                            + defaultCluster
                            + "'; configured clusters: "
                            + new TreeSet<>(clusters.keySet()));
        }
        java.util.Objects.requireNonNull(limits, "limits");
        if (managementPort < MANAGEMENT_OFF || managementPort > 65_535) {
            throw new ConfigException(
                    "gateway.management-port is " + managementPort + "; expected 0..65535 or off");
        }
        java.util.Objects.requireNonNull(kafkaPixy, "kafkaPixy");
        if (kafkaPixy.enabled()
                && kafkaPixy.port() > 0
                && (kafkaPixy.port() == port || kafkaPixy.port() == managementPort)) {
            throw new ConfigException(
                    "gateway.kafka-pixy.port is "
                            + kafkaPixy.port()
                            + ", the same as gateway."
                            + (kafkaPixy.port() == port ? "port" : "management-port")
                            + "; the kafka-pixy listener needs a port of its own");
        }
        java.util.Objects.requireNonNull(grpc, "grpc");
        java.util.Objects.requireNonNull(security, "security");
        for (io.ferry.gateway.security.Listener l : io.ferry.gateway.security.Listener.values()) {
            l.settings(security)
                    .authorization()
                    .checkClusters(clusters.keySet(), l.key() + ".authorization");
        }
        int grpcOwn = grpc.ownPort() ? grpc.ownPort(port) : 0;
        if (grpcOwn > 0 && (grpcOwn == port || grpcOwn == managementPort)) {
            throw new ConfigException(
                    "gateway.grpc.port is "
                            + grpcOwn
                            + (grpc.port() == GrpcSettings.AUTO ? " (the default)" : "")
                            + ", the same as gateway.port or gateway.management-port; set"
                            + " gateway.grpc.port to another port, 'same' to serve gRPC on"
                            + " gateway.port, or off");
        }
        if (managementPort > 0 && managementPort == port) {
            throw new ConfigException(
                    "gateway.management-port is the same as gateway.port ("
                            + port
                            + "); use another port, or leave it off");
        }
    }

    /** One cluster named {@code default} with default gateway settings. */
    public static GatewayConfig of(KafkaSettings kafka, BrokerConfig broker) {
        return new GatewayConfig(
                "0.0.0.0",
                8080,
                2,
                true,
                AckLevel.LOCAL,
                1_048_576,
                4096,
                30_000,
                1,
                "default",
                Map.of("default", new Cluster(kafka, broker)),
                Limits.DEFAULT,
                MANAGEMENT_OFF,
                KafkaPixyConfig.OFF,
                GrpcSettings.DEFAULT,
                SecurityConfig.OFF);
    }

    /** This with another port. */
    public GatewayConfig withPort(int p) {
        return new GatewayConfig(
                host,
                p,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with other clusters (the default cluster's name unchanged). */
    public GatewayConfig withClusters(Map<String, Cluster> c) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                c,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with another listening address. */
    public GatewayConfig withHost(String h) {
        return new GatewayConfig(
                h,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with other limits. */
    public GatewayConfig withLimits(int bodyBytes, int concurrentRequests) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                bodyBytes,
                concurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with another default ack level. */
    public GatewayConfig withDefaultAck(AckLevel ack) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                ack,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with other timeouts and connection limits. */
    public GatewayConfig withLimits(Limits l) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                l,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with a management port ({@link #MANAGEMENT_OFF}: none; 0: a free port). */
    public GatewayConfig withManagementPort(int p) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                p,
                kafkaPixy,
                grpc,
                security);
    }

    /** This with the kafka-pixy listener's settings ({@link KafkaPixyConfig#OFF}: none). */
    public GatewayConfig withKafkaPixy(KafkaPixyConfig k) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                k,
                grpc,
                security);
    }

    /** This with other gRPC settings. */
    public GatewayConfig withGrpc(GrpcSettings g) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                g,
                security);
    }

    /** This with other security settings. */
    public GatewayConfig withSecurity(SecurityConfig s) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                shutdownTimeoutMs,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                s);
    }

    /** This with another {@code gateway.shutdown-timeout-ms}. */
    public GatewayConfig withShutdownTimeoutMs(long ms) {
        return new GatewayConfig(
                host,
                port,
                eventLoops,
                nativeTransport,
                defaultAck,
                maxBodyBytes,
                maxConcurrentRequests,
                ms,
                retryAfterSeconds,
                defaultCluster,
                clusters,
                limits,
                managementPort,
                kafkaPixy,
                grpc,
                security);
    }

    /** Reads a YAML file. */
    public static GatewayConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot read the configuration file " + file + ": " + e.getMessage());
        }
        return parse(text);
    }

    /**
     * Parses YAML text; {@code ${NAME}} and {@code ${NAME:-default}} in values are substituted with
     * environment variables.
     */
    public static GatewayConfig parse(String yaml) {
        return parse(yaml, System::getenv);
    }

    /** Parses YAML text, substituting {@code ${NAME}} references from {@code env}. */
    public static GatewayConfig parse(String yaml, java.util.function.UnaryOperator<String> env) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(
                    "the configuration is not valid YAML: "
                            + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(
                    "the configuration is empty; it needs clusters.<name>.kafka.bootstrap.servers");
        }
        object(root, "the configuration");
        EnvSubstitution.apply(root, env);
        onlyKeys(root, "", Set.of("gateway", "clusters"));
        JsonNode g = root.path("gateway");
        if (!g.isMissingNode()) {
            object(g, "gateway");
            onlyKeys(g, "gateway.", GATEWAY_KEYS);
        }
        String ackName = text(g, "default-ack", "local");
        AckLevel ack = AckLevel.parse(ackName);
        if (ack == null) {
            throw new ConfigException(
                    "gateway.default-ack is '" + ackName + "'; expected none, local or kafka");
        }
        JsonNode cs = root.path("clusters");
        if (cs.isMissingNode()) {
            throw new ConfigException(
                    "clusters is missing; it needs clusters.<name>.kafka.bootstrap.servers");
        }
        object(cs, "clusters");
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> c : cs.properties()) {
            clusters.put(c.getKey(), cluster("clusters." + c.getKey(), c.getValue()));
        }
        String defaultCluster =
                text(
                        g,
                        "default-cluster",
                        clusters.containsKey("default") || clusters.isEmpty()
                                ? "default"
                                : clusters.keySet().iterator().next());
        return new GatewayConfig(
                text(g, "host", "0.0.0.0"),
                (int) number(g, "port", 8080, 0, 65_535),
                (int) number(g, "event-loops", 2, 1, 256),
                bool(g, "native-transport", true),
                ack,
                (int) number(g, "max-body-bytes", 1_048_576, 1, Integer.MAX_VALUE),
                (int) number(g, "max-concurrent-requests", 4096, 1, 1_000_000),
                number(g, "shutdown-timeout-ms", 30_000, 0, Long.MAX_VALUE),
                (int) number(g, "retry-after-seconds", 1, 0, 3600),
                defaultCluster,
                clusters,
                new Limits(
                        number(g, "header-timeout-ms", 10_000, 1, 3_600_000),
                        number(g, "body-timeout-ms", 30_000, 1, 3_600_000),
                        number(g, "idle-timeout-ms", 60_000, 1, 3_600_000),
                        (int) number(g, "max-connections", 0, 0, 10_000_000),
                        number(g, "max-in-flight-body-bytes", 0, 0, Long.MAX_VALUE)),
                managementPort(g),
                KafkaPixyConfig.parse(g.path("kafka-pixy")),
                GrpcSettings.parse(g.path("grpc")),
                SecurityConfig.parse(g.path("security")));
    }

    private static Cluster cluster(String at, JsonNode c) {
        object(c, at);
        onlyKeys(c, at + ".", Set.of("kafka", "broker", "dead-letter", "consume"));
        JsonNode k = c.path("kafka");
        if (k.isMissingNode()) {
            throw new ConfigException(
                    at + ".kafka is missing; it needs at least bootstrap.servers");
        }
        object(k, at + ".kafka");
        Map<String, Object> kafka = scalars(k, at + ".kafka");
        Set<String> known = new TreeSet<>(ProducerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        for (String key : kafka.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException(
                        at
                                + ".kafka."
                                + key
                                + " is not a Kafka client setting "
                                + "(Kafka's producer and admin names are accepted, e.g. bootstrap.servers, linger.ms, security.protocol)");
            }
        }
        KafkaSettings settings;
        try {
            settings = KafkaSettings.from(kafka);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ".kafka: " + e.getMessage());
        }
        JsonNode b = c.path("broker");
        BrokerConfig broker;
        if (b.isMissingNode()) {
            broker = BrokerConfig.of(BrokerConfig.DEFAULT_TYPE);
        } else {
            object(b, at + ".broker");
            Map<String, Object> bs = scalars(b, at + ".broker");
            Object type = bs.remove("type");
            broker =
                    BrokerConfig.of(type == null ? BrokerConfig.DEFAULT_TYPE : type.toString(), bs);
        }
        try {
            // the broker type checks its settings now, before anything connects to Kafka
            io.ferry.broker.Brokers.validate(broker);
        } catch (io.ferry.broker.BrokerConfigException e) {
            throw new ConfigException(at + ".broker: " + e.getMessage());
        }
        return new Cluster(
                settings,
                broker,
                deadLetter(at + ".dead-letter", c.path("dead-letter")),
                ConsumeConfig.parse(at + ".consume", c.path("consume")));
    }

    private static DeadLetter deadLetter(String at, JsonNode d) {
        if (d.isMissingNode() || d.isNull()) {
            return DeadLetter.DEFAULT;
        }
        object(d, at);
        onlyKeys(d, at + ".", Set.of("enabled", "directory", "topic", "max-bytes"));
        Map<String, Object> m = scalars(d, at);
        Object enabled = m.getOrDefault("enabled", true);
        if (!(enabled instanceof Boolean)
                && !enabled.toString().equals("true")
                && !enabled.toString().equals("false")) {
            throw new ConfigException(at + ".enabled is '" + enabled + "'; expected true or false");
        }
        Object dir = m.get("directory");
        Object topic = m.get("topic");
        if (topic != null && topic.toString().isBlank()) {
            throw new ConfigException(at + ".topic is empty; leave it out for none");
        }
        long maxBytes;
        try {
            maxBytes =
                    BrokerConfig.of("dead-letter", m)
                            .getBytes(
                                    "max-bytes",
                                    DeadLetter.DEFAULT.maxBytes(),
                                    1 << 20,
                                    Long.MAX_VALUE);
        } catch (io.ferry.broker.BrokerConfigException e) {
            throw new ConfigException(at + ": " + e.getMessage());
        }
        return new DeadLetter(
                Boolean.parseBoolean(enabled.toString()),
                dir == null ? null : Path.of(dir.toString()),
                topic == null ? null : topic.toString(),
                maxBytes);
    }

    private static Map<String, Object> scalars(JsonNode node, String at) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            if (v.isContainerNode()) {
                throw new ConfigException(
                        at + "." + e.getKey() + " must be a single value, not a list or a map");
            }
            m.put(e.getKey(), v.isNull() ? "" : v.asText());
        }
        return m;
    }

    private static void object(JsonNode n, String at) {
        if (!n.isObject()) {
            throw new ConfigException(at + " must be a map of settings");
        }
    }

    private static void onlyKeys(JsonNode n, String prefix, Set<String> allowed) {
        for (String key : List.copyOf(iterable(n))) {
            if (!allowed.contains(key)) {
                throw new ConfigException(
                        "unknown setting '" + prefix + key + "'; known: " + new TreeSet<>(allowed));
            }
        }
    }

    private static List<String> iterable(JsonNode n) {
        List<String> keys = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static String text(JsonNode g, String key, String def) {
        JsonNode v = g.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        if (v.isContainerNode()) {
            throw new ConfigException("gateway." + key + " must be a single value");
        }
        return v.asText();
    }

    /** {@code gateway.management-port}: absent, {@code off} or {@code false}: none. */
    private static int managementPort(JsonNode g) {
        JsonNode v = g.path("management-port");
        if (v.isMissingNode()
                || v.isNull()
                || (v.isBoolean() && !v.asBoolean())
                || (v.isTextual() && v.asText().trim().equals("off"))) {
            return MANAGEMENT_OFF;
        }
        if (v.isBoolean()) {
            throw new ConfigException(
                    "gateway.management-port is 'true'; expected a port 0..65535, or off");
        }
        return (int) number(g, "management-port", MANAGEMENT_OFF, 0, 65_535);
    }

    private static boolean bool(JsonNode g, String key, boolean def) {
        JsonNode v = g.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String t = v.asText().trim();
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        throw new ConfigException(
                "gateway." + key + " is '" + v.asText() + "'; expected true or false");
    }

    private static long number(JsonNode g, String key, long def, long min, long max) {
        JsonNode v = g.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        long n;
        try {
            if (!v.isIntegralNumber() && !v.isTextual()) {
                throw new NumberFormatException();
            }
            n = v.isIntegralNumber() ? v.asLong() : Long.parseLong(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    "gateway."
                            + key
                            + " is '"
                            + v.asText()
                            + "'; expected an integer "
                            + min
                            + ".."
                            + max);
        }
        if (n < min || n > max) {
            throw new ConfigException(
                    "gateway." + key + " is " + n + "; expected " + min + ".." + max);
        }
        return n;
    }
}
