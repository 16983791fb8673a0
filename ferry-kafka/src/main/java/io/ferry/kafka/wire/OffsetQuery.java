package io.ferry.kafka.wire;

/**
 * What ListOffsets is asked for one partition; immutable.
 *
 * @param timestamp {@link #EARLIEST} (-2), {@link #LATEST} (-1), or a timestamp in ms: the first
 *     offset whose record's timestamp is at least this
 * @param currentLeaderEpoch the leader epoch the caller knows (the leader refuses a stale one with
 *     {@code FENCED_LEADER_EPOCH}), or -1 to skip the check
 */
public record OffsetQuery(long timestamp, int currentLeaderEpoch) {
    /** The log start offset. */
    public static final long EARLIEST = -2L;

    /** The log end offset (the high watermark; the last stable offset under READ_COMMITTED). */
    public static final long LATEST = -1L;

    /** The log start offset, without a leader epoch check. */
    public static OffsetQuery earliest() {
        return new OffsetQuery(EARLIEST, -1);
    }

    /** The log end offset, without a leader epoch check. */
    public static OffsetQuery latest() {
        return new OffsetQuery(LATEST, -1);
    }

    /** The first offset at or after {@code timestampMs}, without a leader epoch check. */
    public static OffsetQuery atTime(long timestampMs) {
        if (timestampMs < 0) {
            throw new IllegalArgumentException(
                    "timestamp is "
                            + timestampMs
                            + "; expected 0 or more (or use earliest/latest)");
        }
        return new OffsetQuery(timestampMs, -1);
    }
}
