package io.ferry.gateway.cli;

import io.ferry.testkafka.ProductionParity;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * {@code ferry dev}'s Kafka: one KRaft node (broker and controller) in this JVM, listening on
 * {@code 127.0.0.1} only, in production parity, with its data in a directory that may outlive the
 * process; started and closed by one thread.
 */
public final class DevKafka implements AutoCloseable {
    /*
     * Not the test kit (InProcessKafka): kafka-test-common-runtime 4.2.0 pre-binds every node's
     * listeners to port 0 on the wildcard address (PreboundSocketFactoryManager ignores the
     * configured port and host of the kit's listeners) and generates new log-directory ids at
     * every build, so it can neither keep an address nor reopen a node's data. This is what
     * `kafka-server-start` runs (kafka.Kafka builds a KafkaRaftServer from a KafkaConfig), after
     * what `kafka-storage format` does (Formatter, only when the directory is not formatted yet),
     * with ProductionParity's settings and release version: the features a production cluster of
     * this release gets (group.version and share.version 1), nothing unstable.
     *
     * The quorum is static (controller.quorum.voters): the controller's port may differ at each
     * start without consequence, so only the client port is the user's to pin.
     */
    private static final int NODE_ID = 1;

    private static final String HOST = "127.0.0.1";

    private final KafkaRaftServer server;
    private final String bootstrap;
    private final DevDirectory ownDirectory;

    private DevKafka(KafkaRaftServer server, String bootstrap, DevDirectory ownDirectory) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.ownDirectory = ownDirectory;
    }

    /**
     * A node on any free port, its data in a temporary directory removed on close (the benchmarks'
     * use).
     */
    public static DevKafka start() {
        DevDirectory dir = DevDirectory.temporary(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            return start(dir.kafkaData(), 0, dir);
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * Formats {@code data} unless it holds a node already, starts the node on {@code port} (0: any
     * free port) and waits until it serves clients (a few seconds).
     *
     * @throws IllegalStateException when it does not start (the message says why)
     */
    public static DevKafka start(Path data, int port) {
        return start(data, port, null);
    }

    private static DevKafka start(Path data, int port, DevDirectory ownDirectory) {
        int clientPort = port != 0 ? port : freePort();
        int controllerPort = freePort();
        Map<String, Object> props = new HashMap<>(ProductionParity.brokerSettings(1));
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put(
                "listeners",
                "PLAINTEXT://"
                        + HOST
                        + ":"
                        + clientPort
                        + ",CONTROLLER://"
                        + HOST
                        + ":"
                        + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", data.toString());
        props.put("metadata.log.dir", data.toString());
        KafkaConfig config = new KafkaConfig(props, false);
        format(data);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        String bootstrap = HOST + ":" + clientPort;
        try {
            server.startup();
            DevKafka kafka = new DevKafka(server, bootstrap, ownDirectory);
            kafka.awaitServing();
            return kafka;
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw new IllegalStateException(
                    "the dev Kafka did not start on " + bootstrap + ": " + rootMessage(e), e);
        }
    }

    private static void format(Path data) {
        if (Files.exists(data.resolve("meta.properties"))) {
            return; // a node of an earlier run: its data is kept
        }
        try {
            Files.createDirectories(data);
            new Formatter()
                    .setPrintStream(
                            new PrintStream(
                                    OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(data.toString()))
                    .setMetadataLogDirectory(data.toString())
                    .setReleaseVersion(ProductionParity.METADATA_VERSION)
                    .setUnstableFeatureVersionsEnabled(false)
                    .setControllerListenerName("CONTROLLER")
                    .setIgnoreFormatted(true)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("formatting " + data + " failed", e);
        } catch (Exception e) {
            throw new IllegalStateException("formatting " + data + " failed: " + e, e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the dev Kafka", e);
        }
    }

    private Admin admin(int timeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMs));
        return Admin.create(p);
    }

    /** Waits until the node is registered, unfenced and answers metadata (60 s at most). */
    private void awaitServing() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = admin(5_000)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("not serving within 60 s: " + e, e);
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the dev Kafka started", e);
        }
    }

    /** host:port of the node. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates {@code topic} with {@code partitions} partitions unless it exists (30 s at most). */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = admin(30_000)) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(topic, partitions, (short) 1)
                                            .configs(Map.of("min.insync.replicas", "1"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(
                        "creating topic " + topic + " failed: " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topic " + topic + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return Optional.ofNullable(t.getMessage()).orElse(t.toString());
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            // it did not start: nothing else to stop
        }
    }

    /** Stops the node (its data stays unless the directory was this node's own temporary one). */
    @Override
    public void close() {
        stopQuietly(server);
        if (ownDirectory != null) {
            ownDirectory.close();
        }
    }
}
