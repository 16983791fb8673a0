package io.ferry.broker.memory;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A producer of a {@link MemoryBroker}: one thread at a time publishes, {@link #cancel()} may be
 * called from any thread.
 */
final class MemoryProducer implements Producer {
    /* Design notes
     * A publish claims a sequence (a CAS), fills the slot and publishes it; nothing else is shared
     * per event. The claimed sequence is the event's identity (rule 1.8): the claim counter starts
     * at 0 per broker instance and only grows, so it is unique and in acceptance order for free.
     * Once a claim succeeded the event is accepted: publish returns its sequence. If a cancel (with
     * dropOnCancel) or a close raced it, whoever tombstones the slot first under consumerLock
     * reports the drop, so the drop listener hears of it exactly once (rule 1.7).
     */
    private static final int OPEN = 0;
    private static final int CANCELLED = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(MemoryProducer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemoryBroker broker;
    private final Ring ring;
    final ProducerConfig.AckListener ackListener;
    final ProducerConfig.DropListener dropListener;
    private final boolean dropOnCancel;
    private volatile int state = OPEN;

    // Only the publishing thread: its cached view of ring.released.
    long releasedCache;

    // Only the ack thread: acks counted in the current release round.
    int pendingAcks;

    MemoryProducer(MemoryBroker broker, ProducerConfig config) {
        this.broker = broker;
        this.ring = broker.ring;
        this.ackListener = config.ackListener();
        this.dropListener = config.dropListener();
        this.dropOnCancel = config.dropOnCancel();
    }

    @Override
    public long tryPublishSeq(Event event) {
        checkEvent(event);
        if (state != OPEN) {
            return CLOSED;
        }
        // The ring's claimed position is the event's sequence (rule 1.8): FULL and SHUT are the
        // Producer statuses, so the result is returned as it is.
        long seq = ring.tryClaim(this, event.sizeBytes());
        if (seq < 0) {
            return seq;
        }
        commit(seq, event);
        return seq;
    }

    @Override
    public long publishSeq(Event event) throws InterruptedException {
        checkEvent(event);
        if (state != OPEN) {
            return CLOSED;
        }
        long seq = ring.tryClaim(this, event.sizeBytes());
        if (seq == Ring.FULL) {
            seq = awaitClaim(event.sizeBytes());
        }
        if (seq < 0) {
            return CLOSED;
        }
        commit(seq, event);
        return seq;
    }

    private void checkEvent(Event event) {
        Objects.requireNonNull(event, "event");
        if (ring.capacityBytes > 0 && event.sizeBytes() > ring.capacityBytes) {
            throw new IllegalArgumentException(
                    "event of "
                            + event.sizeBytes()
                            + " bytes can never fit the memory broker's capacity of "
                            + ring.capacityBytes
                            + " bytes (setting 'bytes')");
        }
    }

    /**
     * The slow path: waits on notFull until a claim succeeds, the producer is cancelled or the
     * broker closed.
     */
    private long awaitClaim(int sizeBytes) throws InterruptedException {
        ring.producerLock.lockInterruptibly();
        try {
            for (; ; ) {
                ring.producersWaiting = 1;
                if (state != OPEN) {
                    return Ring.SHUT;
                }
                // Dekker with the ack thread: producersWaiting is set before tryClaim reads
                // `released`.
                long seq = ring.tryClaim(this, sizeBytes);
                if (seq != Ring.FULL) {
                    return seq;
                }
                ring.notFull.await();
            }
        } finally {
            ring.producerLock.unlock();
        }
    }

    private void commit(long seq, Event event) {
        ring.write(seq, event, this);
        if (state != OPEN && dropOnCancel) {
            // Raced a cancel: the cancel may not have seen this claim; remove it unless taken
            // already.
            broker.dropIfUnread(seq, this);
        }
    }

    @Override
    public int cancel() {
        if (!STATE.compareAndSet(this, OPEN, CANCELLED)) {
            return 0;
        }
        if (ring.producersWaiting != 0) {
            ring.wakeProducers();
        }
        return dropOnCancel ? broker.dropUnread(this) : 0;
    }

    void reportDrop(Event event, long seq) {
        if (dropListener != null) {
            try {
                dropListener.onDrop(event, seq);
            } catch (RuntimeException e) {
                MemoryBroker.LOG.log(
                        System.Logger.Level.WARNING,
                        "drop listener failed; the drop is still counted",
                        e);
            }
        }
    }
}
