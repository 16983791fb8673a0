package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.util.List;

/**
 * One record a caller asks {@link ProduceService} to produce, as a front end parsed it (no
 * transport types); immutable once built, any thread. The topic is the request's.
 *
 * @param partition the partition, or {@link #NO_PARTITION} to let Ferry choose (by key hash, else
 *     sticky)
 * @param key the key bytes, or null
 * @param value the value bytes, or null
 * @param headers the record headers (never null)
 * @param timestampMs the timestamp in ms since the epoch, or {@link #NO_TIMESTAMP} for the time it
 *     is sent
 */
@SuppressWarnings("ArrayRecordComponent") // the bytes are handed on, never compared
record ProduceRecord(
        int partition, byte[] key, byte[] value, List<Header> headers, long timestampMs) {
    /** Let Ferry choose the partition. */
    static final int NO_PARTITION = Event.NO_PARTITION;

    /** No timestamp of the caller's. */
    static final long NO_TIMESTAMP = Event.NO_TIMESTAMP;

    /** Validates. */
    ProduceRecord {
        if (headers == null) {
            headers = List.of();
        }
    }

    /** A record with only a key (or null) and a value. */
    static ProduceRecord of(byte[] key, byte[] value) {
        return new ProduceRecord(NO_PARTITION, key, value, List.of(), NO_TIMESTAMP);
    }

    /**
     * The broker event for {@code topic}.
     *
     * @throws IllegalArgumentException when a field is out of range (a partition below -1 ...)
     */
    Event toEvent(String topic) {
        if (partition == NO_PARTITION && timestampMs == NO_TIMESTAMP && headers.isEmpty()) {
            return Event.of(topic, key, value); // the common single POST: no builder
        }
        Event.Builder b =
                Event.builder(topic)
                        .partition(partition)
                        .key(key)
                        .value(value)
                        .timestampMs(timestampMs);
        if (!headers.isEmpty()) {
            b.headers(headers);
        }
        return b.build();
    }
}
