package io.ferry.gateway;

import io.ferry.kafka.TopicInfo;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the services know of one topic, as the engine's metadata cache says (or a fake cluster, in
 * tests); immutable, any thread. The gateway's view of {@link TopicInfo}, whose factories belong to
 * the engine.
 */
final class TopicMeta {
    private final String name;
    private final TopicInfo.State state;
    private final boolean internal;
    private final String kafkaError;
    private final int partitionCount;
    private final long ageMs;
    private final Supplier<List<TopicInfo.Partition>> partitions;

    TopicMeta(
            String name,
            TopicInfo.State state,
            boolean internal,
            String kafkaError,
            int partitionCount,
            long ageMs,
            Supplier<List<TopicInfo.Partition>> partitions) {
        this.name = name;
        this.state = state;
        this.internal = internal;
        this.kafkaError = kafkaError;
        this.partitionCount = partitionCount;
        this.ageMs = ageMs;
        this.partitions = partitions;
    }

    /** The view of what the engine's cache knows. */
    static TopicMeta of(TopicInfo info) {
        return new TopicMeta(
                info.name(),
                info.state(),
                info.internal(),
                info.kafkaError(),
                info.partitionCount(),
                info.ageMs(),
                info::partitions);
    }

    /** The topic. */
    String name() {
        return name;
    }

    /** What is known. */
    TopicInfo.State state() {
        return state;
    }

    /** Whether Kafka marks the topic internal. */
    boolean internal() {
        return internal;
    }

    /** Kafka's error for the topic (e.g. {@code TOPIC_AUTHORIZATION_FAILED}), else null. */
    String kafkaError() {
        return kafkaError;
    }

    /** The number of partitions, 0 unless {@link TopicInfo.State#KNOWN}. */
    int partitionCount() {
        return partitionCount;
    }

    /** How long ago the cache heard of it, or -1 when never asked. */
    long ageMs() {
        return ageMs;
    }

    /** Its partitions in order, with leader, replicas and ISR; built on each call. */
    List<TopicInfo.Partition> partitions() {
        return partitions.get();
    }

    @Override
    public String toString() {
        return "TopicMeta{" + name + " " + state + " " + partitionCount + " partitions}";
    }
}
