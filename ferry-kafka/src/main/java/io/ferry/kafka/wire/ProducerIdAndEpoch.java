package io.ferry.kafka.wire;

/**
 * An idempotent producer's id and epoch from InitProducerId; immutable.
 *
 * @param producerId the id, or -1
 * @param epoch the epoch, or -1
 * @param error the error, {@link WireError#NONE} on success
 */
public record ProducerIdAndEpoch(long producerId, short epoch, WireError error) {}
