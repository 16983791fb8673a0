package io.ferry.bench.broker;

import io.ferry.broker.Event;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Moves bursts of events from N producer threads to one consumer thread through one hand-off
 * implementation; {@link #runBurst(int)} and {@link #close()} are called by one driver thread (the
 * JMH benchmark thread, or a test), the rest runs on threads the rig owns.
 *
 * <p>A burst ends only when every event of it was consumed and, for the MemoryBroker, acknowledged
 * back to its producer's ack listener: {@link #runBurst(int)} measures end-to-end hand-off, not how
 * fast producers can fill a buffer. Between bursts all rig threads are parked, so nothing is in
 * flight at a JMH iteration boundary. Create one with {@link #start(String, int)}.
 */
abstract class HandoffRig implements AutoCloseable {
    /* Design notes (for maintainers)
     *
     * Threads. N producer threads (bench-producer-i), one consumer thread (bench-consumer), the
     * driver, and whatever the implementation runs itself (MemoryBroker: its ack thread). All rig
     * threads are daemons, so a broken implementation cannot keep a forked JMH JVM alive.
     *
     * A burst. The driver sets perProducer and target (plain volatile writes), then increments
     * burstsStarted (volatile) and unparks the producers: a producer that sees the new burst count
     * also sees perProducer. Each producer publishes perProducer pre-built events and parks again.
     * The one completing thread (the consumer, or the MemoryBroker's ack thread, which calls every
     * ack listener) adds to `completed` and unparks the driver once it reaches the target. Park and
     * unpark keep a permit, so the wake-up cannot be lost; the driver also wakes every 10 ms to
     * check for a failure or the timeout, so a broken implementation fails the burst instead of
     * hanging it.
     *
     * Stop. close() sets `stopping`, asks the implementation to unblock its threads (close the
     * broker, halt the disruptor, interrupt the queue's waiters), then joins every thread. Anything
     * a rig thread throws while not stopping is kept in `failure` and rethrown by the driver.
     */
    /** The capacity of every implementation, in events. */
    static final int CAPACITY_EVENTS = 65_536;

    /** The most events a consumer takes at once. */
    static final int MAX_BATCH = 1024;

    /** The number of distinct pre-built events producers cycle through. */
    static final int DISTINCT_EVENTS = 1024;

    /** How long a burst may take before it is declared hung. */
    static final long BURST_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** The implementations, as the benchmarks' {@code impl} parameter names them. */
    static final String MEMORY = "memory";

    static final String ABQ = "abq";
    static final String DISRUPTOR = "disruptor";
    static final String DISRUPTOR_LITE = "disruptor-lite";
    static final String DISRUPTOR_YIELDING = "disruptor-yielding";

    private static final Event[] EVENTS = BenchEvents.create(DISTINCT_EVENTS);

    final int producers;
    private final Thread[] producerThreads;
    private final Thread consumerThread;

    // Written by the driver only.
    private volatile int perProducer;
    private volatile long target;
    private volatile long burstsStarted;
    private volatile Thread driver;
    private volatile boolean stopping;

    // Written by the completing thread only (consumer, or MemoryBroker's ack thread).
    private volatile long completed;
    // Written by the consumer thread only.
    private volatile long consumed;
    private volatile long batches;
    private volatile long checksum;
    // Written by producers, once per burst each.
    private final AtomicLong published = new AtomicLong();
    // Written by any rig thread that fails.
    private volatile Throwable failure;

    HandoffRig(int producers) {
        if (producers < 1) {
            throw new IllegalArgumentException("producers must be at least 1, was " + producers);
        }
        this.producers = producers;
        this.producerThreads = new Thread[producers];
        for (int i = 0; i < producers; i++) {
            int index = i;
            producerThreads[i] = new Thread(() -> produce(index), "bench-producer-" + i);
            producerThreads[i].setDaemon(true);
        }
        this.consumerThread = new Thread(this::consumeUntilStopped, "bench-consumer");
        consumerThread.setDaemon(true);
    }

    /**
     * A running rig of implementation {@code impl} with {@code producers} producer threads; the
     * driver thread.
     *
     * @throws IllegalArgumentException naming the accepted implementations
     */
    static HandoffRig start(String impl, int producers) {
        HandoffRig rig =
                switch (impl) {
                    case MEMORY -> new MemoryBrokerRig(producers);
                    case ABQ -> new BlockingQueueRig(producers);
                    case DISRUPTOR -> new DisruptorRig(producers, DisruptorRig.Wait.BLOCKING);
                    case DISRUPTOR_LITE ->
                            new DisruptorRig(producers, DisruptorRig.Wait.LITE_BLOCKING);
                    case DISRUPTOR_YIELDING ->
                            new DisruptorRig(producers, DisruptorRig.Wait.YIELDING);
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown implementation '"
                                            + impl
                                            + "'; expected one of "
                                            + String.join(
                                                    ", ",
                                                    MEMORY,
                                                    ABQ,
                                                    DISRUPTOR,
                                                    DISRUPTOR_LITE,
                                                    DISRUPTOR_YIELDING));
                };
        for (Thread t : rig.producerThreads) {
            t.start();
        }
        rig.consumerThread.start();
        return rig;
    }

    // ---- implementation hooks ---------------------------------------------------------------

    /**
     * Hands one event over, waiting while the buffer is full; producer thread {@code producer}.
     *
     * @return false when the implementation was stopped
     */
    abstract boolean publish(int producer, Event event) throws Exception;

    /**
     * Takes batches of at most {@link #MAX_BATCH} events until stopped, reporting each through
     * {@link #consumed(int, long)} (and {@link #completed(long)} where consuming completes an
     * event); the consumer thread. May return or throw once {@link #isStopping()}.
     */
    abstract void consume() throws Exception;

    /** Unblocks every rig thread: producers waiting for room, the consumer waiting for events. */
    abstract void halt();

    /** A short description of the configuration, for messages. */
    abstract String describe();

    // ---- called by the implementations --------------------------------------------------------

    /**
     * The consumer took {@code n} events whose sizes sum to {@code sizeSum}; the consumer thread.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    final void consumed(int n, long sizeSum) {
        batches++;
        checksum += sizeSum;
        // single writer; the volatile write last, so a reader of consumed sees the others
        consumed += n;
    }

    /** {@code n} more events completed their trip; the one completing thread. */
    final void completed(long n) {
        long c = completed + n; // single writer
        completed = c;
        if (c >= target) {
            Thread d = driver;
            if (d != null) {
                LockSupport.unpark(d);
            }
        }
    }

    final boolean isStopping() {
        return stopping;
    }

    /**
     * Interrupts every rig thread, for implementations without a close; the driver, from {@link
     * #halt()}.
     */
    final void interruptThreads() {
        consumerThread.interrupt();
        for (Thread p : producerThreads) {
            p.interrupt();
        }
    }

    /** Fails the current burst with {@code t} unless the rig is stopping; any rig thread. */
    final void fail(Throwable t) {
        if (!stopping && failure == null) {
            failure = t;
            Thread d = driver;
            if (d != null) {
                LockSupport.unpark(d);
            }
        }
    }

    // ---- the driver ----------------------------------------------------------------------------

    /**
     * Has every producer publish {@code eventsPerProducer} events and waits until all of them
     * completed; the driver thread.
     *
     * @return the total events completed since the start
     * @throws IllegalStateException when a rig thread failed or the burst did not complete within
     *     {@link #BURST_TIMEOUT_NANOS}
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer (see the field comments)
    final long runBurst(int eventsPerProducer) {
        if (stopping) {
            throw new IllegalStateException(describe() + " is closed");
        }
        long goal = target + (long) eventsPerProducer * producers;
        driver = Thread.currentThread();
        perProducer = eventsPerProducer;
        target = goal;
        // volatile: publishes perProducer and target to producers
        burstsStarted = burstsStarted + 1;
        for (Thread p : producerThreads) {
            LockSupport.unpark(p);
        }
        long deadline = System.nanoTime() + BURST_TIMEOUT_NANOS;
        // Also wait for the producers' own count: a producer adds its burst to `published` just
        // after its last publish, which can be after that event completed (CI caught this race).
        while (completed < goal || published.get() < goal) {
            Throwable f = failure;
            if (f != null) {
                throw new IllegalStateException(describe() + " failed during a burst: " + f, f);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(
                        String.format(
                                Locale.ROOT,
                                "%s: burst did not complete in %d s: published %d, consumed %d, completed %d of %d",
                                describe(),
                                TimeUnit.NANOSECONDS.toSeconds(BURST_TIMEOUT_NANOS),
                                published.get(),
                                consumed,
                                completed,
                                goal));
            }
            LockSupport.parkNanos(this, 10_000_000L);
        }
        return goal;
    }

    /** Events published so far, counted once per producer per burst. */
    final long published() {
        return published.get();
    }

    /** Events the consumer took so far. */
    final long consumed() {
        return consumed;
    }

    /** Batches the consumer took so far. */
    final long batches() {
        return batches;
    }

    /**
     * Events that completed their trip so far (consumed, and for the MemoryBroker acknowledged).
     */
    final long completed() {
        return completed;
    }

    /** The sum of the consumed events' sizes, so the consumer's reads cannot be optimised away. */
    final long checksum() {
        return checksum;
    }

    /** The size in bytes of every pre-built event (they differ in content, not in size). */
    final int eventSizeBytes() {
        return EVENTS[0].sizeBytes();
    }

    /** True when every rig thread has ended. */
    final boolean threadsEnded() {
        for (Thread t : producerThreads) {
            if (t.isAlive()) {
                return false;
            }
        }
        return !consumerThread.isAlive();
    }

    /**
     * Checks that every published event was consumed and completed, exactly once; the driver,
     * between bursts.
     *
     * @throws IllegalStateException naming the counts that differ
     */
    final void verify() {
        long p = published.get();
        if (p != target || consumed != target || completed != target) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "%s: expected %d events end to end, published %d, consumed %d, completed %d",
                            describe(),
                            target,
                            p,
                            consumed,
                            completed));
        }
    }

    /** Stops and joins every rig thread; the driver. Closing twice is harmless. */
    @Override
    public final void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        halt();
        for (Thread p : producerThreads) {
            LockSupport.unpark(p);
        }
        join(consumerThread);
        for (Thread p : producerThreads) {
            join(p);
        }
    }

    private void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(5));
            if (t.isAlive()) {
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the rig threads -----------------------------------------------------------------------

    private void produce(int index) {
        Event[] events = EVENTS;
        int mask = events.length - 1;
        int next = index * (events.length / producers);
        long seen = 0;
        try {
            for (; ; ) {
                while (burstsStarted == seen) {
                    if (stopping) {
                        return;
                    }
                    LockSupport.park(this);
                }
                seen++;
                int n = perProducer;
                for (int i = 0; i < n; i++) {
                    if (!publish(index, events[next++ & mask])) {
                        if (!stopping) {
                            fail(
                                    new IllegalStateException(
                                            "publish refused while running, producer " + index));
                        }
                        return;
                    }
                }
                if (published.addAndGet(n) >= target) {
                    Thread d = driver;
                    if (d != null) {
                        LockSupport.unpark(d);
                    }
                }
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void consumeUntilStopped() {
        try {
            consume();
            if (!stopping) {
                fail(new IllegalStateException("consumer ended while running"));
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
