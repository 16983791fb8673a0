package io.ferry.kafka.wire;

/**
 * One partition's answer to ListOffsets; immutable.
 *
 * @param error {@link WireError#NONE}, or the partition's error (a leader change, {@code
 *     UNKNOWN_TOPIC_OR_PARTITION} ...)
 * @param offset the offset found, or -1 (no record at or after the timestamp asked for)
 * @param timestamp the found record's timestamp, or -1 for earliest/latest
 * @param leaderEpoch the leader epoch of the found offset, or -1
 */
public record ListedOffset(WireError error, long offset, long timestamp, int leaderEpoch) {}
