package io.ferry.kafka.consume;

/**
 * Where an {@link OffsetWorker} reads its partition's latest commit point (the offset tracker of
 * per-message acknowledgements produces it); called only on the thread of the commit executor the
 * worker is assigned to, about once per {@code offsets-commit-interval}, and must not block.
 */
@FunctionalInterface
public interface CommitSource {
    /**
     * The partition's commit point now.
     *
     * @param maxMetadataChars the most UTF-16 chars the metadata may have (Kafka's {@code
     *     offset.metadata.max.bytes} is checked as {@code metadata.length() > max}); when a commit
     *     was refused as {@code OFFSET_METADATA_TOO_LARGE} it is asked again with a smaller cap,
     *     down to 0: the source then keeps fewer acknowledged ranges (those are redelivered, never
     *     lost)
     * @return the point, or null when there is nothing to commit yet
     */
    Point commitPoint(int maxMetadataChars);

    /**
     * One partition's commit point; immutable.
     *
     * @param offset the next offset to consume (the lowest unacknowledged one), at least 0
     * @param leaderEpoch the leader epoch of the last record consumed, or -1 when unknown
     * @param metadata the text kept with the offset (the acknowledged ranges above it); never null
     */
    record Point(long offset, int leaderEpoch, String metadata) {
        /** Validates. */
        public Point {
            if (offset < 0) {
                throw new IllegalArgumentException(
                        "offset is " + offset + "; a commit point is an offset of 0 or more");
            }
            if (metadata == null) {
                throw new IllegalArgumentException("metadata: use \"\" for none");
            }
        }

        /** True when {@code other} commits the same thing (offset and metadata). */
        boolean sameCommit(Point other) {
            return other != null && other.offset == offset && other.metadata.equals(metadata);
        }
    }
}
