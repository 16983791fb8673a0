package io.ferry.kafka.consume;

import io.ferry.broker.Header;
import java.util.List;

/**
 * One message offered to a consumer of a group; immutable. Acknowledge it with {@link
 * GroupConsumer#ack} (any order), or {@link GroupConsumer#release} it for redelivery.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset its offset
 * @param timestampMs its timestamp
 * @param key the key, or null
 * @param value the value, or null (a tombstone)
 * @param headers its headers, in order
 * @param deliveryCount 1 the first time it is offered, more for a redelivery
 */
@SuppressWarnings("ArrayRecordComponent") // the fetched record's arrays, handed over
public record ConsumedMessage(
        String topic,
        int partition,
        long offset,
        long timestampMs,
        byte[] key,
        byte[] value,
        List<Header> headers,
        int deliveryCount) {}
