package io.ferry.broker.disk;

import io.ferry.broker.Batch;
import io.ferry.broker.Event;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A batch of a {@link DiskBroker}: events decoded from the segments, covering the sequences {@code
 * [startSeq, endSeq)}; read by one thread at a time, acked once from any thread.
 */
final class DiskBatch extends AbstractList<Event> implements Batch, RandomAccess {
    private static final VarHandle ACKED;

    static {
        try {
            ACKED = MethodHandles.lookup().findVarHandle(DiskBatch.class, "acked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DiskBroker broker;
    private final Event[] events;
    // seqs[i] is the sequence of events[i], read from its frame; both arrays are this batch's own.
    private final long[] seqs;
    private final int size;
    final long startSeq;
    final long endSeq;
    final long endSegmentId;
    final long endOffset;
    final long liveBytes;
    private volatile boolean acked;
    // guarded by the core lock
    boolean ackedUnderLock;

    DiskBatch(
            DiskBroker broker,
            Event[] events,
            long[] seqs,
            int size,
            long startSeq,
            long endSeq,
            long endSegmentId,
            long endOffset,
            long liveBytes) {
        this.broker = broker;
        this.events = events;
        this.seqs = seqs;
        this.size = size;
        this.startSeq = startSeq;
        this.endSeq = endSeq;
        this.endSegmentId = endSegmentId;
        this.endOffset = endOffset;
        this.liveBytes = liveBytes;
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
        return events[index];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long sequence(int index) {
        Objects.checkIndex(index, size);
        return seqs[index];
    }

    @Override
    public void ack() {
        if (!ACKED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("batch already acknowledged (" + size + " events)");
        }
        broker.ack(this);
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
        return "DiskBatch{seq=["
                + startSeq
                + ", "
                + endSeq
                + "), events="
                + size
                + (acked ? ", acked" : "")
                + "}";
    }
}
