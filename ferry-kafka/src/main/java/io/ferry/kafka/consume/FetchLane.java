package io.ferry.kafka.consume;

import java.util.Objects;

/**
 * One fetch lane: a consumer group, or a groupless reader, whose partitions a fetch executor reads
 * with one Fetch per round on its own fetch session; immutable, any thread.
 *
 * <p>Two lanes reading the same partition at different offsets cannot share one partition entry of
 * one Fetch, so each lane gets its own request (and session) on each node it reads from. Lanes are
 * equal when their names are; the reset policy belongs to the lane.
 *
 * @param name the lane's name (the group id, or a name of the groupless reader); not empty
 * @param reset where a partition starts when its position is unknown or out of range
 */
public record FetchLane(String name, OffsetReset reset) {
    /**
     * Where to start when there is no position, or it is out of range (Kafka's {@code
     * auto.offset.reset}).
     */
    public enum OffsetReset {
        /** The log start offset. */
        EARLIEST,
        /** The log end offset (the last stable offset under {@code read_committed}). */
        LATEST
    }

    /** Validates. */
    public FetchLane {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(
                    "lane name is empty; expected a group id or reader name");
        }
        Objects.requireNonNull(reset, "reset (EARLIEST or LATEST)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FetchLane l && l.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
