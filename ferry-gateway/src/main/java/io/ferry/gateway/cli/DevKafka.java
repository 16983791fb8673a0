package io.ferry.gateway.cli;

import io.ferry.testkafka.InProcessKafka;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, broker and controller in one node) inside this JVM, for {@code
 * ferry dev}; its data lives in a temporary directory removed on close. Start and close from one
 * thread.
 */
public final class DevKafka implements AutoCloseable {
    private final InProcessKafka kit;

    private DevKafka(InProcessKafka kit) {
        this.kit = kit;
    }

    /** Formats and starts the node and waits until it is ready (a few seconds). */
    public static DevKafka start() throws Exception {
        PrintStream out = System.out;
        InProcessKafka kit;
        try {
            // the kit prints its formatting steps to stdout; ferry dev prints only what to try
            System.setOut(
                    new PrintStream(
                            OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
            kit = InProcessKafka.builder().combined(true).start();
        } finally {
            System.setOut(out);
        }
        return new DevKafka(kit);
    }

    /** host:port of the node. */
    public String bootstrapServers() {
        return kit.bootstrap();
    }

    /** Creates {@code topic} with {@code partitions} partitions unless it exists. */
    public void createTopic(String topic, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(topic, partitions, (short) 1)
                                            .configs(Map.of("min.insync.replicas", "1"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static void quiet(String logger) {
        org.slf4j.Logger l = LoggerFactory.getLogger(logger);
        // by name: an application embedding this class may log through another SLF4J provider
        if (l.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
            Logback.off(l);
        }
    }

    /** Loaded only when Logback is the SLF4J provider. */
    private static final class Logback {
        static void off(org.slf4j.Logger l) {
            ((ch.qos.logback.classic.Logger) l).setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }

    @Override
    public void close() {
        // the kit's own exit hook removes the data directory while the node stops: its complaints
        // are noise
        quiet("kafka");
        quiet("org.apache.kafka");
        kit.close();
    }
}
