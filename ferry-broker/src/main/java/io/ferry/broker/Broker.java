package io.ferry.broker;

import java.util.Set;

/**
 * An in-process event buffer between producers and consumers; every method is safe to call from any
 * thread.
 *
 * <p>Producers ({@link #producer(ProducerConfig)}) publish single events; consumers ({@link
 * #consumer()}) take them in batches and acknowledge each batch once it is processed. The broker
 * releases buffer space, reports {@link Eventer#onAck(int)} and the producers' ack counts only for
 * the contiguous acknowledged prefix, in publish order. The numbered rules every implementation
 * keeps are in {@code docs/broker-spec.md}; the {@code ferry-brokertest} suite checks them.
 *
 * <p>Implementations are named {@code <Qualifier>Broker} and are found by type name through {@link
 * Brokers}.
 */
public interface Broker extends AutoCloseable {

    /** The buffer's limits (rule 3.1). */
    BufferConfig bufferConfig();

    /** What this implementation promises beyond the common rules (rule 3.4). */
    default Set<BrokerCapability> capabilities() {
        return Set.of();
    }

    /**
     * A new producer. Each producer is used by one thread at a time for publishing; its {@link
     * Producer#cancel()} may be called from any thread.
     *
     * @throws BrokerClosedException when the broker is closed
     */
    Producer producer(ProducerConfig config);

    /**
     * A new consumer. Several consumers may take batches concurrently; each event is in at most one
     * outstanding batch.
     *
     * @throws BrokerClosedException when the broker is closed
     */
    Consumer consumer();

    /** A consistent-enough snapshot of the broker's counters, for metrics; cheap, never blocks. */
    BrokerStats stats();

    /**
     * Closes the broker: unblocks every blocked {@code publish} and {@code get}; later calls fail
     * or return false. A memory broker reports events buffered and not acknowledged to their
     * producers' drop listeners; a durable broker keeps them for its next start. Closing twice is
     * harmless.
     */
    @Override
    void close();
}
