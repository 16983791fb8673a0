package io.ferry.broker.disk;

import io.ferry.broker.Event;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

/**
 * Appends frames to the active segment, rolls, forces and deletes segment files; used only by the
 * broker's writer thread ({@link Writer}), counters readable from any thread.
 */
final class SegmentAppender {
    /* Design notes
     * One positional write per buffer-full (4 MiB, grown for a larger frame), one force per group
     * and one per segment rolled within it. A new segment is created with its header, forced, and
     * the directory forced, before any frame goes into it. On a failed group undo() deletes the
     * segments the group created and truncates the one it started in back to the group's start, at
     * once (a later attempt truncates again if that failed), so nothing half-written stays behind.
     */
    private final DiskCore core;
    private final ChannelFactory channels;
    private final Path dir;
    private final long segmentBytes;
    private final boolean force;
    private final LongSupplier clock;

    // ---- writer thread only ---------------------------------------------------------------------
    private final EventCodec codec = new EventCodec();
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buf;
    private ByteBuffer crcView;
    private Segment active;
    private FileChannel channel;
    private long offset;

    // ---- written by the writer thread, read by stats() ------------------------------------------
    volatile long bytesOnDisk;
    volatile long fsyncs;
    volatile long fsyncNanosTotal;
    volatile long fsyncNanosMax;
    volatile int segmentCount;

    SegmentAppender(
            DiskCore core, ChannelFactory channels, DiskBrokerSettings s, long recoveredBytes) {
        this.core = core;
        this.channels = channels;
        this.dir = s.directory();
        this.segmentBytes = s.segmentBytes();
        this.force = s.fsync() == FsyncMode.ALWAYS;
        this.clock = s.nanoClock();
        this.bytesOnDisk = recoveredBytes;
        allocate(4 << 20);
    }

    /** The segment frames are appended to. */
    Segment active() {
        return active;
    }

    /** The end of the data written to the active segment. */
    long offset() {
        return offset;
    }

    private void allocate(int bytes) {
        buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.BIG_ENDIAN);
        crcView = FrameDescriptor.view(buf);
    }

    void writeGroup(Event[] groupEvents, int groupSize, long groupFirstSeq, List<long[]> groupSkips)
            throws IOException {
        if (channel == null) {
            reopenActive();
        }
        long groupStartOffset = offset;
        long groupStartSegment = active.id;
        try {
            buf.clear();
            for (int i = 0; i < groupSize; i++) {
                Event e = groupEvents[i];
                int length = FrameDescriptor.HEADER_LENGTH + codec.payloadLength(e);
                room(length, groupFirstSeq + i);
                int start = buf.position();
                putHeader(length, groupFirstSeq + i, e.sizeBytes(), FrameDescriptor.TYPE_EVENT);
                codec.encode(e, buf);
                finishFrame(start, length);
            }
            if (!groupSkips.isEmpty()) {
                int length = FrameDescriptor.HEADER_LENGTH + 4 + 12 * groupSkips.size();
                room(length, groupFirstSeq + groupSize);
                int start = buf.position();
                putHeader(length, 0, 0, FrameDescriptor.TYPE_SKIP);
                buf.putInt(groupSkips.size());
                for (long[] skip : groupSkips) {
                    buf.putLong(skip[0]).putInt((int) skip[1]);
                }
                finishFrame(start, length);
            }
            flushBuffer();
            forceActive();
        } catch (IOException e) {
            undo(groupStartSegment, groupStartOffset);
            throw e;
        }
    }

    private void putHeader(int length, long seq, int sizeBytes, byte type) {
        buf.putInt(length)
                .putInt(0)
                .putLong(seq)
                .putInt(sizeBytes)
                .put(type)
                .put((byte) 0)
                .putShort((short) 0);
    }

    private void finishFrame(int start, int length) {
        buf.putInt(
                start + FrameDescriptor.CRC_OFFSET,
                FrameDescriptor.crc(crc, crcView, start, length));
    }

    /**
     * Makes room for a frame of {@code length}: rolls the segment when full, flushes the buffer
     * when full.
     */
    private void room(int length, long nextSeq) throws IOException {
        long end = offset + buf.position();
        if (end + length > segmentBytes && end > SegmentDescriptor.HEADER_LENGTH) {
            flushBuffer();
            forceActive();
            seal();
            roll(active.id + 1, nextSeq);
        }
        if (buf.remaining() < length) {
            flushBuffer();
            if (buf.capacity() < length) {
                allocate(bufferCapacity(length, buf.capacity()));
            }
        }
    }

    /**
     * A buffer capacity holding a frame of {@code length}: {@code minimum} when it fits, else the
     * next power of two, never past {@link FrameDescriptor#MAX_FRAME_BYTES} (or the length itself).
     */
    static int bufferCapacity(int length, int minimum) {
        if (length <= minimum) {
            return minimum;
        }
        long doubled = Long.highestOneBit(length) << 1;
        return (int) Math.min(doubled, Math.max(length, FrameDescriptor.MAX_FRAME_BYTES));
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    private void flushBuffer() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            int n = channel.write(buf, offset);
            offset += n;
            bytesOnDisk = bytesOnDisk + n;
        }
        buf.clear();
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    private void forceActive() throws IOException {
        if (!force) {
            return;
        }
        long t0 = clock.getAsLong();
        channel.force(false);
        long took = clock.getAsLong() - t0;
        fsyncs = fsyncs + 1;
        fsyncNanosTotal = fsyncNanosTotal + took;
        if (took > fsyncNanosMax) {
            fsyncNanosMax = took;
        }
    }

    private void seal() {
        core.lock.lock();
        try {
            active.endOffset = offset;
            active.sealed = true;
        } finally {
            core.lock.unlock();
        }
        closeChannel();
    }

    /**
     * Creates segment {@code id} starting at sequence {@code firstSeq} and makes it the active one.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    void roll(long id, long firstSeq) throws IOException {
        Path path = SegmentDescriptor.path(dir, id);
        Files.deleteIfExists(path); // a leftover of a failed roll
        FileChannel ch =
                channels.open(
                        path,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
        try {
            ByteBuffer header = SegmentDescriptor.header(id, firstSeq);
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            if (force) {
                ch.force(true);
                forceDirectory(dir);
            }
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        Segment s = new Segment(id, path, firstSeq, SegmentDescriptor.HEADER_LENGTH, false);
        core.lock.lock();
        try {
            core.segments.addLast(s);
            segmentCount = core.segments.size();
        } finally {
            core.lock.unlock();
        }
        channel = ch;
        active = s;
        offset = SegmentDescriptor.HEADER_LENGTH;
        bytesOnDisk = bytesOnDisk + SegmentDescriptor.HEADER_LENGTH;
    }

    /** After a failed group: deletes segments it created, truncates the one it started in. */
    private void undo(long startSegment, long startOffset) {
        closeChannel();
        List<Segment> created = new ArrayList<>();
        core.lock.lock();
        try {
            Segment s;
            while ((s = core.segments.peekLast()) != null && s.id > startSegment) {
                created.add(core.segments.pollLast());
            }
            active = core.segments.peekLast();
            active.sealed = false;
            active.endOffset = Math.min(active.endOffset, startOffset);
            segmentCount = core.segments.size();
            long bytes = 0;
            for (Segment s2 : core.segments) {
                bytes += s2 == active ? startOffset : s2.endOffset;
            }
            bytesOnDisk = bytes;
        } finally {
            core.lock.unlock();
        }
        for (Segment s : created) {
            try {
                Files.deleteIfExists(s.path);
            } catch (IOException e) {
                DiskBroker.LOG.log(
                        System.Logger.Level.WARNING,
                        "disk broker: cannot delete segment "
                                + s.path
                                + " after a write error; recovery will check it",
                        e);
            }
        }
        offset = startOffset;
        try {
            reopenActive();
        } catch (IOException e) {
            // The next attempt reopens and truncates again; a crash meanwhile leaves a tail that
            // recovery truncates, or complete frames of never-acked events that are delivered.
            DiskBroker.LOG.log(
                    System.Logger.Level.WARNING,
                    "disk broker: cannot truncate "
                            + active.path
                            + " after a write error; retrying",
                    e);
        }
    }

    /** Opens the active segment again after an error and cuts it to the last forced group. */
    private void reopenActive() throws IOException {
        FileChannel ch =
                channels.open(active.path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            ch.truncate(offset);
            if (force) {
                ch.force(true);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channel = ch;
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * True when {@code s} is sealed and ends at or before the persisted read position {@code p}.
     */
    private static boolean whollyBefore(Segment s, CheckpointDescriptor.Position p) {
        return s.sealed
                && (s.id < p.segmentId() || (s.id == p.segmentId() && p.offset() >= s.endOffset));
    }

    /** Deletes segments wholly before the persisted read position; never the active one. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // single writer: the writer thread
    void deleteSegmentsBefore(CheckpointDescriptor.Position p) {
        List<Segment> dead = new ArrayList<>();
        core.lock.lock();
        try {
            while (core.segments.size() > 1 && whollyBefore(core.segments.peekFirst(), p)) {
                dead.add(core.segments.pollFirst());
            }
            segmentCount = core.segments.size();
        } finally {
            core.lock.unlock();
        }
        for (Segment s : dead) {
            try {
                long size = Files.size(s.path);
                Files.deleteIfExists(s.path);
                bytesOnDisk = bytesOnDisk - size;
            } catch (IOException e) {
                DiskBroker.LOG.log(
                        System.Logger.Level.WARNING,
                        "disk broker: cannot delete acknowledged segment "
                                + s.path
                                + "; the next start deletes it",
                        e);
            }
        }
    }

    void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                DiskBroker.LOG.log(System.Logger.Level.DEBUG, "closing a segment failed", e);
            }
            channel = null;
        }
    }
}
