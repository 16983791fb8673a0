package io.ferry.deadletter;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of a dead-letter data file's header and the data file names; stateless, any thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 'F' 'R' 'Y' 'D'                      |  0
 *  +---------------------------------------------------------------+
 *  |                    format version (1)                         |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +          id of the first record in the file (long)            +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                   CRC32C of bytes [0, 16)                     | 16
 *  +---------------------------------------------------------------+
 *  |                   reserved (0)                                | 20
 *  +---------------------------------------------------------------+
 *  |                   record frames ... (see RecordFrameDescriptor) | 24
 * </pre>
 *
 * <p>A data file is named {@code <first record id as 20 digits>.dlq}: names never repeat, as ids do
 * not, and sort in id order. A header is valid when the magic, the version and the CRC match and
 * the id matches the name.
 */
final class DataFileDescriptor {
    /** "FRYD". */
    static final int MAGIC = 0x46525944;

    /** The format version; see {@code docs/dead-letter.md}. */
    static final int VERSION = 1;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FIRST_ID_OFFSET = 8;
    static final int CRC_OFFSET = 16;

    /** The header length; the first frame starts here. */
    static final int HEADER_LENGTH = 24;

    static final String SUFFIX = ".dlq";

    private DataFileDescriptor() {}

    static String fileName(long firstId) {
        return String.format("%020d%s", firstId, SUFFIX);
    }

    /** The first id of a data file's name, or -1 when the name is not one. */
    static long firstIdOf(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.length() != 20 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(fileName.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The header of the file starting at {@code firstId}, positioned at 0. */
    static ByteBuffer header(long firstId) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        b.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, VERSION);
        b.putLong(FIRST_ID_OFFSET, firstId);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, CRC_OFFSET);
        b.putInt(CRC_OFFSET, (int) crc.getValue());
        return b;
    }

    /** True when {@code b} (absolute indexes from 0) holds a valid header for {@code firstId}. */
    static boolean isValid(ByteBuffer b, long firstId) {
        if (b.limit() < HEADER_LENGTH
                || b.getInt(MAGIC_OFFSET) != MAGIC
                || b.getInt(VERSION_OFFSET) != VERSION
                || b.getLong(FIRST_ID_OFFSET) != firstId) {
            return false;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer v = b.duplicate();
        v.position(0).limit(CRC_OFFSET);
        crc.update(v);
        return (int) crc.getValue() == b.getInt(CRC_OFFSET);
    }
}
