package io.ferry.broker.disk;

import io.ferry.broker.Batch;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import java.util.concurrent.TimeUnit;

/**
 * A consumer of a {@link DiskBroker}: one thread at a time calls {@link #get(int)}, {@link
 * #close()} may be called from any thread. Consumers of one broker take turns on the broker's read
 * lock, once per batch.
 */
final class DiskConsumer implements Consumer {
    /* Design notes
     * get() holds the read lock for the whole call: it waits (on the broker lock's notEmpty) for
     * forced events, then reads them with the shared ReadCursor. The flush wait (minimum events or
     * flush timeout) starts once the first event is there and never exceeds the timeout. Waiting
     * for the read lock is a timed tryLock loop checking for close: a consumer closed while another
     * holds the lock returns at once rather than when the other's get ends.
     */
    private static final long READ_LOCK_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final DiskBroker broker;
    private final DiskCore core;
    private final int flushMinEvents;
    private final long flushTimeoutNanos;
    private volatile boolean closed;

    DiskConsumer(DiskBroker broker) {
        this.broker = broker;
        this.core = broker.core;
        this.flushMinEvents = broker.settings.flushMinEvents();
        this.flushTimeoutNanos = broker.settings.flushTimeout().toNanos();
    }

    @Override
    public Batch get(int maxEvents) throws InterruptedException {
        ensureOpen();
        int limit = maxEvents > 0 ? maxEvents : DiskBroker.DEFAULT_BATCH_EVENTS;
        int want = Math.min(limit, flushMinEvents);
        long deadline = 0;
        // Timed, so a close() of this consumer ends the wait for another consumer's turn (rule
        // 2.5).
        while (!broker.readLock.tryLock(READ_LOCK_POLL_NANOS, TimeUnit.NANOSECONDS)) {
            ensureOpen();
        }
        try {
            for (; ; ) {
                long endSeq;
                long endSegmentId;
                long endOffset;
                core.lock.lockInterruptibly();
                try {
                    ensureOpen();
                    long available = core.durableSeq - core.readSeq;
                    if (available <= 0) {
                        core.notEmpty.await();
                        continue;
                    }
                    if (available < want && flushTimeoutNanos > 0) {
                        long now = broker.settings.nanoClock().getAsLong();
                        if (deadline == 0) {
                            deadline = now + flushTimeoutNanos;
                        }
                        if (now - deadline < 0) {
                            core.notEmpty.awaitNanos(deadline - now);
                            continue;
                        }
                    }
                    endSeq = core.durableSeq;
                    endSegmentId = core.durableSegmentId;
                    endOffset = core.durableOffset;
                } finally {
                    core.lock.unlock();
                }
                DiskBatch batch = broker.cursor.read(limit, endSeq, endSegmentId, endOffset);
                if (batch != null) {
                    return batch;
                }
            }
        } finally {
            broker.readLock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new BrokerClosedException("consumer is closed");
        }
        if (broker.core.closed) {
            throw new BrokerClosedException("disk broker is closed");
        }
        broker.checkWriter();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        core.lock.lock();
        try {
            core.notEmpty.signalAll();
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "DiskConsumer{closed=" + closed + "}";
    }
}
