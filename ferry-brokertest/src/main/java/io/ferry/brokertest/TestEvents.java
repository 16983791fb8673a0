package io.ferry.brokertest;

import io.ferry.broker.Event;
import java.nio.ByteBuffer;

/**
 * Events that carry who published them and their number, so tests can check order, loss and
 * duplicates; stateless, any thread.
 */
public final class TestEvents {
    /** The topic of every test event. */
    public static final String TOPIC = "brokertest";

    private TestEvents() {}

    /**
     * Event number {@code seq} of producer {@code producer}, with a value of {@code valueBytes}
     * bytes.
     */
    public static Event event(int producer, int seq, int valueBytes) {
        byte[] key = ByteBuffer.allocate(8).putInt(producer).putInt(seq).array();
        return Event.of(TOPIC, key, new byte[valueBytes]);
    }

    /** Event number {@code seq} of producer {@code producer}. */
    public static Event event(int producer, int seq) {
        return event(producer, seq, 4);
    }

    /** The producer number of a test event. */
    public static int producerOf(Event e) {
        return ByteBuffer.wrap(e.key()).getInt(0);
    }

    /** The sequence number of a test event within its producer. */
    public static int seqOf(Event e) {
        return ByteBuffer.wrap(e.key()).getInt(4);
    }
}
