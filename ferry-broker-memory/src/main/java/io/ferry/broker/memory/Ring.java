package io.ferry.broker.memory;

import io.ferry.broker.Event;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The shared state of a {@link MemoryBroker}: a ring of event slots indexed by a 64-bit sequence,
 * claimed by any number of producers, handed out in order to consumers, released in order by the
 * one ack thread. Each field group below names the threads that write it.
 */
final class Ring {
    /* Design notes (for maintainers)
     *
     * Sequences. Every accepted event gets a sequence s; its slot is s & mask. s is also the
     * event's public identity (Producer.publishSeq, Batch.sequence, rule 1.8): claim starts at 0 per
     * broker and the CLOSED bit (2^62) is far above any sequence a broker reaches. Four cursors order
     * the life of a slot:   released <= read <= claim,   claim - released <= capacity.
     *   claim     next sequence to claim; producers CAS it (the CLOSED bit stops all claims at once).
     *   rounds[]  a slot is published when rounds[slot] == s >>> shift (release store by its producer).
     *   read      next sequence to hand to a consumer; advanced under consumerLock.
     *   released  everything below it is acknowledged and free; written only by the ack thread.
     * A batch is a range [start, end) of sequences. Its ack stores `end` at ackEnds[start & mask];
     * the ack thread walks these marks from `released` and so releases only the contiguous acked
     * prefix, in publish order, however the batches were acked.
     *
     * Wake-ups without a fence per event. A consumer about to park first stores consumerWakeAt
     * (volatile): the sequence whose publication it waits for (the first event, or the one that
     * completes flush.min_events). Then it reads `claim`, not the slot flags: a producer's claim is
     * a CAS, a full fence, after which it reads consumerWakeAt. So either the consumer sees that
     * sequence claimed (and spins for the few instructions until it is published) or that
     * sequence's producer sees the waiter and signals. Producers of lower sequences do not signal:
     * a consumer waiting for a batch to fill is woken once, not once per event (each signal is a
     * lock and a futex call on the producer's thread). Should the waited-for sequence be published
     * before a lower one, the woken consumer finds the gap, sees the lower one claimed, and spins
     * until it is published. Blocked producers and the ack thread use the same Dekker pattern with
     * `released`.
     *
     * Removal. A cancelled (dropOnCancel) or racing event not yet handed out becomes a TOMBSTONE in
     * owners[]; consumers skip it, the ack thread releases its space without acking it.
     *
     * Time. Slots are stamped with a coarse clock the ack thread refreshes at least every tick while
     * events are buffered; when the broker is idle the clock is STALE and the first producer reads
     * the real clock itself. So no producer reads the clock per event, and ages are accurate to
     * about one tick.
     */
    static final long CLOSED = 1L << 62;
    static final Object TOMBSTONE = new Object();
    static final long STALE = Long.MIN_VALUE;
    static final long FULL = io.ferry.broker.Producer.FULL;
    static final long SHUT = io.ferry.broker.Producer.CLOSED;

    private static final VarHandle ROUNDS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle ACK_ENDS = MethodHandles.arrayElementVarHandle(long[].class);

    final int capacity;
    final int mask;
    final int shift;
    final long capacityBytes;
    final LongSupplier nanoClock;

    // Slots: written by the claiming producer before its release store to rounds[]; cleared by the
    // ack thread on release; owners[] also set to TOMBSTONE under consumerLock.
    final Event[] events;
    final Object[] owners;
    final int[] sizes;
    final long[] stamps;
    private final int[] rounds;
    // ackEnds[start & mask] = end, set by Batch.ack, cleared by the ack thread.
    private final long[] ackEnds;

    // Cursors, each on its own cache line.
    final Sequence claim = new Sequence(0);
    final Sequence released = new Sequence(0);

    /** Bytes reserved by accepted, unreleased events; used only when capacityBytes > 0. */
    final Sequence reservedBytes = new Sequence(0);

    /**
     * Coarse clock in nanos, or STALE; written by the ack thread and by producers finding it STALE.
     */
    final Sequence clockNanos = new Sequence(STALE);

    /** The ack thread, once started. */
    volatile Thread ackThread;

    // Consumers: read and unreadTombstones are guarded by consumerLock.
    final ReentrantLock consumerLock = new ReentrantLock();
    final Condition notEmpty = consumerLock.newCondition();
    long read;
    long unreadTombstones;

    /**
     * The lowest sequence whose publication must wake the waiting consumers, or NO_WAITER; lowered
     * by consumers under consumerLock, reset by {@link #wakeConsumers}.
     */
    volatile long consumerWakeAt = NO_WAITER;

    static final long NO_WAITER = Long.MAX_VALUE;

    /** Consumers parked on notEmpty; guarded by consumerLock. */
    int waitingConsumers;

    // Producers blocked on a full buffer wait on notFull.
    final ReentrantLock producerLock = new ReentrantLock();
    final Condition notFull = producerLock.newCondition();
    volatile int producersWaiting;

    Ring(int capacity, long capacityBytes, LongSupplier nanoClock) {
        if (capacity < 1 || capacity > (1 << 30)) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and 2^30 events, was " + capacity);
        }
        int size =
                Integer.highestOneBit(capacity) == capacity
                        ? capacity
                        : Integer.highestOneBit(capacity) << 1;
        this.capacity = capacity;
        this.mask = size - 1;
        this.shift = Integer.numberOfTrailingZeros(size);
        this.capacityBytes = capacityBytes;
        this.nanoClock = nanoClock;
        this.events = new Event[size];
        this.owners = new Object[size];
        this.sizes = new int[size];
        this.stamps = new long[size];
        this.rounds = new int[size];
        Arrays.fill(rounds, -1);
        this.ackEnds = new long[size];
    }

    // ---- producers ------------------------------------------------------------------------------

    /**
     * Claims the next sequence if there is room; any producer thread.
     *
     * @param cache the caller's cached view of {@code released}, refreshed here when stale
     * @return the sequence, {@link #FULL} or {@link #SHUT}
     */
    long tryClaim(MemoryProducer cache, int sizeBytes) {
        if (capacityBytes > 0 && !reserveBytes(sizeBytes)) {
            return (claim.get() & CLOSED) != 0 ? SHUT : FULL;
        }
        for (; ; ) {
            long c = claim.get();
            if ((c & CLOSED) != 0) {
                unreserveBytes(sizeBytes);
                return SHUT;
            }
            if (c - cache.releasedCache >= capacity) {
                cache.releasedCache = released.get();
                if (c - cache.releasedCache >= capacity) {
                    unreserveBytes(sizeBytes);
                    return FULL;
                }
            }
            if (claim.compareAndSet(c, c + 1)) {
                return c;
            }
        }
    }

    private boolean reserveBytes(int sizeBytes) {
        for (; ; ) {
            long r = reservedBytes.get();
            if (r + sizeBytes > capacityBytes && r > 0) {
                return false;
            }
            if (reservedBytes.compareAndSet(r, r + sizeBytes)) {
                return true;
            }
        }
    }

    private void unreserveBytes(int sizeBytes) {
        if (capacityBytes > 0) {
            reservedBytes.getAndAdd(-sizeBytes);
        }
    }

    /** Fills the claimed slot and publishes it to consumers; the claiming producer's thread. */
    void write(long seq, Event event, MemoryProducer owner) {
        int slot = (int) seq & mask;
        events[slot] = event;
        owners[slot] = owner;
        sizes[slot] = event.sizeBytes();
        long now = clockNanos.get();
        stamps[slot] = now != STALE ? now : refreshClock();
        ROUNDS.setRelease(rounds, slot, (int) (seq >>> shift));
        // Ordered after our claim CAS (a full fence): see "Wake-ups" above.
        if (seq >= consumerWakeAt) {
            wakeConsumers();
        }
    }

    private long refreshClock() {
        long now = nanoClock.getAsLong();
        if (clockNanos.compareAndSet(STALE, now)) {
            // The ack thread parked with an empty ring: wake it so it keeps the clock ticking.
            Thread t = ackThread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        return now;
    }

    void wakeConsumers() {
        consumerLock.lock();
        try {
            consumerWakeAt = NO_WAITER;
            notEmpty.signalAll();
        } finally {
            consumerLock.unlock();
        }
    }

    void wakeProducers() {
        producerLock.lock();
        try {
            producersWaiting = 0;
            notFull.signalAll();
        } finally {
            producerLock.unlock();
        }
    }

    // ---- slots ---------------------------------------------------------------------------------

    /**
     * Asks to be woken once {@code seq} is published (keeping a lower request of another waiting
     * consumer); under consumerLock, before the caller re-reads {@code claim} and parks.
     */
    void wakeConsumerAt(long seq) {
        if (seq < consumerWakeAt) {
            consumerWakeAt = seq;
        }
    }

    /**
     * A consumer stopped waiting (woken, timed out, or it found its sequence claimed): when no
     * other consumer is parked, producers need not signal any more. A request left by a consumer
     * still parked stays, so it is woken (perhaps early, never late). Under consumerLock.
     */
    void wakeDone() {
        if (waitingConsumers == 0) {
            consumerWakeAt = NO_WAITER;
        }
    }

    boolean isPublished(long seq) {
        return (int) ROUNDS.getAcquire(rounds, (int) seq & mask) == (int) (seq >>> shift);
    }

    /** The first sequence in {@code [from, from + limit]} that is not yet published. */
    long publishedUpTo(long from, int limit) {
        long end = from + limit;
        long s = from;
        while (s < end && isPublished(s)) {
            s++;
        }
        return s;
    }

    /**
     * Waits, spinning, for a claimed slot to be published; its producer is never blocked by then.
     */
    // a claimed slot is published within a few instructions
    @SuppressWarnings("ThreadPriorityCheck")
    void awaitPublished(long seq) {
        for (int i = 0; !isPublished(seq); i++) {
            if (i < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** True when claimed-but-unpublished or published events exist at or after {@code seq}. */
    boolean claimedBeyond(long seq) {
        return (claim.get() & ~CLOSED) > seq;
    }

    long claimed() {
        return claim.get() & ~CLOSED;
    }

    boolean isClosed() {
        return (claim.get() & CLOSED) != 0;
    }

    // ---- acks ----------------------------------------------------------------------------------

    /**
     * Marks [start, end) acknowledged; any thread, once per batch. A volatile store, for the ack
     * thread's Dekker check.
     */
    void markAcked(long start, long end) {
        ACK_ENDS.setVolatile(ackEnds, (int) start & mask, end);
    }

    /**
     * The end of the acked run starting at {@code seq}, or {@code seq}; clears the mark. Ack thread
     * only.
     */
    long takeAckedRun(long seq) {
        int slot = (int) seq & mask;
        long end = (long) ACK_ENDS.getVolatile(ackEnds, slot);
        if (end > seq) {
            ackEnds[slot] = 0L;
            return end;
        }
        return seq;
    }

    /** True when an acked run starts at {@code seq}. */
    boolean hasAckedRun(long seq) {
        return (long) ACK_ENDS.getVolatile(ackEnds, (int) seq & mask) > seq;
    }
}
