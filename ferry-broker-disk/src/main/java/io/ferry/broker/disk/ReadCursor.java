package io.ferry.broker.disk;

import io.ferry.broker.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The broker's one read position in the segments, shared by its consumers: only the consumer
 * holding {@link DiskBroker#readLock} uses it. Reads frames up to a forced end position, decodes
 * events and builds batches.
 */
final class ReadCursor {
    /* Design notes
     * Reading happens outside the broker lock (it is disk I/O), under the read lock, so consumers
     * take turns and their ranges never overlap (rule 2.2). The broker lock is taken afterwards to
     * drop events a cancel removed meanwhile (a cancel only removes events at or after readSeq,
     * which the cursor has not published yet) and to register the batch.
     *
     * Failure. The position moves frame by frame while reading; only handing out a batch commits it
     * (committedSegmentId, committedOffset). Any exception before that (an I/O error, an Error, an
     * interrupt, which closes the channel) closes the segment and rewinds to the committed position,
     * with the recovered skips consumed meanwhile put back: the next read reads the same frames.
     */
    private final DiskBroker broker;
    private final DiskCore core;
    private final ChannelFactory channels;
    private final Set<Long> recoveredSkips;
    private final SegmentReader reader = new SegmentReader(1 << 20);
    private final EventCodec codec = new EventCodec();
    private Segment segment;
    private FileChannel channel;
    private long segmentId;
    private long offset;

    /** Where the last batch handed out ended: the position a failed read rewinds to. */
    private long committedSegmentId;

    private long committedOffset;
    private final List<Long> skipsTaken = new ArrayList<>();

    ReadCursor(
            DiskBroker broker,
            ChannelFactory channels,
            Set<Long> recoveredSkips,
            long segmentId,
            long offset) {
        this.broker = broker;
        this.core = broker.core;
        this.channels = channels;
        this.recoveredSkips = recoveredSkips;
        this.segmentId = segmentId;
        this.offset = offset;
        this.committedSegmentId = segmentId;
        this.committedOffset = offset;
    }

    /**
     * Reads at most {@code limit} events up to the forced end {@code (endSegmentId, endOffset)}
     * whose sequence bound is {@code endSeq}, and hands them out as a batch; null when every event
     * read was removed (the caller tries again). On any failure nothing was handed out and the
     * cursor is back where the last batch ended.
     *
     * @throws InterruptedException when an interrupt stopped the read (it closed the channel)
     */
    DiskBatch read(int limit, long endSeq, long endSegmentId, long endOffset)
            throws InterruptedException {
        boolean done = false;
        try {
            DiskBatch batch = readFrames(limit, endSeq, endSegmentId, endOffset);
            done = true;
            return batch;
        } catch (ClosedByInterruptException e) {
            Thread.interrupted(); // reported as the exception instead
            InterruptedException ie =
                    new InterruptedException(
                            "disk broker: reading segment " + segmentId + " was interrupted");
            ie.initCause(e);
            throw ie;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "disk broker: reading segment " + segmentId + " failed", e);
        } finally {
            if (done) {
                committedSegmentId = segmentId;
                committedOffset = offset;
            } else {
                rewind();
            }
            skipsTaken.clear();
        }
    }

    /** After a failed read: back to the end of the last batch handed out, on a fresh channel. */
    private void rewind() {
        close();
        recoveredSkips.addAll(skipsTaken);
        segmentId = committedSegmentId;
        offset = committedOffset;
    }

    private DiskBatch readFrames(int limit, long endSeq, long endSegmentId, long endOffset)
            throws IOException {
        Event[] out = new Event[(int) Math.min(limit, Math.max(1, endSeq - core.readSeq))];
        long[] seqs = new long[out.length];
        int[] sizes = new int[out.length];
        int n = 0;
        long lastSeq = -1;
        boolean reachedEnd = false;
        while (n < out.length) {
            if (!open()) {
                reachedEnd = true;
                break;
            }
            long bound = segment.id < endSegmentId ? segment.endOffset : endOffset;
            reader.extend(bound);
            int r = reader.next();
            if (r > 0) {
                ByteBuffer b = reader.buffer();
                int f = reader.frameStart();
                offset = reader.offset();
                if (b.get(f + FrameDescriptor.TYPE_OFFSET) != FrameDescriptor.TYPE_EVENT) {
                    continue;
                }
                long seq = b.getLong(f + FrameDescriptor.SEQ_OFFSET);
                lastSeq = seq;
                if (!recoveredSkips.isEmpty() && recoveredSkips.remove(seq)) {
                    skipsTaken.add(seq);
                    continue;
                }
                out[n] =
                        codec.decode(
                                b,
                                f + FrameDescriptor.HEADER_LENGTH,
                                r - FrameDescriptor.HEADER_LENGTH);
                seqs[n] = seq;
                sizes[n] = b.getInt(f + FrameDescriptor.SIZE_OFFSET);
                n++;
            } else if (segment.id < endSegmentId) {
                if (r != SegmentReader.END) {
                    DiskBroker.LOG.log(
                            System.Logger.Level.ERROR,
                            "disk broker: {0} frame in {1} at offset {2} while "
                                    + "reading; skipping to the next segment",
                            r == SegmentReader.TORN ? "torn" : "corrupt",
                            segment.path,
                            offset);
                }
                next();
            } else {
                if (r != SegmentReader.END) {
                    DiskBroker.LOG.log(
                            System.Logger.Level.ERROR,
                            "disk broker: {0} frame in {1} at offset {2} while "
                                    + "reading forced data",
                            r == SegmentReader.TORN ? "torn" : "corrupt",
                            segment.path,
                            offset);
                }
                reachedEnd = true;
                break;
            }
        }
        long newReadSeq = reachedEnd ? endSeq : lastSeq + 1;
        return broker.handOut(out, seqs, sizes, n, newReadSeq, segmentId, offset);
    }

    /** Positions on the current segment; false when it does not exist (yet). */
    private boolean open() throws IOException {
        if (segment != null) {
            return true;
        }
        Segment s = broker.segmentAtOrAfter(segmentId);
        if (s == null) {
            return false;
        }
        if (s.id != segmentId) {
            segmentId = s.id;
            offset = SegmentDescriptor.HEADER_LENGTH;
        }
        segment = s;
        channel = channels.open(s.path, StandardOpenOption.READ);
        reader.reset(channel, offset, segment.endOffset);
        return true;
    }

    private void next() throws IOException {
        close();
        segmentId++;
        offset = SegmentDescriptor.HEADER_LENGTH;
    }

    /** Closes the open segment channel. */
    void close() {
        segment = null;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                DiskBroker.LOG.log(System.Logger.Level.DEBUG, "closing a segment reader failed", e);
            }
            channel = null;
        }
    }
}
