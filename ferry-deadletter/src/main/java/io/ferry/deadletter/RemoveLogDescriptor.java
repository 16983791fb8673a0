package io.ferry.deadletter;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.zip.CRC32C;

/**
 * The layout of the remove log ({@code removed.log}): which records were removed, durably;
 * stateless, any thread.
 *
 * <pre>
 *  header:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 'F' 'R' 'Y' 'R'                      |  0
 *  +---------------------------------------------------------------+
 *  |                    format version (1)                         |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +   id floor (long): every id up to it was given out before     +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                   CRC32C of bytes [0, 16)                     | 16
 *  +---------------------------------------------------------------+
 *  |                   reserved (0)                                | 20
 *  +---------------------------------------------------------------+
 *  |                   remove frames ...                           | 24
 *
 *  remove frame:
 *  +---------------------------------------------------------------+
 *  |                 frame length (12 + 8 * count)                 |  0
 *  +---------------------------------------------------------------+
 *  |          CRC32C of bytes [8, frame length) of the frame       |  4
 *  +---------------------------------------------------------------+
 *  |                 count of ids (at least 1)                     |  8
 *  +---------------------------------------------------------------+
 *  |                 removed record ids (long each) ...            | 12
 * </pre>
 *
 * <p>All integers big-endian. <b>A remove frame is complete when</b> its length is {@code 12 + 8 *
 * count} with {@code count >= 1}, all its bytes are in the file and the CRC32C matches; reading
 * stops at the first frame that is not (a torn tail, truncated). One {@code remove} call is one
 * frame, so it is applied whole or not at all. The id floor keeps ids increasing when every data
 * file is gone: the log is rewritten (to {@code removed.log.tmp}, forced, renamed) with the ids of
 * deleted files left out and the floor raised to the largest id given out.
 */
final class RemoveLogDescriptor {
    /** "FRYR". */
    static final int MAGIC = 0x46525952;

    static final int VERSION = 1;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FLOOR_OFFSET = 8;
    static final int HEADER_CRC_OFFSET = 16;

    /** The header length; the first frame starts here. */
    static final int HEADER_LENGTH = 24;

    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    static final int COUNT_OFFSET = 8;
    static final int IDS_OFFSET = 12;
    static final int CRC_START = COUNT_OFFSET;

    /** The most ids in one frame; a larger remove is written as several. */
    static final int MAX_IDS_PER_FRAME = 1 << 20;

    static final String FILE = "removed.log";
    static final String TMP_FILE = "removed.log.tmp";

    private RemoveLogDescriptor() {}

    /** The header with {@code floor}, positioned at 0. */
    static ByteBuffer header(long floor) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        b.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, VERSION).putLong(FLOOR_OFFSET, floor);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, HEADER_CRC_OFFSET);
        b.putInt(HEADER_CRC_OFFSET, (int) crc.getValue());
        return b;
    }

    /** True when {@code b} (absolute from 0) starts with a valid header. */
    static boolean isValidHeader(ByteBuffer b) {
        if (b.limit() < HEADER_LENGTH
                || b.getInt(MAGIC_OFFSET) != MAGIC
                || b.getInt(VERSION_OFFSET) != VERSION) {
            return false;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer v = b.duplicate();
        v.position(0).limit(HEADER_CRC_OFFSET);
        crc.update(v);
        return (int) crc.getValue() == b.getInt(HEADER_CRC_OFFSET);
    }

    /** The frame naming {@code ids} (1 to {@link #MAX_IDS_PER_FRAME}), positioned at 0. */
    static ByteBuffer frame(Collection<Long> ids) {
        int length = IDS_OFFSET + 8 * ids.size();
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(LENGTH_OFFSET, length).putInt(COUNT_OFFSET, ids.size());
        int p = IDS_OFFSET;
        for (long id : ids) {
            b.putLong(p, id);
            p += 8;
        }
        b.putInt(CRC_OFFSET, crc(b, 0, length));
        return b;
    }

    /**
     * The length of the complete frame at absolute {@code start} of {@code buf} with {@code end}
     * the end of the bytes read, or -1 when it is not complete.
     */
    static int check(ByteBuffer buf, int start, int end) {
        if (end - start < IDS_OFFSET) {
            return -1;
        }
        int length = buf.getInt(start + LENGTH_OFFSET);
        int count = buf.getInt(start + COUNT_OFFSET);
        if (count < 1
                || count > MAX_IDS_PER_FRAME
                || length != IDS_OFFSET + 8 * count
                || length > end - start) {
            return -1;
        }
        return crc(buf, start, length) == buf.getInt(start + CRC_OFFSET) ? length : -1;
    }

    private static int crc(ByteBuffer buf, int start, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer v = buf.duplicate();
        v.limit(start + length).position(start + CRC_START);
        crc.update(v);
        return (int) crc.getValue();
    }
}
