package io.ferry.kafka.wire;

/**
 * A transaction a READ_COMMITTED fetch reports as aborted within the records it returned;
 * immutable.
 *
 * @param producerId the transactional producer's id
 * @param firstOffset the offset of the transaction's first record in this partition
 */
public record AbortedTransaction(long producerId, long firstOffset) {}
