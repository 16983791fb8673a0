package io.ferry.broker.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The layout of one frame in a segment file; stateless constants and helpers, any thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 frame length (header + payload)               |  0
 *  +---------------------------------------------------------------+
 *  |          CRC32C of bytes [8, frame length) of the frame        |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +                  sequence (event frames; 0 for skip)          +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |          event size as Event.sizeBytes() counts it            | 16
 *  +---------------+-----------------------------------------------+
 *  |     type      |               reserved (0)                    | 20
 *  +---------------+-----------------------------------------------+
 *  |                      payload ...                              | 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>All integers are big-endian. A frame is complete when its length is at least {@link
 * #HEADER_LENGTH}, all of its bytes lie within the valid part of the segment, its type is known and
 * the CRC32C over bytes {@code [8, length)} matches. Recovery stops at the first frame that is not
 * complete: what follows is a torn or corrupt tail.
 *
 * <p>Payloads: an {@link #TYPE_EVENT event frame} carries one event as {@link EventCodec} encodes
 * it, and its sequence is exactly one more than the previous event frame's; a {@link #TYPE_SKIP
 * skip frame} lists events removed by a cancel after they were written: an int count, then per
 * event its sequence (long) and size (int).
 */
final class FrameDescriptor {
    /** Offset of the frame length (int). */
    static final int LENGTH_OFFSET = 0;

    /** Offset of the CRC32C (int). */
    static final int CRC_OFFSET = 4;

    /** Offset of the sequence (long). */
    static final int SEQ_OFFSET = 8;

    /** Offset of the event size (int). */
    static final int SIZE_OFFSET = 16;

    /** Offset of the frame type (byte). */
    static final int TYPE_OFFSET = 20;

    /** The header length; the payload starts here. */
    static final int HEADER_LENGTH = 24;

    /**
     * The largest frame the broker writes (1 GiB); an event whose frame would be larger is refused
     * at publish. Buffers holding a frame are sized from it without overflowing an int.
     */
    static final int MAX_FRAME_BYTES = 1 << 30;

    /** Where the CRC32C starts covering. */
    static final int CRC_START = SEQ_OFFSET;

    /** A frame holding one event. */
    static final byte TYPE_EVENT = 1;

    /** A frame listing events removed after they were written. */
    static final byte TYPE_SKIP = 2;

    private FrameDescriptor() {}

    /**
     * The CRC32C over {@code [frameStart + 8, frameStart + length)} of {@code buf}, positions
     * untouched.
     */
    static int crc(CRC32C crc, ByteBuffer view, int frameStart, int length) {
        crc.reset();
        view.limit(frameStart + length).position(frameStart + CRC_START);
        crc.update(view);
        return (int) crc.getValue();
    }

    /**
     * Checks the frame at {@code start} of {@code buf} (absolute indexes, big-endian), with {@code
     * end} the end of the valid bytes; {@code view} is a duplicate of {@code buf} used for the CRC.
     *
     * @return the frame length when complete; -1 when the frame is not completely within {@code
     *     [start, end)} (read more, or a torn tail), -2 when it is corrupt
     */
    static int check(ByteBuffer buf, ByteBuffer view, CRC32C crc, int start, int end) {
        if (end - start < HEADER_LENGTH) {
            return -1;
        }
        int length = buf.getInt(start + LENGTH_OFFSET);
        if (length < HEADER_LENGTH) {
            return -2;
        }
        if (length > end - start) {
            return -1;
        }
        byte type = buf.get(start + TYPE_OFFSET);
        if (type != TYPE_EVENT && type != TYPE_SKIP) {
            return -2;
        }
        if (crc(crc, view, start, length) != buf.getInt(start + CRC_OFFSET)) {
            return -2;
        }
        return length;
    }

    /** A big-endian view for CRC computation. */
    static ByteBuffer view(ByteBuffer buf) {
        return buf.duplicate().order(ByteOrder.BIG_ENDIAN);
    }
}
