package io.ferry.broker.memory;

import io.ferry.broker.Batch;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;

/**
 * A consumer of a {@link MemoryBroker}: one thread at a time calls {@link #get(int)}, {@link
 * #close()} may be called from any thread. Consumers of one broker take turns on the ring's
 * consumer lock, once per batch.
 */
final class MemoryConsumer implements Consumer {
    /* Design notes
     * get() holds consumerLock while it takes a range, so ranges never overlap (rule 2.2) and a
     * cancel sees a stable `read`. Waiting for events: spin briefly (the producer is usually on the
     * other core), then ask to be woken at the first event's sequence and await notEmpty; see Ring
     * for why re-reading `claim` after that cannot lose a wake-up. While it waits for
     * flush.min_events it asks to be woken at the sequence that completes them, so producers do not
     * signal it per event. The flush wait (minimum events or flush
     * timeout) starts once the first event is there and never exceeds the timeout.
     */
    private static final int SPINS = 256;

    private final MemoryBroker broker;
    private final Ring ring;
    private final int flushMinEvents;
    private final long flushTimeoutNanos;
    private volatile boolean closed;

    MemoryConsumer(MemoryBroker broker) {
        this.broker = broker;
        this.ring = broker.ring;
        this.flushMinEvents = broker.settings.flushMinEvents();
        this.flushTimeoutNanos = broker.settings.flushTimeout().toNanos();
    }

    @Override
    public Batch get(int maxEvents) throws InterruptedException {
        ensureOpen();
        int limit = maxEvents <= 0 ? ring.capacity : Math.min(maxEvents, ring.capacity);
        int want = Math.min(limit, flushMinEvents);
        long deadline = 0;
        ring.consumerLock.lockInterruptibly();
        try {
            for (; ; ) {
                ensureOpen();
                // Re-read on every turn: waiting releases the lock and other consumers move `read`.
                long from = ring.read;
                long end = ring.publishedUpTo(from, limit);
                if (end == from) {
                    awaitFirst(from);
                    continue;
                }
                if (end - from < want && flushTimeoutNanos > 0) {
                    long now = ring.nanoClock.getAsLong();
                    if (deadline == 0) {
                        deadline = now + flushTimeoutNanos;
                    }
                    if (now - deadline < 0) {
                        awaitMore(from + want - 1, deadline - now);
                        continue;
                    }
                }
                MemoryBatch batch = take(from, end);
                if (batch != null) {
                    return batch;
                }
            }
        } finally {
            ring.consumerLock.unlock();
        }
    }

    /**
     * Waits for the event at {@code from}: returns once it is published, or after one wait on
     * notEmpty (the caller then re-reads {@code read}). Under consumerLock.
     */
    private void awaitFirst(long from) throws InterruptedException {
        for (int i = 0; i < SPINS; i++) {
            if (ring.isPublished(from)) {
                return;
            }
            Thread.onSpinWait();
        }
        ring.wakeConsumerAt(from);
        // Read claim (not the slot) after the volatile store: see Ring's wake-up notes. We have
        // held
        // the lock since reading `from`, so a claim beyond it is this very slot, being written.
        if (ring.claimedBeyond(from)) {
            ring.wakeDone();
            ring.awaitPublished(from);
            return;
        }
        park(-1);
    }

    /**
     * Waits up to {@code nanos} for the event at {@code last} (the one that completes
     * flush.min_events) to be published; under consumerLock.
     */
    private void awaitMore(long last, long nanos) throws InterruptedException {
        ring.wakeConsumerAt(last);
        if (ring.claimedBeyond(last)) {
            ring.wakeDone();
            Thread.onSpinWait();
            return;
        }
        park(nanos);
    }

    /** Awaits notEmpty, at most {@code nanos} when {@code >= 0}; under consumerLock. */
    @SuppressWarnings("WaitNotInLoop") // one wait: every caller re-checks its condition in a loop
    private void park(long nanos) throws InterruptedException {
        ring.waitingConsumers++;
        try {
            if (nanos < 0) {
                ring.notEmpty.await();
            } else {
                ring.notEmpty.awaitNanos(nanos);
            }
        } finally {
            // await re-acquires the lock before it returns or throws
            ring.waitingConsumers--;
            ring.wakeDone();
        }
    }

    /**
     * Hands out [from, end) as a batch, skipping tombstones; returns null when every event in it
     * was removed (the range is then released at once). Under consumerLock.
     */
    private MemoryBatch take(long from, long end) {
        ring.read = end;
        if (ring.unreadTombstones == 0) {
            broker.outstandingBatches.incrementAndGet();
            return new MemoryBatch(broker, from, end, null, null);
        }
        int live = 0;
        Event[] copy = new Event[(int) (end - from)];
        long[] seqs = new long[copy.length];
        for (long s = from; s < end; s++) {
            int slot = (int) s & ring.mask;
            if (ring.owners[slot] == Ring.TOMBSTONE) {
                ring.unreadTombstones--;
            } else {
                seqs[live] = s;
                copy[live++] = ring.events[slot];
            }
        }
        if (live == 0) {
            ring.markAcked(from, end);
            broker.ackWake();
            return null;
        }
        broker.outstandingBatches.incrementAndGet();
        boolean whole = live == copy.length;
        return new MemoryBatch(
                broker,
                from,
                end,
                whole ? null : java.util.Arrays.copyOf(copy, live),
                whole ? null : java.util.Arrays.copyOf(seqs, live));
    }

    private void ensureOpen() {
        if (closed) {
            throw new BrokerClosedException("consumer is closed");
        }
        if (broker.isClosed()) {
            throw new BrokerClosedException("memory broker is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ring.wakeConsumers();
    }

    @Override
    public String toString() {
        return "MemoryConsumer{closed=" + closed + "}";
    }
}
