package io.ferry.testkafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Describes an {@link InProcessKafka} and starts it; one thread, {@link #start()} once.
 *
 * <pre>{@code
 * InProcessKafka.builder().brokers(3).start();                              // 3 brokers + 1 controller
 * InProcessKafka.builder().combined(true).start();                          // one node: broker and controller
 * InProcessKafka.builder().saslPlain(Map.of("alice", "secret")).ssl().start();
 * }</pre>
 */
public final class InProcessKafkaBuilder {
    private int brokers = 1;
    private boolean combined;
    private final Map<String, String> config = new LinkedHashMap<>();
    private Map<String, String> saslUsers;
    private boolean ssl;

    InProcessKafkaBuilder() {}

    /** How many brokers (default 1); their ids are 0 .. n-1. */
    public InProcessKafkaBuilder brokers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("brokers is " + n + "; expected at least 1");
        }
        this.brokers = n;
        return this;
    }

    /**
     * {@code true}: the controller runs inside broker 0 (one node fewer, starts faster; stopping
     * broker 0 stops only its broker part). Default {@code false}: one controller of its own.
     */
    public InProcessKafkaBuilder combined(boolean combined) {
        this.combined = combined;
        return this;
    }

    /**
     * A broker and controller setting on every node, over {@link ProductionParity}'s (for example
     * {@code log.segment.delete.delay.ms=0}).
     */
    public InProcessKafkaBuilder config(String key, String value) {
        config.put(key, value);
        return this;
    }

    /** Settings as {@link #config(String, String)}. */
    public InProcessKafkaBuilder config(Map<String, String> settings) {
        config.putAll(settings);
        return this;
    }

    /**
     * Adds a SASL_PLAINTEXT listener with the PLAIN mechanism on every broker, accepting exactly
     * these users (name to password); no authorizer, so an authenticated user may do anything.
     * Clients: {@link InProcessKafka#saslPlainClientSettings}.
     */
    public InProcessKafkaBuilder saslPlain(Map<String, String> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("saslPlain needs at least one user");
        }
        this.saslUsers = Map.copyOf(users);
        return this;
    }

    /**
     * Adds an SSL listener on every broker, with a CA and a server certificate for {@code
     * localhost} and {@code 127.0.0.1} generated at start ({@link TlsMaterial}; needs BouncyCastle
     * on the classpath). Clients: {@link InProcessKafka#sslClientSettings}.
     */
    public InProcessKafkaBuilder ssl() {
        this.ssl = true;
        return this;
    }

    /**
     * Formats and starts the nodes and waits until every broker is ready (about 2 s for one
     * broker).
     *
     * @throws IllegalStateException when a node does not start (the cause says why)
     */
    public InProcessKafka start() {
        Path base;
        try {
            base = Files.createTempDirectory("ferry-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("creating the cluster's directory failed", e);
        }
        // the kit deletes its directory on close; this covers a JVM that exits without close
        Thread deleteAtExit = new Thread(() -> Files2.deleteQuietly(base), "ferry-test-kafka-rm");
        Runtime.getRuntime().addShutdownHook(deleteAtExit);
        KafkaClusterTestKit kit = null;
        try {
            SecureListeners secure =
                    SecureListeners.create(base.resolve("tls"), brokers, combined, saslUsers, ssl);
            TestKitNodes nodes =
                    new TestKitNodes.Builder(ProductionParity.bootstrapMetadata())
                            .setCombined(combined)
                            .setNumControllerNodes(1)
                            .setNumBrokerNodes(brokers)
                            .setBaseDirectory(base.resolve("nodes"))
                            .setPerServerProperties(secure.perBrokerProperties())
                            .build();
            KafkaClusterTestKit.Builder kb = new KafkaClusterTestKit.Builder(nodes);
            ProductionParity.brokerSettings(brokers).forEach(kb::setConfigProp);
            secure.sharedProperties().forEach(kb::setConfigProp);
            config.forEach(kb::setConfigProp);
            kit = kb.build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new InProcessKafka(kit, brokers, base, secure, deleteAtExit);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (kit != null) {
                try {
                    kit.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            Files2.deleteQuietly(base);
            Runtime.getRuntime().removeShutdownHook(deleteAtExit);
            throw new IllegalStateException("the in-process Kafka did not start: " + e, e);
        }
    }
}
