package io.ferry.kafka.consume;

/**
 * One partition of a topic as a group sees it, as kafka-pixy's {@code GET /topics/{t}/offsets}
 * shows it; immutable.
 *
 * @param partition the partition
 * @param begin the log start offset (ListOffsets earliest)
 * @param end the log end offset (ListOffsets latest: the last stable offset under {@code
 *     read_committed}, the high watermark under {@code read_uncommitted})
 * @param count {@code end - begin}: the messages the partition holds
 * @param offset the group's committed offset, or -1 when it has none
 * @param lag the messages the group has not consumed: {@code end} minus the committed offset (not
 *     below {@code begin}); with no committed offset, 0 when the group starts at the end ({@code
 *     LATEST}, as kafka-pixy) or {@code count} when it starts at the beginning ({@code EARLIEST});
 *     acknowledged ranges above the committed offset still count
 * @param metadata the metadata committed with the offset; empty when none
 * @param sparseAcks the acknowledged ranges above the committed offset, as kafka-pixy shows them
 *     ({@code "2-4,10-11"}: relative to {@code offset}, the end exclusive); empty when none or when
 *     the metadata is not kafka-pixy's encoding
 */
public record PartitionOffset(
        int partition,
        long begin,
        long end,
        long count,
        long offset,
        long lag,
        String metadata,
        String sparseAcks) {}
