package io.ferry.broker.disk;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.BufferConfig;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A durable broker keeping its events in segment files (type {@code disk}); every public method is
 * safe to call from any thread.
 *
 * <p>Producers append to a bounded write queue; one writer thread per broker writes the queue to
 * the active segment with CRC32C-checked frames, forces a whole group with one fsync, and then acks
 * the producers ({@link BrokerCapability#ACKS_ON_DURABLE_STORE}). Consumers read forced events back
 * from the segments; the acknowledged prefix is persisted in an atomically replaced checkpoint and
 * fully acknowledged segments are deleted. On start the directory is recovered: see {@link
 * #recoveryReport()}. Another process (or broker) using the directory is refused through a file
 * lock. Create one with {@link #create(Eventer, DiskBrokerSettings)} or through the registry as
 * type {@code disk}; the format is in {@code docs/disk-format.md}.
 */
public final class DiskBroker implements Broker {
    /* Design notes
     * Threads. Producers and consumers share DiskCore under its lock, never doing I/O while holding
     * it. The writer thread (Writer) is the only one writing files and the only one calling ack
     * listeners and the eventer, in publish order (rules 1.4, 3.2). Consumers read segments under
     * readLock with the shared ReadCursor.
     *
     * Close. close() marks the core closing under the lock (publishes return false, gets fail),
     * then the writer drains the write queue (write, force, ack), writes a last checkpoint and
     * stops. Events not acknowledged by a consumer stay on disk for the next start (rule 3.3).
     * close() waits for the writer and then releases the directory; called on the writer thread
     * (from an ack listener or the eventer) it returns at once and the writer releases the
     * directory when it stops, so the lock is never given up while the writer still writes.
     *
     * Failure. A write or force error keeps the group in the writer, which truncates the partial
     * write and retries with backoff; producers see backpressure once the buffer fills. Nothing is
     * acked before it is forced. See Writer. Should the writer thread die (an Error, a bug), the
     * broker is marked failed under the lock and waiting producers and consumers are woken: publish,
     * tryPublish and get then throw BrokerClosedException naming the cause instead of hanging.
     */
    static final System.Logger LOG = System.getLogger(DiskBroker.class.getName());
    static final String LOCK_FILE = "ferry.lock";
    static final int DEFAULT_BATCH_EVENTS = 8192;

    final DiskBrokerSettings settings;
    final DiskCore core;
    final ReentrantLock readLock = new ReentrantLock();
    final ReadCursor cursor;
    private final Writer writer;
    private final Thread writerThread;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final RecoveryReport recovery;
    private final Object closeLock = new Object();

    /** Guarded by closeLock: the cursor is closed and the directory lock released. */
    private boolean released;

    private DiskBroker(Eventer eventer, DiskBrokerSettings settings, ChannelFactory channels)
            throws IOException {
        this.settings = settings;
        Path dir = settings.directory();
        boolean created = !Files.isDirectory(dir);
        Files.createDirectories(dir);
        Path parent = dir.toAbsolutePath().getParent();
        if (created && parent != null && settings.fsync() == FsyncMode.ALWAYS) {
            SegmentAppender.forceDirectory(parent); // the new directory's entry survives a crash
        }
        lockChannel =
                FileChannel.open(
                        dir.resolve(LOCK_FILE),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lockChannel.close();
            throw new IllegalStateException(
                    "disk broker directory "
                            + dir
                            + " is already open by another disk broker in "
                            + "this process; close it first",
                    e);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(lockChannel, e);
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException(
                    "disk broker directory "
                            + dir
                            + " is in use by another process (it holds "
                            + dir.resolve(LOCK_FILE)
                            + "); stop it or use another directory");
        }
        fileLock = lock;
        Writer w = null;
        try {
            Recovery.Result r = Recovery.run(dir, channels, settings.nanoClock());
            recovery = r.report();
            core = new DiskCore(settings.capacityBytes(), settings.capacityEvents());
            w = new Writer(this, Objects.requireNonNull(eventer, "eventer"), channels, r);
            writer = w;
            cursor =
                    new ReadCursor(
                            this, channels, r.skipped(), core.headSegmentId, core.headOffset);
            writerThread = settings.threadFactory().newThread(writer);
            writerThread.setDaemon(true);
            writerThread.start();
        } catch (IOException | RuntimeException | Error e) {
            if (w != null) {
                w.closeUnstarted();
            }
            try {
                fileLock.release();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            closeQuietly(lockChannel, e);
            throw e;
        }
        if (!recovery.clean() || recovery.eventsRecovered() > 0 || !recovery.checkpointValid()) {
            LOG.log(System.Logger.Level.INFO, "disk broker opened {0}: {1}", dir, recovery);
        }
    }

    private static void closeQuietly(FileChannel channel, Throwable failure) {
        try {
            channel.close();
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** A running broker with these settings and no eventer. */
    public static DiskBroker create(DiskBrokerSettings settings) {
        return create(Eventer.NONE, settings);
    }

    /**
     * A running broker with these settings, reporting ack totals to {@code eventer}; recovers what
     * the directory holds.
     *
     * @throws IllegalStateException when another process or broker holds the directory
     * @throws UncheckedIOException when the directory cannot be read or written
     */
    public static DiskBroker create(Eventer eventer, DiskBrokerSettings settings) {
        return open(eventer, settings, ChannelFactory.DEFAULT);
    }

    static DiskBroker open(Eventer eventer, DiskBrokerSettings settings, ChannelFactory channels) {
        try {
            return new DiskBroker(eventer, settings, channels);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "disk broker: cannot open " + settings.directory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public BufferConfig bufferConfig() {
        return new BufferConfig(Math.max(0, core.capacityEvents), core.capacityBytes);
    }

    @Override
    public Set<BrokerCapability> capabilities() {
        return EnumSet.of(
                BrokerCapability.ACKS_ON_DURABLE_STORE,
                BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART);
    }

    @Override
    public Producer producer(ProducerConfig config) {
        ensureOpen();
        return new DiskProducer(this, Objects.requireNonNull(config, "config"));
    }

    @Override
    public Consumer consumer() {
        ensureOpen();
        return new DiskConsumer(this);
    }

    private void ensureOpen() {
        if (core.closed) {
            throw new BrokerClosedException("disk broker is closed");
        }
    }

    /** The settings this broker runs with. */
    public DiskBrokerSettings settings() {
        return settings;
    }

    /** What recovery found when this broker opened its directory. */
    public RecoveryReport recoveryReport() {
        return recovery;
    }

    @Override
    public BrokerStats stats() {
        long buffered = core.bufferedEvents;
        long stamp = core.oldestStampNanos;
        long age =
                buffered > 0 && stamp != 0
                        ? Math.max(0, settings.nanoClock().getAsLong() - stamp)
                        : 0;
        return new BrokerStats(
                core.publishedEvents,
                core.ackedEvents,
                core.droppedEvents,
                buffered,
                core.bufferedBytes,
                core.outstandingBatches,
                age);
    }

    /**
     * The disk counters: bytes, events and segments on disk, fsyncs and their latency, recovery.
     */
    public DiskStats diskStats() {
        return writer.stats(core.bufferedEvents, recovery);
    }

    /** Throws when the writer thread died: the broker can neither write nor ack; any thread. */
    void checkWriter() {
        Throwable failure = core.writerFailure;
        if (failure != null) {
            BrokerClosedException e =
                    new BrokerClosedException(
                            "disk broker writer failed ("
                                    + failure
                                    + "); the broker writes nothing more, close it (events acknowledged so far are on disk)");
            e.initCause(failure);
            throw e;
        }
    }

    /**
     * The writer thread died of {@code failure}: wakes every waiting producer and consumer to fail.
     */
    void writerFailed(Throwable failure) {
        core.lock.lock();
        try {
            if (core.writerFailure == null) {
                core.writerFailure = failure;
            }
            core.notFull.signalAll();
            core.notEmpty.signalAll();
        } finally {
            core.lock.unlock();
        }
    }

    // ---- consumers ------------------------------------------------------------------------------

    /** The first segment with an id at or after {@code id}, or null; any thread. */
    Segment segmentAtOrAfter(long id) {
        core.lock.lock();
        try {
            for (Segment s : core.segments) {
                if (s.id >= id) {
                    return s;
                }
            }
            return null;
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * Registers what the cursor read as a batch, minus events a cancel removed meanwhile; under the
     * read lock. Returns null when nothing is left of it.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    DiskBatch handOut(
            Event[] events,
            long[] seqs,
            int[] sizes,
            int n,
            long newReadSeq,
            long endSegmentId,
            long endOffset) {
        core.lock.lock();
        try {
            int live = n;
            boolean wake = false;
            int j = 0;
            DiskCore.Unhanded u;
            while ((u = core.unhanded.peekFirst()) != null && u.seq < newReadSeq) {
                core.unhanded.pollFirst();
                if (u.dropped) {
                    while (j < n && seqs[j] < u.seq) {
                        j++;
                    }
                    if (j < n && seqs[j] == u.seq && events[j] != null) {
                        events[j] = null;
                        sizes[j] = 0;
                        live--;
                    }
                } else {
                    if (u.owner.ackListener != null) {
                        core.handedAcks.add(u.owner);
                    }
                    core.handedEventerCount++;
                    wake = true;
                }
            }
            long liveBytes = 0;
            if (live != n) {
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (events[i] != null) {
                        events[k] = events[i];
                        seqs[k] = seqs[i];
                        liveBytes += sizes[i];
                        k++;
                    }
                }
            } else {
                for (int i = 0; i < n; i++) {
                    liveBytes += sizes[i];
                }
            }
            long startSeq = core.readSeq;
            core.readSeq = newReadSeq;
            DiskBatch batch =
                    new DiskBatch(
                            this,
                            events,
                            seqs,
                            live,
                            startSeq,
                            newReadSeq,
                            endSegmentId,
                            endOffset,
                            liveBytes);
            core.outstanding.addLast(batch);
            if (wake) {
                core.wakeWriter();
            }
            if (live == 0) {
                batch.ackedUnderLock = true;
                core.advanceHead();
                return null;
            }
            core.outstandingBatches = core.outstandingBatches + 1;
            return batch;
        } finally {
            core.lock.unlock();
        }
    }

    /** A consumer acknowledged {@code batch}; any thread, never waits for I/O. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // written under core.lock, read without it
    void ack(DiskBatch batch) {
        core.lock.lock();
        try {
            if (core.closed) {
                return; // ignored after close: the events stay on disk for the next start
            }
            batch.ackedUnderLock = true;
            core.outstandingBatches = core.outstandingBatches - 1;
            core.advanceHead();
        } finally {
            core.lock.unlock();
        }
    }

    // ---- close ----------------------------------------------------------------------------------

    @Override
    public void close() {
        core.lock.lock();
        try {
            if (!core.closing) {
                core.closing = true;
                core.closed = true;
                core.notFull.signalAll();
                core.notEmpty.signalAll();
                core.writerWake.signalAll();
            }
        } finally {
            core.lock.unlock();
        }
        if (Thread.currentThread() == writerThread) {
            // From an ack listener or the eventer: the writer drains once this returns and then
            // releases the directory itself (releaseDirectory in Writer.run), never before.
            return;
        }
        boolean interrupted = false;
        for (; ; ) {
            try {
                writerThread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        releaseDirectory();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the read cursor and releases the directory lock, once; after the writer stopped. */
    void releaseDirectory() {
        synchronized (closeLock) {
            if (released) {
                return;
            }
            released = true;
            readLock.lock();
            try {
                cursor.close();
            } finally {
                readLock.unlock();
            }
            try {
                fileLock.release();
                lockChannel.close();
            } catch (IOException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "disk broker: releasing the directory lock failed",
                        e);
            }
        }
    }

    @Override
    public String toString() {
        return "DiskBroker{"
                + settings.directory()
                + ", capacity="
                + core.capacityBytes
                + " bytes"
                + (core.capacityEvents > 0 ? ", " + core.capacityEvents + " events" : "")
                + "}";
    }
}
