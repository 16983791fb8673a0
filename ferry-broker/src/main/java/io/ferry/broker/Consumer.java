package io.ferry.broker;

/**
 * Takes batches of events from a broker; {@link #get(int)} may be called by one thread at a time,
 * {@link #close()} from any thread. Several consumers of one broker may run concurrently.
 */
public interface Consumer extends AutoCloseable {

    /**
     * Takes the next batch, waiting until at least one event is available (rule 2.1). With flush
     * settings the broker waits for its minimum batch or its flush timeout, never longer.
     *
     * @param maxEvents the most events the batch may hold; {@code <= 0} lets the broker choose
     * @return a batch of at least one event and at most {@code maxEvents}
     * @throws BrokerClosedException when this consumer or the broker is closed, including while
     *     waiting (rule 2.5)
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    Batch get(int maxEvents) throws InterruptedException;

    /** Closes this consumer and unblocks a pending {@link #get(int)}; closing twice is harmless. */
    @Override
    void close();
}
