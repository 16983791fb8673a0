package io.ferry.broker.disk;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The layout of a segment file's header and the segment file names; stateless, any thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 'F' 'R' 'Y' 'S'                      |  0
 *  +---------------------------------------------------------------+
 *  |                    format version (1)                         |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +                      segment id                               +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                                                               | 16
 *  +          sequence of the first event frame in it              +
 *  |                                                               | 20
 *  +---------------------------------------------------------------+
 *  |                   CRC32C of bytes [0, 24)                     | 24
 *  +---------------------------------------------------------------+
 *  |                   reserved (0)                                | 28
 *  +---------------------------------------------------------------+
 *  |                   frames ... (see FrameDescriptor)            | 32
 * </pre>
 *
 * <p>A segment is named {@code <id as 20 digits>.seg}; ids increase by one. A header is valid when
 * the magic, the version and the CRC match and the id matches the file name.
 */
final class SegmentDescriptor {
    /** "FRYS". */
    static final int MAGIC = 0x46525953;

    /** The on-disk format version; see {@code docs/disk-format.md}. */
    static final int VERSION = 1;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int ID_OFFSET = 8;
    static final int FIRST_SEQ_OFFSET = 16;
    static final int CRC_OFFSET = 24;

    /** The header length; the first frame starts here. */
    static final int HEADER_LENGTH = 32;

    static final String SUFFIX = ".seg";

    private SegmentDescriptor() {}

    static String fileName(long id) {
        return String.format("%020d%s", id, SUFFIX);
    }

    static Path path(Path dir, long id) {
        return dir.resolve(fileName(id));
    }

    /** The id of a segment file name, or -1 when the name is not one. */
    static long idOf(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.length() != 20 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(fileName.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A header for segment {@code id}, positioned at 0, limit {@link #HEADER_LENGTH}. */
    static ByteBuffer header(long id, long firstSeq) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        b.putInt(MAGIC_OFFSET, MAGIC)
                .putInt(VERSION_OFFSET, VERSION)
                .putLong(ID_OFFSET, id)
                .putLong(FIRST_SEQ_OFFSET, firstSeq);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, CRC_OFFSET);
        b.putInt(CRC_OFFSET, (int) crc.getValue());
        return b;
    }

    /** True when {@code b} (absolute indexes from 0) holds a valid header of segment {@code id}. */
    static boolean isValid(ByteBuffer b, long id) {
        if (b.limit() < HEADER_LENGTH
                || b.getInt(MAGIC_OFFSET) != MAGIC
                || b.getInt(VERSION_OFFSET) != VERSION
                || b.getLong(ID_OFFSET) != id) {
            return false;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer v = b.duplicate();
        v.position(0).limit(CRC_OFFSET);
        crc.update(v);
        return (int) crc.getValue() == b.getInt(CRC_OFFSET);
    }
}
