package io.ferry.kafka.wire;

import io.ferry.broker.Header;
import java.util.Arrays;
import java.util.List;

/**
 * One record of a fetched batch, decoded (decompressed) into Ferry's terms; immutable, safe to
 * share between threads.
 *
 * <p>The arrays are the decoder's own copies, handed over: do not modify them.
 *
 * @param offset the record's offset
 * @param timestampMs its timestamp (create or log-append time, as the topic says)
 * @param key the key bytes, or null
 * @param value the value bytes, or null (a tombstone)
 * @param headers the headers in order (a header's value may be null); empty when none
 */
@SuppressWarnings("ArrayRecordComponent") // equals, hashCode and toString below cover the arrays
public record FetchedRecord(
        long offset, long timestampMs, byte[] key, byte[] value, List<Header> headers) {
    /** Copies the header list. */
    public FetchedRecord {
        headers = List.copyOf(headers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FetchedRecord r
                && offset == r.offset
                && timestampMs == r.timestampMs
                && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value)
                && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(offset) * 31 + Arrays.hashCode(key)) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "FetchedRecord{"
                + offset
                + " @"
                + timestampMs
                + " key="
                + (key == null ? "null" : key.length + "B")
                + " value="
                + (value == null ? "null" : value.length + "B")
                + " headers="
                + headers.size()
                + "}";
    }
}
