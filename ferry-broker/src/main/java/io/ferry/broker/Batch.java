package io.ferry.broker;

import java.util.List;

/**
 * Events handed to one consumer, acknowledged as a whole; read by one thread at a time, and {@link
 * #ack()} may be called from any thread, once.
 *
 * <p>Events of one producer appear in the order it published them (rule 1.3). An event is in at
 * most one outstanding batch (rule 2.2).
 */
public interface Batch {

    /**
     * The events, in publish order; an unmodifiable list that may be a view of the broker's buffer.
     *
     * @throws IllegalStateException after {@link #ack()} (rule 2.4)
     */
    List<Event> events();

    /** The number of events; still valid after {@link #ack()}. */
    int size();

    /**
     * The sequence of {@code events().get(index)}: the value its producer learned from {@link
     * Producer#publishSeq} or {@link Producer#tryPublishSeq} (rule 2.6). Increasing with the index
     * (events are in publish order); still valid after {@link #ack()}; allocates nothing.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in {@code [0, size())}
     */
    long sequence(int index);

    /**
     * Acknowledges every event of this batch; never blocks (rule 2.3). The broker releases space
     * and reports acks only for the contiguous acknowledged prefix, so acking out of order is
     * allowed. Acking after the broker closed is ignored.
     *
     * @throws IllegalStateException when the batch was already acknowledged (rule 2.4)
     */
    void ack();
}
