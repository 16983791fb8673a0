package io.ferry.kafka.wire;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * One partition a Fetch reads; immutable.
 *
 * @param partition the topic and partition
 * @param topicId the topic's id ({@link Uuid#ZERO_UUID} when unknown: the request then goes out at
 *     Fetch v12, which names topics)
 * @param fetchOffset the offset to read from
 * @param currentLeaderEpoch the leader epoch the caller knows (a stale one is refused with {@code
 *     FENCED_LEADER_EPOCH}), or -1 to skip the check
 * @param logStartOffset -1 for a consumer (only followers send theirs)
 * @param maxBytes the most bytes to return for this partition (the first batch comes whole even
 *     when larger, KIP-74)
 */
public record FetchPartition(
        TopicPartition partition,
        Uuid topicId,
        long fetchOffset,
        int currentLeaderEpoch,
        long logStartOffset,
        int maxBytes) {
    /** Validates. */
    public FetchPartition {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(topicId, "topicId (Uuid.ZERO_UUID when unknown)");
    }

    /** A consumer's read of {@code partition} from {@code fetchOffset}. */
    public static FetchPartition of(
            TopicPartition partition,
            Uuid topicId,
            long fetchOffset,
            int currentLeaderEpoch,
            int maxBytes) {
        return new FetchPartition(
                partition, topicId, fetchOffset, currentLeaderEpoch, -1L, maxBytes);
    }
}
