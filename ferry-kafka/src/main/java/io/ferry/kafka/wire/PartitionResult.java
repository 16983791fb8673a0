package io.ferry.kafka.wire;

import org.apache.kafka.common.Node;

/**
 * The outcome of one partition's batch in a ProduceResponse; immutable.
 *
 * @param error the error, {@link WireError#NONE} on success
 * @param baseOffset the offset of the batch's first record, or -1
 * @param leaderHint the new leader when the error says this node is not the leader, else null
 * @param leaderHintEpoch the hinted leader's epoch, or -1
 */
public record PartitionResult(
        WireError error, long baseOffset, Node leaderHint, int leaderHintEpoch) {}
