package io.ferry.broker;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable record bound for Kafka; safe to share between threads once constructed.
 *
 * <p>An event names its topic, optionally a partition, and carries key and value bytes, record
 * headers and a timestamp. Its size in bytes ({@link #sizeBytes()}) is computed once, at
 * construction, so brokers can bound their buffers by bytes without touching the payload again.
 *
 * <p>Ownership: to stay allocation-free on the hot path the event does not copy the arrays it is
 * given. The caller hands them over: it must not modify {@code key}, {@code value} or header values
 * after construction. Accessors return the same arrays; callers must not modify them.
 */
public final class Event {
    /** {@link #partition()} when the event names no partition: the partitioner chooses. */
    public static final int NO_PARTITION = -1;

    /** {@link #timestampMs()} when the event has no timestamp: the producer's clock is used. */
    public static final long NO_TIMESTAMP = -1L;

    /** Fixed per-event overhead counted by {@link #sizeBytes()}, roughly Kafka's record framing. */
    static final int RECORD_OVERHEAD_BYTES = 24;

    /** Fixed per-header overhead counted by {@link #sizeBytes()}. */
    static final int HEADER_OVERHEAD_BYTES = 4;

    private final String topic;
    private final int partition;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;
    private final long timestampMs;
    private final int sizeBytes;

    private Event(
            String topic,
            int partition,
            byte[] key,
            byte[] value,
            List<Header> headers,
            long timestampMs) {
        this.topic = requireTopic(topic);
        if (partition < NO_PARTITION) {
            throw new IllegalArgumentException(
                    "partition must be >= 0 (or Event.NO_PARTITION), was " + partition);
        }
        if (timestampMs < NO_TIMESTAMP) {
            throw new IllegalArgumentException(
                    "timestampMs must be >= 0 (or Event.NO_TIMESTAMP), was " + timestampMs);
        }
        this.partition = partition;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.timestampMs = timestampMs;
        long size =
                (long) RECORD_OVERHEAD_BYTES
                        + topic.length()
                        + (key == null ? 0 : key.length)
                        + (value == null ? 0 : value.length);
        for (Header h : headers) {
            size += h.sizeBytes() + HEADER_OVERHEAD_BYTES;
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("event too large: " + size + " bytes");
        }
        this.sizeBytes = (int) size;
    }

    /** An event with a value only. */
    public static Event of(String topic, byte[] value) {
        return new Event(topic, NO_PARTITION, null, value, List.of(), NO_TIMESTAMP);
    }

    /** An event with a key and a value. */
    public static Event of(String topic, byte[] key, byte[] value) {
        return new Event(topic, NO_PARTITION, key, value, List.of(), NO_TIMESTAMP);
    }

    /** A builder, for events with a partition, headers or a timestamp. */
    public static Builder builder(String topic) {
        return new Builder(topic);
    }

    private static String requireTopic(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        return topic;
    }

    /** The topic this event is bound for. */
    public String topic() {
        return topic;
    }

    /** The partition, or {@link #NO_PARTITION}. */
    public int partition() {
        return partition;
    }

    /** True when the event names its partition. */
    public boolean hasPartition() {
        return partition != NO_PARTITION;
    }

    /** The key bytes, or null. Not a copy: do not modify. */
    public byte[] key() {
        return key;
    }

    /** The value bytes, or null (a tombstone). Not a copy: do not modify. */
    public byte[] value() {
        return value;
    }

    /** The record headers, unmodifiable, in order; empty when none. */
    public List<Header> headers() {
        return headers;
    }

    /** The timestamp in milliseconds since the epoch, or {@link #NO_TIMESTAMP}. */
    public long timestampMs() {
        return timestampMs;
    }

    /**
     * The size in bytes that brokers account for this event: key, value, topic and headers plus a
     * fixed overhead. Computed at construction; O(1).
     */
    public int sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Event e)) {
            return false;
        }
        return partition == e.partition
                && timestampMs == e.timestampMs
                && topic.equals(e.topic)
                && Arrays.equals(key, e.key)
                && Arrays.equals(value, e.value)
                && headers.equals(e.headers);
    }

    @Override
    public int hashCode() {
        int h = topic.hashCode();
        h = 31 * h + partition;
        h = 31 * h + Arrays.hashCode(key);
        h = 31 * h + Arrays.hashCode(value);
        h = 31 * h + headers.hashCode();
        return 31 * h + Long.hashCode(timestampMs);
    }

    @Override
    public String toString() {
        return "Event{topic="
                + topic
                + (hasPartition() ? ", partition=" + partition : "")
                + ", key="
                + (key == null ? "null" : key.length + "B")
                + ", value="
                + (value == null ? "null" : value.length + "B")
                + ", headers="
                + headers.size()
                + (timestampMs == NO_TIMESTAMP ? "" : ", ts=" + timestampMs)
                + "}";
    }

    /** Builds one {@link Event}; not thread-safe, use from one thread. */
    public static final class Builder {
        private final String topic;
        private int partition = NO_PARTITION;
        private byte[] key;
        private byte[] value;
        private List<Header> headers = List.of();
        private long timestampMs = NO_TIMESTAMP;

        private Builder(String topic) {
            this.topic = requireTopic(topic);
        }

        /** The partition; {@link Event#NO_PARTITION} lets the partitioner choose. */
        public Builder partition(int partition) {
            this.partition = partition;
            return this;
        }

        /** The key bytes (handed over, not copied). */
        public Builder key(byte[] key) {
            this.key = key;
            return this;
        }

        /** The value bytes (handed over, not copied). */
        public Builder value(byte[] value) {
            this.value = value;
            return this;
        }

        /** The record headers, in order. */
        public Builder headers(List<Header> headers) {
            this.headers = List.copyOf(headers);
            return this;
        }

        /** The timestamp in milliseconds since the epoch. */
        public Builder timestampMs(long timestampMs) {
            this.timestampMs = timestampMs;
            return this;
        }

        /** The event; fails with IllegalArgumentException naming the bad field. */
        public Event build() {
            return new Event(topic, partition, key, value, headers, timestampMs);
        }
    }
}
