package io.ferry.kafka.wire;

import java.util.List;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * One partition of a Fetch answer; immutable.
 *
 * @param topicId the topic's id ({@link Uuid#ZERO_UUID} when the request named topics, v12 and
 *     older, and the id was not known)
 * @param error {@link WireError#NONE}, the partition's error ({@code OFFSET_OUT_OF_RANGE}, a leader
 *     change ...), or {@code CORRUPT_MESSAGE} when a batch could not be decoded (the batches before
 *     it are kept)
 * @param highWatermark the high watermark, or -1
 * @param lastStableOffset the last stable offset, or -1
 * @param logStartOffset the log start offset, or -1
 * @param abortedTransactions for READ_COMMITTED, the aborted transactions among the returned
 *     batches, ordered by first offset; else empty
 * @param preferredReadReplica the replica to read from next (KIP-392, when the request named a
 *     rack), or -1
 * @param leaderHint with {@code NOT_LEADER_OR_FOLLOWER} / {@code FENCED_LEADER_EPOCH}, the new
 *     leader when Kafka named it; else null
 * @param leaderHintEpoch the hinted leader's epoch, or -1
 * @param batches the decoded record batches, in offset order
 */
public record FetchedPartition(
        Uuid topicId,
        WireError error,
        long highWatermark,
        long lastStableOffset,
        long logStartOffset,
        List<AbortedTransaction> abortedTransactions,
        int preferredReadReplica,
        Node leaderHint,
        int leaderHintEpoch,
        List<FetchedBatch> batches) {
    /** Copies the lists. */
    public FetchedPartition {
        abortedTransactions = List.copyOf(abortedTransactions);
        batches = List.copyOf(batches);
    }
}
