package io.ferry.broker;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Kafka record header: a name and a value; immutable, safe to share between threads.
 *
 * <p>The value array is handed over, not copied: do not modify it after construction.
 *
 * @param key the header name, not null
 * @param value the header value, may be null
 */
@SuppressWarnings("ArrayRecordComponent") // equals, hashCode and toString below cover the array
public record Header(String key, byte[] value) {
    /** Validates the name. */
    public Header {
        Objects.requireNonNull(key, "header key");
    }

    /** The bytes this header accounts for: its name's length plus its value's. */
    public int sizeBytes() {
        return key.length() + (value == null ? 0 : value.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header{" + key + "=" + (value == null ? "null" : value.length + "B") + "}";
    }
}
