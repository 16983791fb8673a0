package io.ferry.broker.disk;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A producer of a {@link DiskBroker}: one thread at a time publishes, {@link #cancel()} may be
 * called from any thread.
 */
final class DiskProducer implements Producer {
    /* Design notes
     * A publish takes the broker lock once: it checks the state, the room, and appends to the write
     * queue; the writer thread does the rest. The state is only changed under the lock, so a publish
     * either completes before a cancel (and a dropOnCancel cancel then sees its event) or returns
     * false: no race window, and each dropped event is reported once, by the cancelling thread.
     */
    private final DiskBroker broker;
    private final DiskCore core;
    final ProducerConfig.AckListener ackListener;
    final ProducerConfig.DropListener dropListener;
    final boolean dropOnCancel;
    // guarded by core.lock
    private boolean cancelled;

    // Only the writer thread: acks counted in the current round.
    int pendingAcks;

    DiskProducer(DiskBroker broker, ProducerConfig config) {
        this.broker = broker;
        this.core = broker.core;
        this.ackListener = config.ackListener();
        this.dropListener = config.dropListener();
        this.dropOnCancel = config.dropOnCancel();
    }

    @Override
    public long publishSeq(Event event) throws InterruptedException {
        checkEvent(event);
        core.lock.lockInterruptibly();
        try {
            for (; ; ) {
                if (core.writerFailure != null) {
                    broker.checkWriter();
                }
                if (cancelled || core.closing) {
                    return CLOSED;
                }
                if (core.fits(event.sizeBytes())) {
                    return core.accept(event, this);
                }
                core.notFull.await();
            }
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public long tryPublishSeq(Event event) {
        checkEvent(event);
        core.lock.lock();
        try {
            if (core.writerFailure != null) {
                broker.checkWriter();
            }
            if (cancelled || core.closing) {
                return CLOSED;
            }
            if (!core.fits(event.sizeBytes())) {
                return FULL;
            }
            return core.accept(event, this);
        } finally {
            core.lock.unlock();
        }
    }

    private void checkEvent(Event event) {
        Objects.requireNonNull(event, "event");
        if (event.sizeBytes() > core.capacityBytes) {
            throw new IllegalArgumentException(
                    "event of "
                            + event.sizeBytes()
                            + " bytes can never fit the disk broker's capacity of "
                            + core.capacityBytes
                            + " bytes (setting 'bytes')");
        }
        // A frame is at most about three times the event's size (UTF-8 names), so only large events
        // need the exact length.
        if (event.sizeBytes() > FrameDescriptor.MAX_FRAME_BYTES / 4) {
            String tooLarge =
                    frameTooLarge(
                            FrameDescriptor.HEADER_LENGTH + EventCodec.payloadLengthOf(event),
                            event.sizeBytes());
            if (tooLarge != null) {
                throw new IllegalArgumentException(tooLarge);
            }
        }
        broker.checkWriter();
    }

    /**
     * Why an event of {@code sizeBytes} whose frame takes {@code frameBytes} is refused, or null.
     */
    static String frameTooLarge(long frameBytes, int sizeBytes) {
        if (frameBytes <= FrameDescriptor.MAX_FRAME_BYTES) {
            return null;
        }
        return "event of "
                + sizeBytes
                + " bytes needs a frame of "
                + frameBytes
                + " bytes; the disk broker writes frames of at most "
                + FrameDescriptor.MAX_FRAME_BYTES
                + " bytes";
    }

    @Override
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    public int cancel() {
        List<Event> removed = new ArrayList<>();
        List<Long> removedSeqs = new ArrayList<>();
        core.lock.lock();
        try {
            if (cancelled) {
                return 0;
            }
            cancelled = true;
            core.notFull.signalAll();
            if (!dropOnCancel || core.closing) {
                return 0;
            }
            long bytes = 0;
            for (DiskCore.Unhanded u : core.unhanded) {
                if (u.owner == this && !u.dropped && u.seq >= core.readSeq) {
                    u.dropped = true;
                    removed.add(u.event);
                    removedSeqs.add(u.seq);
                    bytes += u.event.sizeBytes();
                    core.skips.add(new long[] {u.seq, u.event.sizeBytes()});
                }
            }
            if (!removed.isEmpty()) {
                core.droppedEvents = core.droppedEvents + removed.size();
                core.release(removed.size(), bytes);
                core.wakeWriter();
            }
        } finally {
            core.lock.unlock();
        }
        for (int i = 0; i < removed.size(); i++) {
            reportDrop(removed.get(i), removedSeqs.get(i));
        }
        return removed.size();
    }

    void reportDrop(Event event, long seq) {
        if (dropListener != null) {
            try {
                dropListener.onDrop(event, seq);
            } catch (RuntimeException e) {
                DiskBroker.LOG.log(
                        System.Logger.Level.WARNING,
                        "drop listener failed; the drop is still counted",
                        e);
            }
        }
    }

    @Override
    public String toString() {
        return "DiskProducer{acks="
                + (ackListener != null)
                + ", dropOnCancel="
                + dropOnCancel
                + "}";
    }
}
