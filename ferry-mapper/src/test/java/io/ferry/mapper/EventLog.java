package io.ferry.mapper;

import java.util.ArrayList;
import java.util.List;

/** An ordered, thread-safe log of callback events, for ordering assertions. */
final class EventLog {
    private final List<String> events = new ArrayList<>();

    synchronized void add(String event) {
        events.add(event);
    }

    synchronized List<String> snapshot() {
        return new ArrayList<>(events);
    }

    synchronized int indexOf(String event) {
        return events.indexOf(event);
    }
}
