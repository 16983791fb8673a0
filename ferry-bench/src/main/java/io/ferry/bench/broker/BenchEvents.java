package io.ferry.bench.broker;

import io.ferry.broker.Event;
import java.nio.charset.StandardCharsets;

/** The pre-built events every benchmark hands over; built once, then only read, from any thread. */
final class BenchEvents {
    /** The topic of every event. */
    static final String TOPIC = "bench";

    /** Bytes of each event's key. */
    static final int KEY_BYTES = 16;

    /** Bytes of each event's value: a small log line. */
    static final int VALUE_BYTES = 128;

    private BenchEvents() {}

    /**
     * {@code count} distinct events (keyed by their index), each with its own key and value arrays.
     */
    static Event[] create(int count) {
        Event[] events = new Event[count];
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[KEY_BYTES];
            byte[] digits = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(digits, 0, key, 0, digits.length);
            byte[] value = new byte[VALUE_BYTES];
            for (int b = 0; b < VALUE_BYTES; b++) {
                value[b] = (byte) ('a' + (i + b) % 26);
            }
            events[i] = Event.of(TOPIC, key, value);
        }
        return events;
    }
}
