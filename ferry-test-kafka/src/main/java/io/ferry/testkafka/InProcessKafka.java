package io.ferry.testkafka;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.metadata.MetadataCache;

/**
 * A real Kafka 4.2 cluster (KRaft) inside this JVM, in production parity ({@link
 * ProductionParity}); built and started with {@link #builder()}, then used and closed by the test
 * thread (its helpers are not meant to race each other).
 *
 * <pre>{@code
 * try (InProcessKafka kafka = InProcessKafka.builder().brokers(3).start()) {
 *     kafka.createTopic("orders", 6);
 *     ... KafkaSettings.defaults(kafka.bootstrap()) ...
 *     kafka.stopBroker(1); kafka.startBroker(1);   // same port
 * }
 * }</pre>
 *
 * <p>Every broker has a PLAINTEXT listener ({@link #bootstrap()}: the kit's, pre-bound, so a
 * restarted broker keeps its port) and, when asked for, a SASL_PLAINTEXT one ({@link
 * InProcessKafkaBuilder#saslPlain}) and an SSL one ({@link InProcessKafkaBuilder#ssl}), whose
 * client settings {@link #saslPlainClientSettings} and {@link #sslClientSettings} give. The
 * cluster's files live in a temporary directory removed on {@link #close()} (or at JVM exit, if
 * never closed).
 */
public final class InProcessKafka implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final KafkaClusterTestKit kit;
    private final int brokers;
    private final Path baseDirectory;
    private final SecureListeners secure;
    private final Thread deleteAtExit;

    InProcessKafka(
            KafkaClusterTestKit kit,
            int brokers,
            Path baseDirectory,
            SecureListeners secure,
            Thread deleteAtExit) {
        this.kit = kit;
        this.brokers = brokers;
        this.baseDirectory = baseDirectory;
        this.secure = secure;
        this.deleteAtExit = deleteAtExit;
    }

    /** A builder: one broker with its own controller, until told otherwise. */
    public static InProcessKafkaBuilder builder() {
        return new InProcessKafkaBuilder();
    }

    /** host:port of every broker's PLAINTEXT listener, comma-separated. */
    public String bootstrap() {
        return kit.bootstrapServers();
    }

    /**
     * host:port of every broker's listener of {@code protocol} ({@code PLAINTEXT}, or {@code
     * SASL_PLAINTEXT} / {@code SSL} when the builder added them).
     */
    public String bootstrap(SecurityProtocol protocol) {
        return protocol == SecurityProtocol.PLAINTEXT ? bootstrap() : secure.bootstrap(protocol);
    }

    /** Client settings for the PLAINTEXT listener: {@code bootstrap.servers}. */
    public Map<String, Object> clientSettings() {
        Map<String, Object> s = new HashMap<>();
        s.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return s;
    }

    /**
     * Client settings for the SASL_PLAINTEXT listener as {@code user} with {@code password} (right
     * or wrong): {@code bootstrap.servers}, {@code security.protocol}, {@code sasl.mechanism} PLAIN
     * and {@code sasl.jaas.config}.
     *
     * @throws IllegalStateException when the builder was not given {@link
     *     InProcessKafkaBuilder#saslPlain}
     */
    public Map<String, Object> saslPlainClientSettings(String user, String password) {
        return secure.saslPlainClientSettings(user, password);
    }

    /**
     * Client settings for the SSL listener: {@code bootstrap.servers}, {@code security.protocol}
     * SSL and the {@code ssl.truststore.*} that trust the cluster's CA ({@link #tls()}).
     *
     * @throws IllegalStateException when the builder was not given {@link
     *     InProcessKafkaBuilder#ssl}
     */
    public Map<String, Object> sslClientSettings() {
        return secure.sslClientSettings();
    }

    /**
     * The SSL listener's certificates: the CA's truststore (path, password, type) for clients.
     *
     * @throws IllegalStateException when the builder was not given {@link
     *     InProcessKafkaBuilder#ssl}
     */
    public TlsMaterial tls() {
        return secure.tls();
    }

    /** An admin client on the PLAINTEXT listener; the caller closes it. */
    public Admin admin() {
        Properties p = new Properties();
        p.putAll(clientSettings());
        return Admin.create(p);
    }

    /**
     * Creates {@code topic} with replication {@code min(brokers, 3)}; see {@link
     * #createTopic(String, int, int, Map)}.
     */
    public void createTopic(String topic, int partitions) {
        createTopic(topic, partitions, Math.min(brokers, 3), Map.of());
    }

    /** Creates {@code topic} with replication {@code min(brokers, 3)} and topic configs. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) {
        createTopic(topic, partitions, Math.min(brokers, 3), configs);
    }

    /** Creates {@code topic}; see {@link #createTopic(String, int, int, Map)}. */
    public void createTopic(String topic, int partitions, int replicationFactor) {
        createTopic(topic, partitions, replicationFactor, Map.of());
    }

    /**
     * Creates {@code topic} and returns once every running broker has it in its metadata with a
     * leader for every partition, so a client bootstrapped on any broker finds it at once. {@code
     * min.insync.replicas} defaults to 1 unless {@code configs} says otherwise.
     *
     * @throws IllegalStateException when Kafka refuses it (the cause says why) or it does not show
     *     within 30 s
     */
    public void createTopic(
            String topic, int partitions, int replicationFactor, Map<String, String> configs) {
        Map<String, String> all = new HashMap<>(configs);
        all.putIfAbsent("min.insync.replicas", "1");
        try (Admin admin = admin()) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(topic, partitions, (short) replicationFactor)
                                            .configs(all)))
                    .all()
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("creating topic " + topic + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic, e);
        }
        Poll.until(
                WAIT,
                () -> everyRunningBrokerKnows(topic, partitions),
                "topic " + topic + " in every broker's metadata");
    }

    private boolean everyRunningBrokerKnows(String topic, int partitions) {
        for (BrokerServer b : kit.brokers().values()) {
            if (b.isShutdown()) {
                continue;
            }
            MetadataCache cache = b.metadataCache();
            if (cache.numPartitions(topic).orElse(0) < partitions) {
                return false;
            }
            for (int p = 0; p < partitions; p++) {
                if (cache.getLeaderAndIsr(topic, p).map(l -> l.leader() < 0).orElse(true)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The broker ids (0 .. brokers-1). */
    public Set<Integer> brokerIds() {
        return new TreeSet<>(kit.brokers().keySet());
    }

    /**
     * Stops broker {@code id} and waits until it is down; {@link #startBroker} brings it back on
     * the same PLAINTEXT port (a secure listener's port too: it was chosen before the start).
     */
    public void stopBroker(int id) {
        BrokerServer b = broker(id);
        b.shutdown();
        b.awaitShutdown();
    }

    /** Starts broker {@code id} again after {@link #stopBroker} and waits until it is ready. */
    public void startBroker(int id) {
        broker(id).startup();
        waitForReadyBrokers();
    }

    /** Waits until every broker is registered and unfenced. */
    public void waitForReadyBrokers() {
        try {
            kit.waitForReadyBrokers();
        } catch (ExecutionException e) {
            throw new IllegalStateException("brokers did not become ready: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for brokers", e);
        }
    }

    private BrokerServer broker(int id) {
        BrokerServer b = kit.brokers().get(id);
        if (b == null) {
            throw new IllegalArgumentException(
                    "no broker " + id + "; the brokers are " + brokerIds());
        }
        return b;
    }

    /**
     * The test kit under this cluster, for faults the helpers here do not cover; prefer the
     * helpers.
     */
    public KafkaClusterTestKit kit() {
        return kit;
    }

    /**
     * The record at {@code offset} of {@code topic}-{@code partition}, read with a {@code
     * KafkaConsumer} (30 s at most).
     */
    public ConsumerRecord<byte[], byte[]> recordAt(String topic, int partition, long offset) {
        return ReadBack.recordAt(bootstrap(), topic, partition, offset);
    }

    /**
     * Every record of {@code topic}'s partitions {@code 0 .. partitions-1}, from the beginning to
     * the end offsets as of the call (30 s at most).
     */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions) {
        return ReadBack.readAll(bootstrap(), topic, partitions);
    }

    /** Stops every node and removes the cluster's files. */
    @Override
    public void close() {
        try {
            kit.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("closing the in-process Kafka failed: " + e, e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(deleteAtExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            try {
                Files2.deleteTree(baseDirectory);
            } catch (IOException e) {
                // the kit already removed most of it; a leftover in the temp dir is harmless
            }
        }
    }
}
