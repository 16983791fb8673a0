package io.ferry.kafka;

import java.util.List;

/**
 * What the engine's metadata cache knows of one topic; immutable.
 *
 * @param name the topic
 * @param state what is known
 * @param internal whether Kafka marks the topic internal ({@code __consumer_offsets} ...)
 * @param kafkaError Kafka's error for the topic when {@link State#FAILED} (e.g. {@code
 *     TOPIC_AUTHORIZATION_FAILED}), else null
 * @param partitions its partitions in order ({@link State#KNOWN} only)
 * @param ageMs how long ago the cache heard of it, or -1 when {@link State#UNKNOWN}
 */
public record TopicInfo(
        String name,
        State state,
        boolean internal,
        String kafkaError,
        List<Partition> partitions,
        long ageMs) {
    /** What is known of a topic. */
    public enum State {
        /** The topic exists; its partitions are known. */
        KNOWN,
        /** Kafka said the topic does not exist. */
        MISSING,
        /** Kafka answered with another error for the topic (authorization, no leader yet ...). */
        FAILED,
        /** Kafka has not been asked yet (or could not be). */
        UNKNOWN
    }

    /**
     * One partition; immutable.
     *
     * @param partition the partition
     * @param leader the leader's node id, or -1 when it has none
     * @param replicas the replicas' node ids
     * @param isr the in-sync replicas' node ids
     */
    public record Partition(int partition, int leader, List<Integer> replicas, List<Integer> isr) {
        /** Copies the lists. */
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /** Copies the list. */
    public TopicInfo {
        partitions = List.copyOf(partitions);
    }

    /** The number of partitions, 0 unless {@link State#KNOWN}. */
    public int partitionCount() {
        return partitions.size();
    }

    static TopicInfo unknown(String name) {
        return new TopicInfo(name, State.UNKNOWN, false, null, List.of(), -1);
    }

    static TopicInfo of(MetadataCache.Topic t, long nowMs) {
        State state =
                !t.partitions().isEmpty()
                        ? State.KNOWN
                        : t.missing()
                                ? State.MISSING
                                : t.error().isNone() ? State.UNKNOWN : State.FAILED;
        List<Partition> ps =
                t.partitions().stream()
                        .map(
                                p ->
                                        new Partition(
                                                p.partition(),
                                                p.leader() == null ? -1 : p.leader().id(),
                                                p.replicas(),
                                                p.isr()))
                        .toList();
        return new TopicInfo(
                t.name(),
                state,
                t.internal(),
                t.error().isNone() ? null : t.error().name(),
                ps,
                Math.max(0, nowMs - t.updatedMs()));
    }
}
