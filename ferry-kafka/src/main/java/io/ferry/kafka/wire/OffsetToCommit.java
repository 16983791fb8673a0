package io.ferry.kafka.wire;

/**
 * One partition's offset in an OffsetCommit; immutable.
 *
 * @param offset the next offset to consume (the committed position)
 * @param leaderEpoch the leader epoch of the last record consumed, or -1 when unknown
 * @param metadata free text kept with the offset (at most {@code offset.metadata.max.bytes}, 4096
 *     by default, counted in UTF-16 chars), or null
 */
public record OffsetToCommit(long offset, int leaderEpoch, String metadata) {}
