package io.ferry.broker.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads the frames of one segment file sequentially through a large buffer, checking each; used by
 * one thread at a time (recovery, or the consumer holding the consumer lock).
 */
final class SegmentReader {
    /** {@link #next()}: the end bound was reached exactly. */
    static final int END = 0;

    /** {@link #next()}: the bytes up to the end bound hold an incomplete frame (a torn tail). */
    static final int TORN = -1;

    /** {@link #next()}: the frame at the current offset is corrupt. */
    static final int CORRUPT = -2;

    private ByteBuffer buf;
    private ByteBuffer view;
    private final CRC32C crc = new CRC32C();
    private FileChannel channel;
    private long bufFileOffset;
    private int pos;
    private int lim;
    private long end;
    private int frameStart;

    SegmentReader(int bufferBytes) {
        allocate(bufferBytes);
    }

    private void allocate(int bytes) {
        buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.BIG_ENDIAN);
        view = FrameDescriptor.view(buf);
    }

    /** Starts reading {@code channel} at {@code offset}, never past {@code end}. */
    void reset(FileChannel channel, long offset, long end) {
        this.channel = channel;
        this.bufFileOffset = offset;
        this.pos = 0;
        this.lim = 0;
        this.end = end;
    }

    /** Moves the end bound (the active segment grows as data is forced); keeps buffered bytes. */
    void extend(long newEnd) {
        this.end = newEnd;
    }

    /** The file offset after the last frame returned (where the next frame starts). */
    long offset() {
        return bufFileOffset + pos;
    }

    /** The buffer holding the last frame returned; absolute indexes, big-endian. */
    ByteBuffer buffer() {
        return buf;
    }

    /** The index in {@link #buffer()} where the last frame returned starts. */
    int frameStart() {
        return frameStart;
    }

    /**
     * Reads the next frame.
     *
     * @return its length (&gt; 0), {@link #END}, {@link #TORN} or {@link #CORRUPT}
     */
    int next() throws IOException {
        for (; ; ) {
            if (bufFileOffset + pos >= end) {
                return END;
            }
            int limit = (int) Math.min(lim, end - bufFileOffset);
            int r = FrameDescriptor.check(buf, view, crc, pos, limit);
            if (r > 0) {
                frameStart = pos;
                pos += r;
                return r;
            }
            if (r == CORRUPT) {
                return CORRUPT;
            }
            if (bufFileOffset + lim >= end) {
                return TORN;
            }
            if (!refill()) {
                return TORN;
            }
        }
    }

    /** Compacts and reads more; false when the file holds no more bytes. */
    private boolean refill() throws IOException {
        int remaining = lim - pos;
        int needed = FrameDescriptor.HEADER_LENGTH;
        if (remaining >= FrameDescriptor.HEADER_LENGTH) {
            needed = buf.getInt(pos + FrameDescriptor.LENGTH_OFFSET);
            if (needed > end - (bufFileOffset + pos)) {
                return false; // longer than what is there: torn
            }
        }
        if (pos > 0) {
            ByteBuffer src = buf.duplicate();
            src.limit(lim).position(pos);
            ByteBuffer dst = buf.duplicate();
            dst.clear();
            dst.put(src);
            bufFileOffset += pos;
            lim = remaining;
            pos = 0;
        }
        if (needed > buf.capacity()) {
            ByteBuffer old = buf;
            allocate(Math.max(needed, buf.capacity() * 2));
            ByteBuffer src = old.duplicate();
            src.limit(lim).position(0);
            buf.duplicate().put(src);
        }
        ByteBuffer dst = buf.duplicate();
        long want = Math.min(buf.capacity() - lim, end - (bufFileOffset + lim));
        dst.limit(lim + (int) want).position(lim);
        int n = 0;
        while (dst.hasRemaining()) {
            int r = channel.read(dst, bufFileOffset + lim + n);
            if (r <= 0) {
                break;
            }
            n += r;
        }
        lim += n;
        return n > 0;
    }
}
