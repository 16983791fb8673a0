package io.ferry.broker.memory;

import io.ferry.broker.Eventer;
import java.util.concurrent.locks.LockSupport;

/**
 * The ack duty cycle of a {@link MemoryBroker}: releases the contiguous acknowledged prefix of the
 * ring and tells the {@link Eventer} and the producers. {@link #doWork()} is called only by the
 * broker's one ack thread ({@link #run()}); {@link #wake()} and {@link #stop()} by any thread.
 */
final class AckLoop implements Runnable {
    /* Design notes
     * Single writer of ring.released, of the producers' pendingAcks, and of ackedEvents. All ack
     * callbacks therefore run on this one thread, in publish order (rules 1.4, 3.2): per round the
     * eventer first gets the total, then each producer met in the round gets its count, then the
     * space is released (after the callbacks, so a producer never holds more than `capacity` events
     * it has not been told about).
     *
     * Parking. Before parking, `waiting` is set (volatile) and the next ack mark re-read; Batch.ack
     * stores its mark (volatile) and then reads `waiting`: no lost wake-up. While events are
     * buffered the thread parks at most one clock tick, keeping the coarse clock fresh; when the
     * ring is empty it marks the clock STALE and parks until woken.
     */
    private final Ring ring;
    private final Eventer eventer;
    private final long tickNanos;
    private volatile boolean waiting;
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile long ackedEvents;

    // Ack thread only: producers with acks counted in this round, in first-seen order.
    private MemoryProducer[] touched = new MemoryProducer[8];

    AckLoop(Ring ring, Eventer eventer, long tickNanos) {
        this.ring = ring;
        this.eventer = eventer;
        this.tickNanos = tickNanos;
    }

    long ackedEvents() {
        return ackedEvents;
    }

    /** The released cursor; exact once the thread has stopped. */
    long releasedPosition() {
        return ring.released.get();
    }

    /** Called by Batch.ack after storing its mark. */
    void wake() {
        if (waiting) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        ring.ackThread = thread;
        while (!stopped) {
            ring.clockNanos.setRelease(ring.nanoClock.getAsLong());
            if (doWork() > 0) {
                continue;
            }
            idle();
        }
    }

    private void idle() {
        waiting = true;
        if (!ring.hasAckedRun(ring.released.get()) && !stopped) {
            if (ring.claimed() == ring.released.get()) {
                // Empty: let the clock go stale; a producer refreshes it and the next ack wakes us.
                ring.clockNanos.setVolatile(Ring.STALE);
                if (ring.claimed() == ring.released.get()) {
                    LockSupport.park(this);
                }
            } else {
                LockSupport.parkNanos(this, tickNanos);
            }
        }
        waiting = false;
    }

    /** Adds a run of acks to its producer, remembering producers in first-seen order. */
    private int addRun(MemoryProducer p, int run, int touchedCount) {
        if (p == null || p.ackListener == null) {
            return touchedCount;
        }
        if (p.pendingAcks == 0) {
            if (touchedCount == touched.length) {
                touched = java.util.Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = p;
        }
        p.pendingAcks += run;
        return touchedCount;
    }

    /**
     * Releases every acknowledged run at the head of the ring; ack thread only.
     *
     * @return the number of sequences released (acked or tombstoned)
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    int doWork() {
        long start = ring.released.get();
        long end = start;
        for (long next = ring.takeAckedRun(end); next != end; next = ring.takeAckedRun(end)) {
            end = next;
        }
        if (end == start) {
            return 0;
        }
        int mask = ring.mask;
        int acked = 0;
        int touchedCount = 0;
        // Count runs of one owner locally and add each run to its producer once: writing the
        // producer object per event would bounce its cache line (it holds the publisher's state).
        MemoryProducer runOwner = null;
        int run = 0;
        for (long s = start; s < end; s++) {
            int slot = (int) s & mask;
            Object owner = ring.owners[slot];
            ring.owners[slot] = null;
            ring.events[slot] = null;
            if (owner == Ring.TOMBSTONE) {
                continue;
            }
            acked++;
            if (owner != runOwner) {
                touchedCount = addRun(runOwner, run, touchedCount);
                runOwner = (MemoryProducer) owner;
                run = 0;
            }
            run++;
        }
        touchedCount = addRun(runOwner, run, touchedCount);
        if (ring.capacityBytes > 0) {
            long bytes = 0;
            for (long s = start; s < end; s++) {
                bytes += ring.sizes[(int) s & mask];
            }
            ring.reservedBytes.getAndAdd(-bytes);
        }
        if (acked > 0) {
            ackedEvents += acked;
            try {
                eventer.onAck(acked);
            } catch (RuntimeException e) {
                MemoryBroker.LOG.log(
                        System.Logger.Level.WARNING, "eventer failed in onAck; acks go on", e);
            }
        }
        for (int i = 0; i < touchedCount; i++) {
            MemoryProducer p = touched[i];
            touched[i] = null;
            int n = p.pendingAcks;
            p.pendingAcks = 0;
            try {
                p.ackListener.onAck(n);
            } catch (RuntimeException e) {
                MemoryBroker.LOG.log(
                        System.Logger.Level.WARNING, "producer ack listener failed; acks go on", e);
            }
        }
        // Volatile store, then read producersWaiting: the Dekker pair of MemoryProducer.awaitClaim.
        ring.released.setVolatile(end);
        if (ring.producersWaiting != 0) {
            ring.wakeProducers();
        }
        return (int) (end - start);
    }
}
