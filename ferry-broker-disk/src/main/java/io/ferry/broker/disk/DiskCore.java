package io.ferry.broker.disk;

import io.ferry.broker.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared state of a {@link DiskBroker}: the write queue, the durable and read positions, the
 * outstanding batches and the counters. Every mutable field is guarded by {@link #lock}; counters
 * read by {@code stats()} are volatile, written under the lock.
 */
final class DiskCore {
    /* Design notes
     * Sequences. Every accepted event gets the next sequence (nextSeq) under the lock, so sequence
     * order is publish order across producers. Sequences are persisted in frames and continue across
     * restarts. The same sequence is the event's public identity (Producer.publishSeq,
     * Batch.sequence, rules 1.8, 2.6, 3.6): publishSeq returns what accept() took, and a batch
     * carries the sequences read from the frames. Recovery starts nextSeq above every frame on disk
     * and at or above the checkpoint's sequence; every accepted event gets a frame (a cancelled one
     * too, followed by a skip), so after a clean close nothing given out is given out again.
     * Ranges: [writeSeq, nextSeq) waits in the write queue; [readSeq, durableSeq) is forced and not
     * yet handed out; [headSeq, readSeq) is handed out, not all acknowledged.
     *
     * Durability. Consumers only see forced data (durableSeq), so the persisted read position, which
     * only moves over handed-out events, can never point past the forced data.
     *
     * dropOnCancel. A producer with dropOnCancel can still remove an event until a consumer takes
     * it; the broker therefore acks such a producer (and counts the event for the eventer) when the
     * event is both forced and handed out, never before: an acked event is never cancelled. Its
     * pending events are tracked in `unhanded` (publish order); a cancel marks them dropped and
     * queues a skip frame so a restart does not deliver them.
     *
     * Wake-ups. Producers wait on notFull, consumers on notEmpty, the writer on writerWake; every
     * change that can let one of them go on signals under the lock.
     */
    final ReentrantLock lock = new ReentrantLock();
    final Condition notFull = lock.newCondition();
    final Condition notEmpty = lock.newCondition();
    final Condition writerWake = lock.newCondition();

    final long capacityBytes;
    final int capacityEvents;

    // ---- guarded by lock ------------------------------------------------------------------------
    long nextSeq;

    /** The write queue: events [writeSeq, nextSeq) and their producers. */
    Event[] queueEvents = new Event[1024];

    DiskProducer[] queueOwners = new DiskProducer[1024];
    int queueSize;
    long writeSeq;

    /** Forced data: sequences below durableSeq, and its end position. */
    long durableSeq;

    long durableSegmentId;
    long durableOffset;

    /** The next sequence to hand out; only changed by a consumer holding the consumer lock too. */
    long readSeq;

    /** Handed-out batches in sequence order, until the acked prefix is released. */
    final ArrayDeque<DiskBatch> outstanding = new ArrayDeque<>();

    /** The first event not acknowledged by a consumer, and its position. */
    long headSeq;

    long headSegmentId;
    long headOffset;
    boolean headDirty;

    /** dropOnCancel producers' events not yet handed out, in sequence order. */
    final ArrayDeque<Unhanded> unhanded = new ArrayDeque<>();

    /** Events of dropOnCancel producers handed out: the writer acks them. */
    final List<DiskProducer> handedAcks = new ArrayList<>();

    int handedEventerCount;

    /** Events removed by cancel after acceptance: sequence and size, for a skip frame. */
    final List<long[]> skips = new ArrayList<>();

    /** Segments on disk, by id; the last is the writer's active segment. */
    final ArrayDeque<Segment> segments = new ArrayDeque<>();

    boolean writerWaiting;
    boolean closing;

    /** Why the writer thread died; set once, under the lock. Nothing is written any more. */
    volatile Throwable writerFailure;

    /** Per write group: {first sequence, accept time}, oldest first, for the oldest event's age. */
    final ArrayDeque<long[]> stamps = new ArrayDeque<>();

    // ---- read without the lock (stats) ----------------------------------------------------------
    volatile long bufferedEvents;
    volatile long bufferedBytes;
    volatile long publishedEvents;
    volatile long ackedEvents;
    volatile long droppedEvents;
    volatile long outstandingBatches;
    volatile boolean closed;
    volatile long oldestStampNanos;

    DiskCore(long capacityBytes, int capacityEvents) {
        this.capacityBytes = capacityBytes;
        this.capacityEvents = capacityEvents;
    }

    /** An event of a dropOnCancel producer not yet handed out. */
    static final class Unhanded {
        final long seq;
        final Event event;
        final DiskProducer owner;
        boolean dropped;

        Unhanded(long seq, Event event, DiskProducer owner) {
            this.seq = seq;
            this.event = event;
            this.owner = owner;
        }
    }

    /** True when an event of {@code sizeBytes} fits now; under lock. */
    boolean fits(int sizeBytes) {
        if (capacityEvents > 0 && bufferedEvents >= capacityEvents) {
            return false;
        }
        long b = bufferedBytes;
        return b == 0 || b + sizeBytes <= capacityBytes;
    }

    /**
     * Accepts {@code e} from {@code owner} and returns its sequence; under lock, after {@link
     * #fits}.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    long accept(Event e, DiskProducer owner) {
        long seq = nextSeq++;
        if (queueSize == queueEvents.length) {
            queueEvents = Arrays.copyOf(queueEvents, queueSize * 2);
            queueOwners = Arrays.copyOf(queueOwners, queueSize * 2);
        }
        queueEvents[queueSize] = e;
        queueOwners[queueSize] = owner;
        queueSize++;
        bufferedEvents = bufferedEvents + 1;
        bufferedBytes = bufferedBytes + e.sizeBytes();
        publishedEvents = publishedEvents + 1;
        if (owner.dropOnCancel) {
            unhanded.add(new Unhanded(seq, e, owner));
        }
        if (writerWaiting) {
            writerWaiting = false;
            writerWake.signal();
        }
        return seq;
    }

    /** Releases a dropped or acknowledged event's space; under lock. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    void release(long events, long bytes) {
        if (events == 0 && bytes == 0) {
            return;
        }
        bufferedEvents = bufferedEvents - events;
        bufferedBytes = bufferedBytes - bytes;
        notFull.signalAll();
    }

    void wakeWriter() {
        if (writerWaiting) {
            writerWaiting = false;
            writerWake.signal();
        }
    }

    /** Releases the acknowledged prefix of the outstanding batches; under lock. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    void advanceHead() {
        long events = 0;
        long bytes = 0;
        DiskBatch b;
        while ((b = outstanding.peekFirst()) != null && b.ackedUnderLock) {
            outstanding.pollFirst();
            events += b.size();
            bytes += b.liveBytes;
            headSeq = b.endSeq;
            headSegmentId = b.endSegmentId;
            headOffset = b.endOffset;
            headDirty = true;
        }
        while (stamps.size() > 1) {
            long[] first = stamps.pollFirst();
            if (stamps.peekFirst()[0] > headSeq) {
                stamps.addFirst(first);
                break;
            }
        }
        oldestStampNanos = stamps.isEmpty() ? 0 : stamps.peekFirst()[1];
        if (events > 0 || headDirty) {
            ackedEvents = ackedEvents + events;
            release(events, bytes);
            wakeWriter();
        }
    }
}
