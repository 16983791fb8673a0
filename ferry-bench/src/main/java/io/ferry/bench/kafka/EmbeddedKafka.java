package io.ferry.bench.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One Kafka node (broker and controller combined, KRaft) in this JVM, on a local port with its log
 * in a temporary directory; start and close from one thread.
 */
final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private EmbeddedKafka(KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    /**
     * Starts the node with production API versions, replication 1 for internal topics, no
     * auto-created topics.
     */
    static EmbeddedKafka start() throws Exception {
        KafkaClusterTestKit kit =
                new KafkaClusterTestKit.Builder(
                                new TestKitNodes.Builder()
                                        .setCombined(true)
                                        .setNumControllerNodes(1)
                                        .setNumBrokerNodes(1)
                                        .build())
                        .setConfigProp("unstable.api.versions.enable", "false")
                        .setConfigProp("auto.create.topics.enable", "false")
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        // a deleted run's topic leaves the disk at once, not a minute later during
                        // another run
                        .setConfigProp("log.segment.delete.delay.ms", "0")
                        .build();
        try {
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception | Error e) {
            new EmbeddedKafka(kit).close();
            throw e;
        }
        return new EmbeddedKafka(kit);
    }

    /** The bootstrap servers. */
    String bootstrap() {
        return kit.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            kit.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("closing the in-process Kafka failed", e);
        }
    }
}
