package io.ferry.broker;

/**
 * How a producer wants to hear about its events; immutable, safe to share.
 *
 * <p>Both listeners are called by the broker, never concurrently for one producer: the ack listener
 * by the broker's one ack thread (rule 1.4), the drop listener by whichever thread caused the drop
 * (a cancel, a close, or the publishing thread when its publish raced them).
 *
 * @param ackListener told the counts of this producer's events acknowledged, in publish order; null
 *     for none (then the producer costs no per-event ack bookkeeping, rule 1.5)
 * @param dropListener told of each event the broker accepted and then dropped without delivering,
 *     with its sequence, exactly once (rule 1.7); null for none
 * @param dropOnCancel whether {@link Producer#cancel()} removes this producer's events not yet
 *     handed out
 */
public record ProducerConfig(
        AckListener ackListener, DropListener dropListener, boolean dropOnCancel) {
    /** No listeners, events kept on cancel. */
    public static final ProducerConfig DEFAULT = new ProducerConfig(null, null, false);

    /** A config with only an ack listener. */
    public static ProducerConfig withAcks(AckListener ackListener) {
        return new ProducerConfig(ackListener, null, false);
    }

    /** This config with another ack listener. */
    public ProducerConfig ackListener(AckListener listener) {
        return new ProducerConfig(listener, dropListener, dropOnCancel);
    }

    /** This config with another drop listener. */
    public ProducerConfig dropListener(DropListener listener) {
        return new ProducerConfig(ackListener, listener, dropOnCancel);
    }

    /** This config with {@code dropOnCancel} set as given. */
    public ProducerConfig dropOnCancel(boolean drop) {
        return new ProducerConfig(ackListener, dropListener, drop);
    }

    /** Told how many of a producer's events were acknowledged. */
    @FunctionalInterface
    public interface AckListener {
        /**
         * {@code count} more events of this producer, the next in its publish order, were
         * acknowledged.
         */
        void onAck(int count);
    }

    /** Told of an event the broker accepted and dropped without delivering. */
    @FunctionalInterface
    public interface DropListener {
        /**
         * The broker dropped {@code event}, whose sequence is {@code sequence}: the value the
         * producer learned when it published the event (rules 1.7, 1.8).
         */
        void onDrop(Event event, long sequence);
    }
}
