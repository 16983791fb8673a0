package io.ferry.deadletter;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of one record frame in a dead-letter data file; stateless constants and helpers, any
 * thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 frame length (header + payload)               |  0
 *  +---------------------------------------------------------------+
 *  |          CRC32C of bytes [8, frame length) of the frame       |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +                      record id (long)                         +
 *  |                                                               | 12
 *  +---------------+-----------------------------------------------+
 *  |   type (1)    |               reserved (0)                    | 16
 *  +---------------+-----------------------------------------------+
 *  |                 payload ... (see RecordCodec)                 | 20
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>All integers are big-endian. <b>A frame is complete when</b> its length is at least {@link
 * #HEADER_LENGTH} and at most {@link #MAX_FRAME_BYTES}, all its bytes are in the file, its type is
 * {@link #TYPE_RECORD}, the CRC32C over bytes {@code [8, length)} matches, and its id is larger
 * than every id before it in the directory. Recovery stops a file at the first frame that is not
 * complete: what follows is a torn tail (a crash mid-write) or corruption, and is truncated.
 */
final class RecordFrameDescriptor {
    /** Offset of the frame length (int). */
    static final int LENGTH_OFFSET = 0;

    /** Offset of the CRC32C (int). */
    static final int CRC_OFFSET = 4;

    /** Offset of the record id (long). */
    static final int ID_OFFSET = 8;

    /** Offset of the frame type (byte). */
    static final int TYPE_OFFSET = 16;

    /** The header length; the payload starts here. */
    static final int HEADER_LENGTH = 20;

    /** Where the CRC32C starts covering. */
    static final int CRC_START = ID_OFFSET;

    /** The largest frame (1 GiB); a record whose frame would be larger is refused. */
    static final int MAX_FRAME_BYTES = 1 << 30;

    /** A frame holding one dead-letter record. */
    static final byte TYPE_RECORD = 1;

    /** {@link #check}: the frame is not wholly in the bytes given (a torn tail). */
    static final int INCOMPLETE = -1;

    /** {@link #check}: the frame's length, type or CRC is wrong. */
    static final int CORRUPT = -2;

    private RecordFrameDescriptor() {}

    /** The frame of record {@code id} with {@code payload}, positioned at 0. */
    static ByteBuffer frame(long id, byte[] payload) {
        int length = HEADER_LENGTH + payload.length;
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(LENGTH_OFFSET, length).putLong(ID_OFFSET, id).put(TYPE_OFFSET, TYPE_RECORD);
        b.put(HEADER_LENGTH, payload);
        b.putInt(CRC_OFFSET, crc(b, 0, length));
        return b;
    }

    /**
     * Checks the frame at absolute {@code start} of {@code buf}, with {@code end} the end of the
     * bytes read.
     *
     * @return the frame length when the frame is complete (the id order aside), else {@link
     *     #INCOMPLETE} or {@link #CORRUPT}
     */
    static int check(ByteBuffer buf, int start, int end) {
        if (end - start < HEADER_LENGTH) {
            return INCOMPLETE;
        }
        int length = buf.getInt(start + LENGTH_OFFSET);
        if (length < HEADER_LENGTH || length > MAX_FRAME_BYTES) {
            return CORRUPT;
        }
        if (length > end - start) {
            return INCOMPLETE;
        }
        if (buf.get(start + TYPE_OFFSET) != TYPE_RECORD) {
            return CORRUPT;
        }
        return crc(buf, start, length) == buf.getInt(start + CRC_OFFSET) ? length : CORRUPT;
    }

    /** The record id of the frame at absolute {@code start}. */
    static long id(ByteBuffer buf, int start) {
        return buf.getLong(start + ID_OFFSET);
    }

    private static int crc(ByteBuffer buf, int start, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer v = buf.duplicate();
        v.limit(start + length).position(start + CRC_START);
        crc.update(v);
        return (int) crc.getValue();
    }
}
