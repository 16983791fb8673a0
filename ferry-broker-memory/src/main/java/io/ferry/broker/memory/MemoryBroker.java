package io.ferry.broker.memory;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.BufferConfig;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory broker bounded by events and optionally by bytes (type {@code memory}); every public
 * method is safe to call from any thread.
 *
 * <p>Producers claim slots of a ring with one CAS each, consumers take contiguous ranges of it as
 * zero-copy batches, and one ack thread per broker releases the acknowledged prefix in publish
 * order and calls the {@link Eventer} and the producers' ack listeners. Create one with {@link
 * #create(MemoryBrokerSettings)} or through the registry as type {@code memory}.
 */
public final class MemoryBroker implements Broker {
    /* Design notes
     * State lives in Ring (see its notes for the cursors and the wake-up protocol). This class owns
     * the life cycle: the ack thread (AckLoop), removal of events on cancel, and close.
     *
     * Close. close() sets the CLOSED bit on `claim` with one atomic OR: a producer's claim either
     * happened before (its event is in [released, claim) and is dropped here) or fails. The ack
     * thread is stopped and joined, then every unreleased, non-tombstoned event is reported to its
     * producer's drop listener, on the closing thread. Later acks are ignored.
     *
     * Failure. Listener exceptions are logged and swallowed so one bad listener cannot stop the
     * ack thread; the ack thread never dies with events pending.
     */
    static final System.Logger LOG = System.getLogger(MemoryBroker.class.getName());

    final Ring ring;
    final MemoryBrokerSettings settings;
    private final AckLoop ackLoop;
    private final Thread ackThread;
    private final AtomicLong dropped = new AtomicLong();
    final AtomicLong outstandingBatches = new AtomicLong();
    private final Object closeLock = new Object();
    private volatile boolean closed;

    private MemoryBroker(Eventer eventer, MemoryBrokerSettings settings) {
        this.settings = settings;
        this.ring =
                new Ring(settings.capacityEvents(), settings.capacityBytes(), settings.nanoClock());
        this.ackLoop =
                new AckLoop(
                        ring,
                        Objects.requireNonNull(eventer, "eventer"),
                        settings.clockTickNanos());
        this.ackThread = settings.threadFactory().newThread(ackLoop);
        ackThread.setDaemon(true);
        ackThread.start();
    }

    /** A running broker with these settings and no eventer. */
    public static MemoryBroker create(MemoryBrokerSettings settings) {
        return new MemoryBroker(Eventer.NONE, settings);
    }

    /** A running broker with these settings, reporting ack totals to {@code eventer}. */
    public static MemoryBroker create(Eventer eventer, MemoryBrokerSettings settings) {
        return new MemoryBroker(eventer, settings);
    }

    @Override
    public BufferConfig bufferConfig() {
        return new BufferConfig(ring.capacity, ring.capacityBytes);
    }

    @Override
    public Producer producer(ProducerConfig config) {
        ensureOpen();
        return new MemoryProducer(this, Objects.requireNonNull(config, "config"));
    }

    @Override
    public Consumer consumer() {
        ensureOpen();
        return new MemoryConsumer(this);
    }

    private void ensureOpen() {
        if (closed) {
            throw new BrokerClosedException("memory broker is closed");
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Wakes the ack thread after an ack mark was stored. */
    void ackWake() {
        ackLoop.wake();
    }

    @Override
    public BrokerStats stats() {
        // claimed first: released only grows, so a later read of it can only make the difference
        // smaller. Read the other way round, a consumer releasing and a producer claiming between
        // the two reads made it larger than capacity, a state the ring never is in (the stress
        // conformance case's sampler saw it once in CI).
        long claimed = ring.claimed();
        long released = ring.released.get();
        // After close every unreleased event was reported dropped: nothing is buffered any more.
        long buffered = closed ? 0 : Math.max(0, claimed - released);
        long bytes = 0;
        long age = 0;
        if (buffered > 0) {
            if (ring.capacityBytes > 0) {
                bytes = ring.reservedBytes.get();
            } else {
                // No byte bound: producers keep no shared byte counter; sum the slots instead
                // (O(buffered)).
                for (long s = released; s < claimed; s++) {
                    bytes += ring.sizes[(int) s & ring.mask];
                }
            }
            long stamp = ring.stamps[(int) released & ring.mask];
            long now = ring.nanoClock.getAsLong();
            age = ring.isPublished(released) ? Math.max(0, now - stamp) : 0;
        }
        return new BrokerStats(
                claimed,
                ackLoop.ackedEvents(),
                dropped.get(),
                buffered,
                bytes,
                outstandingBatches.get(),
                age);
    }

    /** The settings this broker runs with. */
    public MemoryBrokerSettings settings() {
        return settings;
    }

    // ---- removal -------------------------------------------------------------------------------

    /** Removes {@code owner}'s events not yet handed out; returns how many. Any thread. */
    int dropUnread(MemoryProducer owner) {
        List<Event> removed = new ArrayList<>();
        LongList removedSeqs = new LongList();
        ring.consumerLock.lock();
        try {
            if (closed) {
                return 0; // close drops (and reports) everything itself
            }
            long end = ring.claimed();
            for (long s = ring.read; s < end; s++) {
                ring.awaitPublished(s);
                tombstone(s, owner, removed, removedSeqs);
            }
        } finally {
            ring.consumerLock.unlock();
        }
        report(owner, removed, removedSeqs);
        return removed.size();
    }

    /**
     * Removes one just-published event of a cancelled producer unless a consumer took it or it is
     * gone.
     */
    void dropIfUnread(long seq, MemoryProducer owner) {
        Event removed;
        ring.consumerLock.lock();
        try {
            if (closed || seq < ring.read) {
                return;
            }
            int slot = (int) seq & ring.mask;
            if (ring.owners[slot] != owner) {
                return;
            }
            removed = ring.events[slot];
            ring.owners[slot] = Ring.TOMBSTONE;
            ring.unreadTombstones++;
        } finally {
            ring.consumerLock.unlock();
        }
        dropped.incrementAndGet();
        owner.reportDrop(removed, seq);
    }

    /** Under consumerLock. */
    private void tombstone(
            long seq, MemoryProducer owner, List<Event> removed, LongList removedSeqs) {
        int slot = (int) seq & ring.mask;
        if (ring.owners[slot] == owner) {
            removed.add(ring.events[slot]);
            removedSeqs.add(seq);
            ring.owners[slot] = Ring.TOMBSTONE;
            ring.unreadTombstones++;
        }
    }

    private void report(MemoryProducer owner, List<Event> removed, LongList removedSeqs) {
        dropped.addAndGet(removed.size());
        for (int i = 0; i < removed.size(); i++) {
            owner.reportDrop(removed.get(i), removedSeqs.get(i));
        }
    }

    /** A growable list of primitive longs; confined to the thread that made it. */
    private static final class LongList {
        private long[] values = new long[8];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long get(int i) {
            return values[i];
        }
    }

    // ---- close ---------------------------------------------------------------------------------

    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            long end = ring.claim.getAndBitwiseOr(Ring.CLOSED) & ~Ring.CLOSED;
            ring.wakeProducers();
            ring.wakeConsumers();
            ackLoop.stop();
            if (Thread.currentThread() != ackThread) {
                boolean interrupted = false;
                for (; ; ) {
                    try {
                        ackThread.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            dropAll(ackLoop.releasedPosition(), end);
        }
    }

    /**
     * Reports every unreleased event in [from, end) as dropped; the closing thread, ack thread
     * stopped.
     */
    private void dropAll(long from, long end) {
        long count = 0;
        ring.consumerLock.lock();
        try {
            for (long s = from; s < end; s++) {
                ring.awaitPublished(s);
                int slot = (int) s & ring.mask;
                Object owner = ring.owners[slot];
                if (owner != Ring.TOMBSTONE) {
                    count++;
                    ((MemoryProducer) owner).reportDrop(ring.events[slot], s);
                }
                ring.owners[slot] = Ring.TOMBSTONE;
                ring.events[slot] = null;
            }
        } finally {
            ring.consumerLock.unlock();
        }
        dropped.addAndGet(count);
        if (count > 0) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "memory broker closed with {0} events not acknowledged; reported them as dropped",
                    count);
        }
    }

    @Override
    public String toString() {
        return "MemoryBroker{capacity="
                + ring.capacity
                + " events"
                + (ring.capacityBytes > 0 ? ", " + ring.capacityBytes + " bytes" : "")
                + "}";
    }
}
