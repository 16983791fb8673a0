package io.ferry.broker.disk;

import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The writer duty cycle of a {@link DiskBroker}: takes the write queue, appends it to the active
 * segment, forces it with one fsync per group, publishes it to consumers, acks producers, and
 * persists the read position. {@link #doWork()} is called only by the broker's one writer thread
 * ({@link #run()}); {@link #stats} by any thread.
 */
final class Writer implements Runnable {
    /* Design notes
     * Group commit. Producers keep appending to the write queue while the writer forces the previous
     * group, so under load each fsync covers everything that arrived during the last one (bounded by
     * fsync.max_events; fsync.interval adds a deliberate wait). The file work is SegmentAppender's.
     *
     * Order of effects for a group: frames written, forced, then (under the lock) durableSeq and the
     * durable end move and consumers are woken, then the eventer and the producers' listeners are
     * called on this thread, in publish order. So an ack always follows the force, and a consumer
     * never sees unforced data: the checkpoint, which follows consumer acks, can never point past
     * the forced data.
     *
     * Failure. An IOException while writing or forcing a group leaves the group here: the segment
     * is truncated back to where the group started (segments created for it are deleted), and the
     * same group is retried after a backoff (10 ms doubling to 1 s). Nothing of it is acked
     * meanwhile; producers fill the buffer and then block (publish) or get false (tryPublish). When
     * the broker closes while the group still fails, its events and all still queued behind it are
     * reported to the drop listeners (never a later group after a dropped one: no sequence gap).
     * Before each retry the acknowledged prefix is checkpointed and the segments it frees deleted:
     * a disk filled by the broker's own segments recovers once consumers acknowledge.
     *
     * Checkpoint. Written as checkpoint.tmp, forced, renamed over checkpoint (atomic), directory
     * forced; at most once per checkpoint.interval, and always at close. Afterwards segments wholly
     * before the checkpoint are deleted.
     */
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int CLOSE_ATTEMPTS = 3;

    private final DiskBroker broker;
    private final DiskCore core;
    private final Eventer eventer;
    private final ChannelFactory channels;
    private final boolean force;
    private final SegmentAppender appender;
    private final Path dir;
    private final int maxGroupEvents;
    private final long lingerNanos;
    private final long checkpointIntervalNanos;
    private final LongSupplier clock;

    // ---- writer thread only ---------------------------------------------------------------------
    private Event[] groupEvents = new Event[1024];
    private DiskProducer[] groupOwners = new DiskProducer[1024];
    private int groupSize;
    private long groupFirstSeq;
    private final List<long[]> groupSkips = new ArrayList<>();
    private final List<DiskProducer> groupHanded = new ArrayList<>();
    private int groupHandedEventer;
    private boolean retrying;

    /** A group was given up while closing: nothing more is retried. */
    private boolean gaveUp;

    private int failedAttempts;
    private long backoffNanos = MIN_BACKOFF_NANOS;
    private CheckpointDescriptor.Position pendingCheckpoint;
    private long lastCheckpointNanos;
    private DiskProducer[] touched = new DiskProducer[8];

    // ---- written by the writer thread, read by stats() ------------------------------------------
    private volatile long fsyncedEvents;
    private volatile long checkpoints;
    private volatile long checkpointSeq;
    private volatile long writeErrors;
    private volatile String lastWriteError;

    /** Sets up the core from recovery and creates the active segment; on the opening thread. */
    Writer(DiskBroker broker, Eventer eventer, ChannelFactory channels, Recovery.Result r)
            throws IOException {
        this.broker = broker;
        this.core = broker.core;
        this.eventer = eventer;
        this.channels = channels;
        DiskBrokerSettings s = broker.settings;
        this.dir = s.directory();
        this.force = s.fsync() == FsyncMode.ALWAYS;
        this.maxGroupEvents = s.groupCommitMaxEvents();
        this.lingerNanos = s.groupCommitInterval().toNanos();
        this.checkpointIntervalNanos = s.checkpointInterval().toNanos();
        this.clock = s.nanoClock();
        long bytes = 0;
        for (Segment seg : r.segments()) {
            core.segments.addLast(seg);
            bytes += seg.endOffset;
        }
        this.appender = new SegmentAppender(core, channels, s, bytes);
        core.nextSeq = r.nextSeq();
        core.writeSeq = r.nextSeq();
        core.durableSeq = r.nextSeq();
        core.bufferedEvents = r.events();
        core.bufferedBytes = r.bytes();
        core.readSeq = r.readSeq();
        core.headSeq = r.readSeq();
        long now = clock.getAsLong();
        if (r.events() > 0) {
            core.stamps.add(new long[] {r.readSeq(), now});
            core.oldestStampNanos = now;
        }
        appender.roll(r.nextSegmentId(), r.nextSeq());
        try {
            start(r);
        } catch (IOException | RuntimeException | Error e) {
            appender.closeChannel();
            throw e;
        }
        lastCheckpointNanos = now;
    }

    private void start(Recovery.Result r) throws IOException {
        core.durableSegmentId = appender.active().id;
        core.durableOffset = appender.offset();
        if (r.readSegmentId() >= 0) {
            core.headSegmentId = r.readSegmentId();
            core.headOffset = r.readOffset();
        } else {
            core.headSegmentId = appender.active().id;
            core.headOffset = appender.offset();
        }
        checkpointSeq = core.headSeq;
        writeCheckpoint(
                new CheckpointDescriptor.Position(
                        core.headSegmentId, core.headOffset, core.headSeq));
    }

    /** Closes the active segment of a writer whose thread never started (a failed start). */
    void closeUnstarted() {
        appender.closeChannel();
    }

    @Override
    public void run() {
        try {
            while (doWork() >= 0) {
                // each round is one group
            }
        } catch (RuntimeException | Error e) {
            try {
                broker.writerFailed(e);
            } finally {
                DiskBroker.LOG.log(
                        System.Logger.Level.ERROR,
                        "disk broker writer failed; the broker stops writing",
                        e);
            }
            throw e;
        } finally {
            appender.closeChannel();
            if (closingUnderLock()) {
                broker.releaseDirectory();
            }
        }
    }

    private boolean closingUnderLock() {
        core.lock.lock();
        try {
            return core.closing;
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * One round: waits for work, writes and forces one group, acks it, and checkpoints when due.
     *
     * @return the number of events made durable, or -1 once the broker is closed and drained
     */
    int doWork() {
        if (retrying) {
            checkpointWhileRetrying();
        } else if (!take()) {
            return -1;
        }
        int n = groupSize;
        if (n > 0 || !groupSkips.isEmpty()) {
            boolean written = false;
            try {
                appender.writeGroup(groupEvents, groupSize, groupFirstSeq, groupSkips);
                written = true;
            } catch (IOException e) {
                if (!onWriteError(e)) {
                    return 0;
                }
                n = 0; // given up: its events are dropped; handed-out events are still acked below
            }
            if (written) {
                retrying = false;
                failedAttempts = 0;
                backoffNanos = MIN_BACKOFF_NANOS;
                publishDurable();
            }
        }
        fireAcks();
        clearGroup();
        maybeCheckpoint();
        return n;
    }

    // ---- taking work ----------------------------------------------------------------------------

    /** Waits for work and takes it; false when closing with nothing left to do. */
    private boolean take() {
        core.lock.lock();
        try {
            for (; ; ) {
                if (core.headDirty) {
                    core.headDirty = false;
                    pendingCheckpoint =
                            new CheckpointDescriptor.Position(
                                    core.headSegmentId, core.headOffset, core.headSeq);
                }
                boolean work =
                        core.queueSize > 0
                                || !core.skips.isEmpty()
                                || !core.handedAcks.isEmpty()
                                || core.handedEventerCount > 0;
                long checkpointWait = checkpointWaitNanos();
                if (work || checkpointWait == 0) {
                    break;
                }
                if (core.closing) {
                    return false;
                }
                core.writerWaiting = true;
                if (checkpointWait > 0) {
                    core.writerWake.awaitNanos(checkpointWait);
                } else {
                    core.writerWake.await();
                }
            }
            core.writerWaiting = false;
            if (lingerNanos > 0 && core.queueSize > 0) {
                long deadline = clock.getAsLong() + lingerNanos;
                long left;
                while (core.queueSize < maxGroupEvents
                        && !core.closing
                        && (left = deadline - clock.getAsLong()) > 0) {
                    core.writerWake.awaitNanos(left);
                }
            }
            takeQueue();
            takeSkips();
            groupHanded.addAll(core.handedAcks);
            core.handedAcks.clear();
            groupHandedEventer = core.handedEventerCount;
            core.handedEventerCount = 0;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("disk broker writer interrupted", e);
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * Before retrying a failed group: persists what consumers acknowledged meanwhile and deletes
     * the segments it frees. When the broker's own segments filled the disk, that is what makes
     * room.
     */
    private void checkpointWhileRetrying() {
        core.lock.lock();
        try {
            if (core.headDirty) {
                core.headDirty = false;
                pendingCheckpoint =
                        new CheckpointDescriptor.Position(
                                core.headSegmentId, core.headOffset, core.headSeq);
            }
        } finally {
            core.lock.unlock();
        }
        maybeCheckpoint();
    }

    /** Nanos until a pending checkpoint is due: 0 due now, -1 none pending; under lock. */
    private long checkpointWaitNanos() {
        if (pendingCheckpoint == null) {
            return -1;
        }
        if (core.closing) {
            return 0;
        }
        long wait = lastCheckpointNanos + checkpointIntervalNanos - clock.getAsLong();
        return Math.max(0, wait);
    }

    /** Moves up to maxGroupEvents from the write queue into the group; under lock. */
    private void takeQueue() {
        int n = Math.min(core.queueSize, maxGroupEvents);
        groupFirstSeq = core.writeSeq;
        groupSize = n;
        if (n == 0) {
            return;
        }
        if (n == core.queueSize) {
            Event[] e = core.queueEvents;
            DiskProducer[] o = core.queueOwners;
            core.queueEvents = groupEvents.length >= e.length ? groupEvents : new Event[e.length];
            core.queueOwners =
                    groupOwners.length >= o.length ? groupOwners : new DiskProducer[o.length];
            groupEvents = e;
            groupOwners = o;
        } else {
            if (groupEvents.length < n) {
                groupEvents = new Event[n];
                groupOwners = new DiskProducer[n];
            }
            System.arraycopy(core.queueEvents, 0, groupEvents, 0, n);
            System.arraycopy(core.queueOwners, 0, groupOwners, 0, n);
            int rest = core.queueSize - n;
            System.arraycopy(core.queueEvents, n, core.queueEvents, 0, rest);
            System.arraycopy(core.queueOwners, n, core.queueOwners, 0, rest);
            Arrays.fill(core.queueEvents, rest, core.queueSize, null);
            Arrays.fill(core.queueOwners, rest, core.queueSize, null);
        }
        core.queueSize -= n;
        core.writeSeq += n;
        core.stamps.addLast(new long[] {groupFirstSeq, clock.getAsLong()});
        if (core.stamps.size() == 1) {
            core.oldestStampNanos = core.stamps.peekFirst()[1];
        }
    }

    /**
     * Moves the skips of events already taken (sequence below writeSeq) into the group; under lock.
     * A skip of an event still queued stays: its frame must follow the event's frame, or a crash
     * before the event's group would leave a skip naming a sequence recovery hands out again.
     */
    private void takeSkips() {
        List<long[]> skips = core.skips;
        int kept = 0;
        for (int i = 0; i < skips.size(); i++) {
            long[] skip = skips.get(i);
            if (skip[0] < core.writeSeq) {
                groupSkips.add(skip);
            } else {
                skips.set(kept++, skip);
            }
        }
        skips.subList(kept, skips.size()).clear();
    }

    private void clearGroup() {
        Arrays.fill(groupEvents, 0, groupSize, null);
        Arrays.fill(groupOwners, 0, groupSize, null);
        groupSize = 0;
        groupSkips.clear();
        groupHanded.clear();
        groupHandedEventer = 0;
    }

    // ---- writing --------------------------------------------------------------------------------

    /** A group failed: backs off for a retry; true when closing made it give the group up. */
    // single writer: the writer thread; the wait is a backoff (waking early only retries sooner)
    @SuppressWarnings({"NonAtomicVolatileUpdate", "WaitNotInLoop"})
    private boolean onWriteError(IOException e) {
        writeErrors = writeErrors + 1;
        lastWriteError = e.toString();
        failedAttempts++;
        retrying = true;
        if (failedAttempts == 1) {
            DiskBroker.LOG.log(
                    System.Logger.Level.WARNING,
                    "disk broker: writing "
                            + groupSize
                            + " events to "
                            + dir
                            + " failed ("
                            + e.getMessage()
                            + "); holding them and retrying, producers wait when the buffer fills");
        }
        core.lock.lock();
        try {
            if (core.closing && failedAttempts >= CLOSE_ATTEMPTS) {
                giveUp();
                return true;
            }
            if (!core.closing) {
                core.writerWake.awaitNanos(backoffNanos);
                backoffNanos = Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } finally {
            core.lock.unlock();
        }
        return false;
    }

    /**
     * Closing while the disk keeps failing: the group's events and every event still queued behind
     * it are dropped and reported (a later group written after a dropped one would leave a sequence
     * gap, which recovery takes for corruption). Skips of events already written are kept for one
     * more attempt, handed-out events are still acked; events a cancel removed were reported by it.
     * Under lock; releases it while calling the drop listeners.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    private void giveUp() {
        retrying = false;
        long firstUnwritten = groupFirstSeq;
        Set<Long> cancelled = new HashSet<>();
        for (long[] skip : groupSkips) {
            cancelled.add(skip[0]);
        }
        for (long[] skip : core.skips) {
            cancelled.add(skip[0]);
        }
        List<Event> events = new ArrayList<>();
        List<DiskProducer> owners = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < groupSize; i++) {
            if (!cancelled.contains(groupFirstSeq + i)) {
                events.add(groupEvents[i]);
                owners.add(groupOwners[i]);
                seqs.add(groupFirstSeq + i);
                bytes += groupEvents[i].sizeBytes();
            }
        }
        for (int i = 0; i < core.queueSize; i++) {
            if (!cancelled.contains(core.writeSeq + i)) {
                events.add(core.queueEvents[i]);
                owners.add(core.queueOwners[i]);
                seqs.add(core.writeSeq + i);
                bytes += core.queueEvents[i].sizeBytes();
            }
        }
        Arrays.fill(core.queueEvents, 0, core.queueSize, null);
        Arrays.fill(core.queueOwners, 0, core.queueSize, null);
        core.queueSize = 0;
        core.writeSeq = core.nextSeq;
        DiskBroker.LOG.log(
                System.Logger.Level.ERROR,
                "disk broker closing with {0} events it could not write to {1} ({2}); "
                        + "reporting them as dropped",
                events.size(),
                dir,
                lastWriteError);
        core.droppedEvents = core.droppedEvents + events.size();
        core.release(events.size(), bytes);
        Arrays.fill(groupEvents, 0, groupSize, null);
        Arrays.fill(groupOwners, 0, groupSize, null);
        groupSize = 0;
        // Skips of dropped events name nothing written; those of written events get one more try.
        core.skips.removeIf(skip -> skip[0] >= firstUnwritten);
        groupSkips.removeIf(skip -> skip[0] >= firstUnwritten);
        if (!gaveUp) {
            core.skips.addAll(0, groupSkips);
        } else if (!groupSkips.isEmpty() || !core.skips.isEmpty()) {
            DiskBroker.LOG.log(
                    System.Logger.Level.ERROR,
                    "disk broker: cannot write the skips of {0} cancelled events to {1}; "
                            + "they may be delivered again after a restart",
                    groupSkips.size() + core.skips.size(),
                    dir);
            core.skips.clear();
        }
        groupSkips.clear();
        gaveUp = true;
        core.lock.unlock();
        try {
            for (int i = 0; i < events.size(); i++) {
                owners.get(i).reportDrop(events.get(i), seqs.get(i));
            }
        } finally {
            core.lock.lock();
        }
    }

    /** The group is forced: consumers may read it. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    private void publishDurable() {
        core.lock.lock();
        try {
            core.durableSeq = groupFirstSeq + groupSize;
            core.durableSegmentId = appender.active().id;
            core.durableOffset = appender.offset();
            appender.active().endOffset = appender.offset();
            core.notEmpty.signalAll();
        } finally {
            core.lock.unlock();
        }
        fsyncedEvents = fsyncedEvents + groupSize;
    }

    // ---- acks -----------------------------------------------------------------------------------

    private int addRun(DiskProducer p, int run, int touchedCount) {
        if (p == null || p.ackListener == null || run == 0) {
            return touchedCount;
        }
        if (p.pendingAcks == 0) {
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = p;
        }
        p.pendingAcks += run;
        return touchedCount;
    }

    /** Tells the eventer, then each producer, of the events acked in this round; publish order. */
    private void fireAcks() {
        int total = groupHandedEventer;
        int touchedCount = 0;
        DiskProducer runOwner = null;
        int run = 0;
        for (int i = 0; i < groupSize; i++) {
            DiskProducer p = groupOwners[i];
            if (p.dropOnCancel) {
                continue; // acked when handed out
            }
            total++;
            if (p != runOwner) {
                touchedCount = addRun(runOwner, run, touchedCount);
                runOwner = p;
                run = 0;
            }
            run++;
        }
        touchedCount = addRun(runOwner, run, touchedCount);
        runOwner = null;
        run = 0;
        for (DiskProducer p : groupHanded) {
            if (p != runOwner) {
                touchedCount = addRun(runOwner, run, touchedCount);
                runOwner = p;
                run = 0;
            }
            run++;
        }
        touchedCount = addRun(runOwner, run, touchedCount);
        if (total > 0) {
            try {
                eventer.onAck(total);
            } catch (RuntimeException e) {
                DiskBroker.LOG.log(
                        System.Logger.Level.WARNING, "eventer failed in onAck; acks go on", e);
            }
        }
        for (int i = 0; i < touchedCount; i++) {
            DiskProducer p = touched[i];
            touched[i] = null;
            int n = p.pendingAcks;
            p.pendingAcks = 0;
            try {
                p.ackListener.onAck(n);
            } catch (RuntimeException e) {
                DiskBroker.LOG.log(
                        System.Logger.Level.WARNING, "producer ack listener failed; acks go on", e);
            }
        }
    }

    // ---- checkpoint -----------------------------------------------------------------------------

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    private void maybeCheckpoint() {
        CheckpointDescriptor.Position p = pendingCheckpoint;
        if (p == null) {
            return;
        }
        long now = clock.getAsLong();
        if (!core.closing && now - lastCheckpointNanos < checkpointIntervalNanos) {
            return;
        }
        try {
            writeCheckpoint(p);
            pendingCheckpoint = null;
            lastCheckpointNanos = now;
            checkpointSeq = p.seq();
            checkpoints = checkpoints + 1;
        } catch (IOException e) {
            writeErrors = writeErrors + 1;
            lastWriteError = e.toString();
            lastCheckpointNanos = now;
            DiskBroker.LOG.log(
                    System.Logger.Level.WARNING,
                    "disk broker: writing the checkpoint in "
                            + dir
                            + " failed; keeping the previous one (events may be delivered again) and retrying",
                    e);
            if (core.closing) {
                pendingCheckpoint = null; // closing: the previous checkpoint stays, nothing is lost
            }
            return;
        }
        appender.deleteSegmentsBefore(p);
    }

    private void writeCheckpoint(CheckpointDescriptor.Position p) throws IOException {
        Path tmp = dir.resolve(CheckpointDescriptor.TEMP_FILE);
        try (FileChannel ch =
                channels.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = CheckpointDescriptor.encode(p);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            if (force) {
                ch.force(true);
            }
        }
        Files.move(
                tmp,
                dir.resolve(CheckpointDescriptor.FILE),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        if (force) {
            SegmentAppender.forceDirectory(dir);
        }
    }

    /** A snapshot of the disk counters; any thread. */
    DiskStats stats(long eventsOnDisk, RecoveryReport recovery) {
        SegmentAppender a = appender;
        return new DiskStats(
                a.bytesOnDisk,
                eventsOnDisk,
                a.segmentCount,
                a.fsyncs,
                a.fsyncNanosTotal,
                a.fsyncNanosMax,
                fsyncedEvents,
                checkpoints,
                checkpointSeq,
                writeErrors,
                lastWriteError,
                recovery);
    }
}
