package io.ferry.kafka;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.PartitionLeader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * What the engines of one {@link KafkaCluster} share, for Ferry's engines outside this package (the
 * consume engine in {@code io.ferry.kafka.consume}): the cluster's clock, its channel factory, its
 * metadata cache and its control loop's batched lookups. Not an application API: applications use
 * {@link KafkaCluster}, {@link FerryPipeline} and the consume engine's own API.
 *
 * <p>Every method is safe from any thread and never waits for Kafka.
 */
public final class EngineAccess {
    private final KafkaCluster cluster;

    private EngineAccess(KafkaCluster cluster) {
        this.cluster = cluster;
    }

    /** The access to {@code cluster}'s shared core. */
    public static EngineAccess of(KafkaCluster cluster) {
        return new EngineAccess(cluster);
    }

    /** The cluster. */
    public KafkaCluster cluster() {
        return cluster;
    }

    /** The cluster's clock (injected in tests), in ms. */
    public long nowMs() {
        return cluster.clockMs();
    }

    /** True when the cluster runs no threads and tests step its loops. */
    public boolean stepped() {
        return cluster.stepped();
    }

    /** The cluster's channel factory: each call opens a channel of its own. */
    public ChannelFactory channels() {
        return cluster.channels();
    }

    /** Opens a channel of its own to {@code node} (lazily connected). */
    public NodeChannel open(Node node, String purpose, int maxInFlight) {
        return cluster.channels().open(node, purpose, maxInFlight);
    }

    /**
     * The partition's leader as the metadata cache knows it now, or null when unknown (never asked,
     * no such partition); its {@code leader()} is null while it has none.
     */
    public PartitionLeader leader(TopicPartition tp) {
        MetadataCache.Topic t = cluster.metadata().snapshot().topic(tp.topic());
        if (t == null || tp.partition() < 0 || tp.partition() >= t.partitions().size()) {
            return null;
        }
        return t.partitions().get(tp.partition());
    }

    /**
     * Every node the metadata cache knows: each one some answer named, including nodes that may
     * have left the cluster since (a Metadata answer names the live ones).
     */
    public List<Node> nodes() {
        return cluster.metadata().nodes();
    }

    /** The topic's partition count, or -1 when unknown or missing. */
    public int partitionCount(String topic) {
        MetadataCache.Topic t = cluster.metadata().snapshot().topic(topic);
        return t == null || t.partitionCount() == 0 ? -1 : t.partitionCount();
    }

    /** True when Kafka said the topic does not exist (not merely "not asked yet"). */
    public boolean topicMissing(String topic) {
        MetadataCache.Topic t = cluster.metadata().snapshot().topic(topic);
        return t != null && t.missing();
    }

    /** The topic's id, or null when not known yet. */
    public Uuid topicId(String topic) {
        MetadataCache.Topic t = cluster.metadata().snapshot().topic(topic);
        return t == null || t.id() == null || Uuid.ZERO_UUID.equals(t.id()) ? null : t.id();
    }

    /** The name of the topic with id {@code id}, or null when not known. */
    public String topicName(Uuid id) {
        return cluster.metadata().topicName(id);
    }

    /** Asks for fresh metadata of {@code topics}; completes once the cache has it (or failed). */
    public CompletableFuture<Void> refresh(Set<String> topics) {
        long now = cluster.clockMs();
        for (String t : topics) {
            cluster.interest().use(t, now); // kept fresh while in use, as the produce side's
        }
        return cluster.control().refresh(topics);
    }

    /** A leader named by a broker's answer, newer than the cache's: applied at once. */
    public void hint(TopicPartition tp, Node leader, int leaderEpoch) {
        cluster.metadata().hint(tp, leader, leaderEpoch);
    }

    /** The coordinators of {@code groups}, looked up in one batched FindCoordinator. */
    public CompletableFuture<Map<String, Coordinator>> findCoordinators(Set<String> groups) {
        return cluster.control().findCoordinators(groups);
    }

    /** Runs {@code r} after every metadata change (on the writer's thread; must be quick). */
    public AutoCloseable onMetadataChange(Runnable r) {
        MetadataCache.Listener l = (before, after) -> r.run();
        cluster.metadata().addListener(l);
        return () -> cluster.metadata().removeListener(l);
    }
}
