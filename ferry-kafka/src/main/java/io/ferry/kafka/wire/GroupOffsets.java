package io.ferry.kafka.wire;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What OffsetFetch answered for one group; immutable.
 *
 * @param groupId the group
 * @param error the group-level error ({@code NOT_COORDINATOR}, {@code STALE_MEMBER_EPOCH} ...);
 *     with one, {@code partitions} is empty
 * @param partitions per partition asked for, its committed offset
 */
public record GroupOffsets(
        String groupId, WireError error, Map<TopicPartition, CommittedOffset> partitions) {
    /** Copies the map. */
    public GroupOffsets {
        partitions = Map.copyOf(partitions);
    }
}
