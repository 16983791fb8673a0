package io.ferry.broker.disk;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of the checkpoint file, the persisted read position; stateless, any thread.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 'F' 'R' 'Y' 'C'                      |  0
 *  +---------------------------------------------------------------+
 *  |                    format version (1)                         |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +     segment id of the first event not acknowledged            +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                                                               | 16
 *  +     offset of that event's frame in its segment               +
 *  |                                                               | 20
 *  +---------------------------------------------------------------+
 *  |                                                               | 24
 *  +     sequence of that event (every smaller one is acknowledged)+
 *  |                                                               | 28
 *  +---------------------------------------------------------------+
 *  |                   CRC32C of bytes [0, 32)                     | 32
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The file {@code checkpoint} is replaced atomically: written to {@code checkpoint.tmp}, forced,
 * renamed over {@code checkpoint}, and the directory forced. It only ever names a position at or
 * before the end of the forced data. A checkpoint is valid when the magic, version and CRC match;
 * an invalid one makes recovery start at the oldest segment (redeliver rather than lose).
 */
final class CheckpointDescriptor {
    /** "FRYC". */
    static final int MAGIC = 0x46525943;

    static final int VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int SEGMENT_OFFSET = 8;
    static final int POSITION_OFFSET = 16;
    static final int SEQ_OFFSET = 24;
    static final int CRC_OFFSET = 32;
    static final int LENGTH = 36;
    static final String FILE = "checkpoint";
    static final String TEMP_FILE = "checkpoint.tmp";

    private CheckpointDescriptor() {}

    /** A persisted read position. */
    record Position(long segmentId, long offset, long seq) {}

    static ByteBuffer encode(Position p) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.putInt(MAGIC_OFFSET, MAGIC)
                .putInt(VERSION_OFFSET, VERSION)
                .putLong(SEGMENT_OFFSET, p.segmentId())
                .putLong(POSITION_OFFSET, p.offset())
                .putLong(SEQ_OFFSET, p.seq());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, CRC_OFFSET);
        b.putInt(CRC_OFFSET, (int) crc.getValue());
        return b;
    }

    /** The position in {@code bytes}, or null when they are not a valid checkpoint. */
    static Position decode(byte[] bytes) {
        if (bytes.length != LENGTH) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC_OFFSET);
        if (b.getInt(MAGIC_OFFSET) != MAGIC
                || b.getInt(VERSION_OFFSET) != VERSION
                || (int) crc.getValue() != b.getInt(CRC_OFFSET)) {
            return null;
        }
        Position p =
                new Position(
                        b.getLong(SEGMENT_OFFSET),
                        b.getLong(POSITION_OFFSET),
                        b.getLong(SEQ_OFFSET));
        return p.segmentId() < 0 || p.offset() < 0 || p.seq() < 0 ? null : p;
    }
}
