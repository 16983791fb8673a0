package io.ferry.kafka;

import io.ferry.kafka.wire.PartitionLeader;
import java.util.List;

/**
 * What the engine's metadata cache knows of one topic; immutable, any thread. Cheap to get per
 * request: the partitions are turned into {@link Partition}s only when {@link #partitions()} is
 * called.
 */
public final class TopicInfo {
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

    private final String name;
    private final State state;
    private final boolean internal;
    private final String kafkaError;
    private final List<PartitionLeader> leaders;
    private final long ageMs;

    private TopicInfo(
            String name,
            State state,
            boolean internal,
            String kafkaError,
            List<PartitionLeader> leaders,
            long ageMs) {
        this.name = name;
        this.state = state;
        this.internal = internal;
        this.kafkaError = kafkaError;
        this.leaders = leaders;
        this.ageMs = ageMs;
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
        return new TopicInfo(
                t.name(),
                state,
                t.internal(),
                t.error().isNone() ? null : t.error().name(),
                t.partitions(),
                Math.max(0, nowMs - t.updatedMs()));
    }

    /** The topic. */
    public String name() {
        return name;
    }

    /** What is known. */
    public State state() {
        return state;
    }

    /** Whether Kafka marks the topic internal ({@code __consumer_offsets} ...). */
    public boolean internal() {
        return internal;
    }

    /**
     * Kafka's error for the topic when {@link State#FAILED} (e.g. {@code
     * TOPIC_AUTHORIZATION_FAILED}) or kept beside known partitions, else null.
     */
    public String kafkaError() {
        return kafkaError;
    }

    /** The number of partitions, 0 unless {@link State#KNOWN}. */
    public int partitionCount() {
        return leaders.size();
    }

    /** Its partitions in order ({@link State#KNOWN} only), built on each call. */
    public List<Partition> partitions() {
        return leaders.stream()
                .map(
                        p ->
                                new Partition(
                                        p.partition(),
                                        p.leader() == null ? -1 : p.leader().id(),
                                        p.replicas(),
                                        p.isr()))
                .toList();
    }

    /** How long ago the cache heard of it, or -1 when {@link State#UNKNOWN} and never asked. */
    public long ageMs() {
        return ageMs;
    }

    @Override
    public String toString() {
        return "TopicInfo{" + name + " " + state + " " + partitionCount() + " partitions}";
    }
}
