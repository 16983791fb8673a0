package io.ferry.kafka.wire;

/**
 * One partition's committed offset as OffsetFetch answered; immutable.
 *
 * @param offset the committed offset, or -1 when the group has none for the partition
 * @param leaderEpoch the leader epoch committed with it, or -1
 * @param metadata the metadata committed with it; empty when none
 * @param error {@link WireError#NONE}, or the partition's error (e.g. {@code
 *     UNSTABLE_OFFSET_COMMIT} while a transaction's commit is pending and stable offsets were asked
 *     for)
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, WireError error) {}
