package io.ferry.broker.memory;

import io.ferry.broker.Batch;
import io.ferry.broker.Event;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A batch of a {@link MemoryBroker}: a range of ring slots, read by one thread at a time, acked
 * once from any thread. Without removed events it is a view of the ring, not a copy, and the
 * sequence of event {@code i} is {@code start + i}; with removed events the live events and their
 * sequences are copied once, when the batch is made.
 */
final class MemoryBatch extends AbstractList<Event> implements Batch, RandomAccess {
    private static final VarHandle ACKED;

    static {
        try {
            ACKED = MethodHandles.lookup().findVarHandle(MemoryBatch.class, "acked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemoryBroker broker;
    private final Event[] slots;
    private final int mask;
    private final long start;
    private final long end;
    private final Event[] compacted;
    private final long[] compactedSeqs;
    private final int size;
    private volatile boolean acked;

    /**
     * The range [start, end); {@code compacted} and {@code compactedSeqs}, both null or both of the
     * same length, are its live events and their sequences when some were removed.
     */
    MemoryBatch(
            MemoryBroker broker, long start, long end, Event[] compacted, long[] compactedSeqs) {
        this.broker = broker;
        this.slots = broker.ring.events;
        this.mask = broker.ring.mask;
        this.start = start;
        this.end = end;
        this.compacted = compacted;
        this.compactedSeqs = compactedSeqs;
        this.size = compacted == null ? (int) (end - start) : compacted.length;
    }

    @Override
    public List<Event> events() {
        checkNotAcked();
        return this;
    }

    @Override
    public Event get(int index) {
        checkNotAcked();
        Objects.checkIndex(index, size);
        return compacted != null ? compacted[index] : slots[(int) (start + index) & mask];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long sequence(int index) {
        Objects.checkIndex(index, size);
        // No acked check: the sequence is the batch's own data, not a slot of the ring.
        return compactedSeqs != null ? compactedSeqs[index] : start + index;
    }

    @Override
    public void ack() {
        if (!ACKED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("batch already acknowledged (" + size + " events)");
        }
        if (broker.isClosed()) {
            return; // close reported these events as dropped
        }
        broker.outstandingBatches.decrementAndGet();
        broker.ring.markAcked(start, end);
        broker.ackWake();
    }

    private void checkNotAcked() {
        if (acked) {
            throw new IllegalStateException("batch was acknowledged; its events are released");
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "MemoryBatch{seq=["
                + start
                + ", "
                + end
                + "), events="
                + size
                + (acked ? ", acked" : "")
                + "}";
    }
}
