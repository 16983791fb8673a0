package io.ferry.kafka.consume;

/**
 * One partition's offset to set for a group (kafka-pixy's {@code POST /topics/{t}/offsets}
 * entries); immutable.
 *
 * @param partition the partition, 0 or more
 * @param offset the next offset the group is to consume, 0 or more
 * @param metadata the metadata to commit with it (kafka-pixy's sparse acks, or empty); null is
 *     empty
 */
public record OffsetToSet(int partition, long offset, String metadata) {
    /** Validates. */
    public OffsetToSet {
        if (partition < 0) {
            throw new IllegalArgumentException(
                    "partition is " + partition + "; expected 0 or more");
        }
        if (offset < 0) {
            throw new IllegalArgumentException(
                    "offset of partition "
                            + partition
                            + " is "
                            + offset
                            + "; expected 0 or more (the next offset to consume)");
        }
        metadata = metadata == null ? "" : metadata;
    }
}
