package io.ferry.testkafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * What makes an in-process Kafka node behave as a production Kafka 4.2 cluster does: the bootstrap
 * metadata and the broker settings; stateless, any thread.
 *
 * <p>Used by {@link InProcessKafka} (the test kit) and by {@code ferry dev}'s standalone node. It
 * imports nothing of JUnit or of the test kit, so the product's classpath needs only the Kafka
 * server for it.
 */
public final class ProductionParity {
    /** The metadata version a fresh production cluster of this Kafka release bootstraps at. */
    public static final MetadataVersion METADATA_VERSION = MetadataVersion.LATEST_PRODUCTION;

    private ProductionParity() {}

    /*
     * Why each setting (CONSUME-NOTES.md section 5):
     * - The kit's default bootstrap is MetadataVersion.latestTesting() with unstable versions on.
     *   Its setBootstrapMetadataVersion(LATEST_PRODUCTION) keeps only metadata.version and drops
     *   every other feature record, and then group.version = share.version = 0: the consumer-group
     *   (KIP-848) and share-group protocols answer UNSUPPORTED_VERSION. So the bootstrap lists every
     *   production feature at its default level for LATEST_PRODUCTION, as kafka-storage format does.
     * - unstable.feature.versions.enable=false with the kit's testing version crashes the
     *   controller; with the production bootstrap above it is what a production broker runs.
     * - Internal topics default to replication 3 (min ISR 2): with fewer brokers FindCoordinator
     *   answers COORDINATOR_NOT_AVAILABLE forever.
     * - The group session and heartbeat bounds default to 45 s / 5 s (GroupCoordinatorConfig
     *   requires min <= value <= max and heartbeat < session): lowered so a test that waits for a
     *   member to be declared dead waits seconds, not a minute. Groups may lower theirs further to
     *   the minimum (1000 ms) with the group configs consumer.session.timeout.ms /
     *   share.session.timeout.ms.
     */

    /**
     * Every production feature at its default level for {@link #METADATA_VERSION}: what {@code
     * kafka-storage format --release-version} of this release writes; {@code group.version} and
     * {@code share.version} are 1, so both new group protocols are on.
     */
    public static Map<String, Short> featureLevels() {
        Map<String, Short> levels = new TreeMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            levels.put(f.featureName(), f.defaultLevel(METADATA_VERSION));
        }
        return levels;
    }

    /** The bootstrap metadata for the test kit's nodes: {@link #featureLevels()} at 4.2. */
    public static BootstrapMetadata bootstrapMetadata() {
        return BootstrapMetadata.fromVersions(METADATA_VERSION, featureLevels(), "ferry-parity");
    }

    /**
     * The broker and controller settings of production parity and fast tests, for a cluster of
     * {@code brokers} brokers.
     */
    public static Map<String, String> brokerSettings(int brokers) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("unstable.api.versions.enable", "false");
        p.put("unstable.feature.versions.enable", "false");
        p.put("auto.create.topics.enable", "false");
        // a stopped broker is fenced, and a restarted one back, in about 2 s instead of 10
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        if (brokers < 3) {
            p.put("offsets.topic.replication.factor", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
        }
        p.put("group.consumer.min.session.timeout.ms", "1000");
        p.put("group.consumer.session.timeout.ms", "3000");
        p.put("group.consumer.min.heartbeat.interval.ms", "100");
        p.put("group.consumer.heartbeat.interval.ms", "500");
        p.put("group.share.min.session.timeout.ms", "1000");
        p.put("group.share.session.timeout.ms", "3000");
        p.put("group.share.min.heartbeat.interval.ms", "100");
        p.put("group.share.heartbeat.interval.ms", "500");
        // classic groups (a KafkaConsumer's default protocol) do not wait 3 s for more members
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }
}
