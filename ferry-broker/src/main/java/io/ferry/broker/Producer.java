package io.ferry.broker;

/**
 * Publishes single events into a broker; one thread at a time publishes, while {@link #cancel()}
 * may be called from any thread.
 *
 * <p>Expected outcomes are return values, not exceptions: a full buffer, a cancelled producer and a
 * closed broker make {@code publish}/{@code tryPublish} return false, and {@code publishSeq}/{@code
 * tryPublishSeq} return the status {@link #FULL} or {@link #CLOSED}.
 *
 * <p>Every event the broker accepts gets a sequence (rule 1.8): a {@code long >= 0}, unique across
 * all producers of the broker, strictly increasing in the order the broker accepted the events and
 * never given out twice by that broker. The producer learns it from {@link #publishSeq} or {@link
 * #tryPublishSeq}, the consumer side reads it per event with {@link Batch#sequence(int)} (rule
 * 2.6), and the drop listener is told it (rule 1.7). A durable broker keeps an event's sequence
 * across a restart (rule 3.6). The primitives allocate nothing.
 */
public interface Producer {

    /**
     * The status {@link #tryPublishSeq} returns when the buffer has no room now; {@link
     * #publishSeq} never returns it.
     */
    long FULL = -1L;

    /**
     * The status {@link #publishSeq} and {@link #tryPublishSeq} return when this producer is
     * cancelled or the broker closed.
     */
    long CLOSED = -2L;

    /**
     * Publishes one event, waiting while the buffer is full (rule 1.1), and returns its sequence
     * (rule 1.8).
     *
     * @return the event's sequence ({@code >= 0}) once the broker holds it; {@link #CLOSED} when
     *     the producer is cancelled or the broker closed (before or while waiting)
     * @throws InterruptedException when the calling thread is interrupted while waiting; the event
     *     was not published
     */
    long publishSeq(Event event) throws InterruptedException;

    /**
     * Publishes one event if there is room now and returns its sequence; never blocks (rules 1.2,
     * 1.8).
     *
     * @return the event's sequence ({@code >= 0}) when the broker holds it; {@link #FULL} when the
     *     buffer has no room now; {@link #CLOSED} when the producer is cancelled or the broker
     *     closed
     */
    long tryPublishSeq(Event event);

    /**
     * Publishes one event, waiting while the buffer is full (rule 1.1); {@link #publishSeq} without
     * the sequence.
     *
     * @return true once the broker holds the event; false when the producer is cancelled or the
     *     broker closed (before or while waiting)
     * @throws InterruptedException when the calling thread is interrupted while waiting; the event
     *     was not published
     */
    default boolean publish(Event event) throws InterruptedException {
        return publishSeq(event) >= 0;
    }

    /**
     * Publishes one event if there is room now; never blocks (rule 1.2); {@link #tryPublishSeq}
     * without the sequence.
     *
     * @return true when the broker holds the event; false when the buffer is full, the producer is
     *     cancelled or the broker closed
     */
    default boolean tryPublish(Event event) {
        return tryPublishSeq(event) >= 0;
    }

    /**
     * Closes this producer: later publishes return false (rule 1.6). With {@link
     * ProducerConfig#dropOnCancel()}, events of this producer not yet handed to a consumer are
     * removed; events already handed out are still delivered and may still be acknowledged. Acks
     * may arrive after cancel; the caller filters them.
     *
     * @return the number of events removed; 0 without {@code dropOnCancel} or on a second call
     */
    int cancel();
}
