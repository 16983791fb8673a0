package io.ferry.broker;

/**
 * Publishes single events into a broker; one thread at a time publishes, while {@link #cancel()}
 * may be called from any thread.
 *
 * <p>Expected outcomes are return values, not exceptions: a full buffer, a cancelled producer and a
 * closed broker all make {@code publish}/{@code tryPublish} return false.
 */
public interface Producer {

    /**
     * Publishes one event, waiting while the buffer is full (rule 1.1).
     *
     * @return true once the broker holds the event; false when the producer is cancelled or the
     *     broker closed (before or while waiting)
     * @throws InterruptedException when the calling thread is interrupted while waiting; the event
     *     was not published
     */
    boolean publish(Event event) throws InterruptedException;

    /**
     * Publishes one event if there is room now; never blocks (rule 1.2).
     *
     * @return true when the broker holds the event; false when the buffer is full, the producer is
     *     cancelled or the broker closed
     */
    boolean tryPublish(Event event);

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
