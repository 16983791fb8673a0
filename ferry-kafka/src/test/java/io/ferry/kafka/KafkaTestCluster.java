package io.ferry.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real in-process KRaft cluster for integration tests; one per test class, used by the test
 * thread.
 */
public final class KafkaTestCluster implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private KafkaTestCluster(KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    /**
     * Starts 1 controller and {@code brokers} brokers, fast broker restart, production API
     * versions.
     */
    public static KafkaTestCluster start(int brokers) throws Exception {
        KafkaClusterTestKit kit =
                new KafkaClusterTestKit.Builder(
                                new TestKitNodes.Builder()
                                        .setCombined(false)
                                        .setNumControllerNodes(1)
                                        .setNumBrokerNodes(brokers)
                                        .build())
                        .setConfigProp("broker.session.timeout.ms", "2000")
                        .setConfigProp("broker.heartbeat.interval.ms", "500")
                        .setConfigProp("unstable.api.versions.enable", "false")
                        .setConfigProp("auto.create.topics.enable", "false")
                        .setConfigProp(
                                "offsets.topic.replication.factor",
                                String.valueOf(Math.min(brokers, 3)))
                        .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return new KafkaTestCluster(kit);
    }

    /** The bootstrap servers. */
    public String bootstrap() {
        return kit.bootstrapServers();
    }

    /** The test kit, for faults (stopping and starting brokers). */
    public KafkaClusterTestKit kit() {
        return kit;
    }

    /** An admin client; close it. */
    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    /** Creates a topic and waits until it exists. */
    public void createTopic(String topic, int partitions, int replication) throws Exception {
        createTopic(topic, partitions, replication, Map.of());
    }

    /** Creates a topic with extra topic configs and waits until it exists. */
    public void createTopic(
            String topic, int partitions, int replication, Map<String, String> configs)
            throws Exception {
        Map<String, String> all = new java.util.HashMap<>(configs);
        all.putIfAbsent("min.insync.replicas", "1");
        try (Admin admin = admin()) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(topic, partitions, (short) replication)
                                            .configs(all)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        try {
            kit.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("closing the test cluster failed", e);
        }
    }
}
