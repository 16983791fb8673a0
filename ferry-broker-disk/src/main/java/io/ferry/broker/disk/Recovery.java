package io.ferry.broker.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Recovers the state of a broker directory at start: reads the checkpoint, scans the segments from
 * it forward, truncates torn or corrupt tails, and counts what is left to deliver. Runs once, on
 * the thread opening the broker, before any other thread touches the directory.
 */
final class Recovery {
    /* Design notes
     * Start. The checkpoint names (segment, offset, seq). Recovery scans the checkpoint's segment from
     * its start and skips event frames with a smaller sequence, so a checkpoint whose offset is off
     * a frame boundary still works; the offset is only a hint. A missing or corrupt checkpoint starts
     * at the oldest segment: events are delivered again rather than lost. Segments older than the
     * checkpoint's are leftovers of a crash between checkpoint and deletion, and are deleted.
     *
     * Tails. The first incomplete or corrupt frame of a segment ends its valid data: the file is
     * truncated there. In the last segment this is the torn tail of a crash mid-write; in an earlier
     * segment it is corruption, and the next segment's header tells how many events were lost.
     *
     * Skips. A skip frame lists events a cancel removed after they were written; they are not
     * delivered again, and not counted. A skip naming a sequence at or past the end of the written
     * events (nextSeq) is ignored: it cannot name a written event, and the sequence is given out again.
     */
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    /** The result: what is on disk and where reading starts. */
    record Result(
            List<Segment> segments,
            long readSegmentId,
            long readOffset,
            long readSeq,
            long nextSeq,
            long nextSegmentId,
            long events,
            long bytes,
            Set<Long> skipped,
            RecoveryReport report) {}

    private Recovery() {}

    static Result run(Path dir, ChannelFactory channels, LongSupplier nanoClock)
            throws IOException {
        long start = nanoClock.getAsLong();
        Files.deleteIfExists(dir.resolve(CheckpointDescriptor.TEMP_FILE));
        List<Long> ids = segmentIds(dir);
        CheckpointDescriptor.Position cp = readCheckpoint(dir);
        boolean checkpointValid =
                cp != null
                        || (ids.isEmpty() && !Files.exists(dir.resolve(CheckpointDescriptor.FILE)));
        if (cp == null && !checkpointValid) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "disk broker checkpoint in {0} is corrupt; recovering from the oldest "
                            + "segment, acknowledged events may be delivered again",
                    dir);
        }
        long minSeq = cp == null ? 0 : cp.seq();
        // Segments before the checkpoint's were fully acknowledged: a crash came before their
        // deletion.
        List<Long> scan = new ArrayList<>();
        for (long id : ids) {
            if (cp != null && id < cp.segmentId() && ids.contains(cp.segmentId())) {
                Files.deleteIfExists(SegmentDescriptor.path(dir, id));
            } else {
                scan.add(id);
            }
        }
        List<Segment> segments = new ArrayList<>();
        Map<Long, Integer> skipped = new HashMap<>();
        SegmentReader reader = new SegmentReader(8 << 20);
        long expected = -1;
        long events = 0;
        long bytes = 0;
        long framesTruncated = 0;
        long bytesTruncated = 0;
        long lost = 0;
        int corrupt = 0;
        long readSegmentId = -1;
        long readOffset = -1;
        long readSeq = -1;
        ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
        for (int i = 0; i < scan.size(); i++) {
            long id = scan.get(i);
            boolean last = i == scan.size() - 1;
            Path path = SegmentDescriptor.path(dir, id);
            boolean invalidHeader = false;
            try (FileChannel ch =
                    channels.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long size = ch.size();
                header.clear();
                while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
                    // read the whole header
                }
                header.flip();
                if (header.limit() >= SegmentDescriptor.HEADER_LENGTH
                        && header.getInt(SegmentDescriptor.MAGIC_OFFSET) == SegmentDescriptor.MAGIC
                        && header.getInt(SegmentDescriptor.VERSION_OFFSET)
                                != SegmentDescriptor.VERSION) {
                    throw new IllegalStateException(
                            "disk broker segment "
                                    + path
                                    + " has format version "
                                    + header.getInt(SegmentDescriptor.VERSION_OFFSET)
                                    + "; this broker reads version "
                                    + SegmentDescriptor.VERSION
                                    + " (see docs/disk-format.md); use a matching Ferry version");
                }
                if (!SegmentDescriptor.isValid(header, id)) {
                    invalidHeader = true;
                    corrupt++;
                    bytesTruncated += size;
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "disk broker segment {0} has no valid header; deleting it ({1} bytes)",
                            path,
                            size);
                } else {
                    long firstSeq = header.getLong(SegmentDescriptor.FIRST_SEQ_OFFSET);
                    if (expected >= 0 && firstSeq > expected) {
                        lost += firstSeq - expected;
                        LOG.log(
                                System.Logger.Level.WARNING,
                                "disk broker lost {0} events to corruption before segment {1}",
                                firstSeq - expected,
                                path);
                    }
                    expected = Math.max(expected, firstSeq);
                    reader.reset(ch, SegmentDescriptor.HEADER_LENGTH, size);
                    long validEnd = SegmentDescriptor.HEADER_LENGTH;
                    int r;
                    while ((r = reader.next()) > 0) {
                        ByteBuffer b = reader.buffer();
                        int f = reader.frameStart();
                        if (b.get(f + FrameDescriptor.TYPE_OFFSET) == FrameDescriptor.TYPE_EVENT) {
                            long seq = b.getLong(f + FrameDescriptor.SEQ_OFFSET);
                            if (seq != expected) {
                                r = SegmentReader.CORRUPT;
                                break;
                            }
                            expected = seq + 1;
                            if (seq >= minSeq) {
                                if (readSeq < 0) {
                                    readSegmentId = id;
                                    readOffset = reader.offset() - r;
                                    readSeq = seq;
                                }
                                events++;
                                bytes += b.getInt(f + FrameDescriptor.SIZE_OFFSET);
                            }
                        } else {
                            int count = b.getInt(f + FrameDescriptor.HEADER_LENGTH);
                            for (int k = 0; k < count; k++) {
                                int at = f + FrameDescriptor.HEADER_LENGTH + 4 + k * 12;
                                long seq = b.getLong(at);
                                if (seq >= minSeq
                                        && seq >= (readSeq < 0 ? Long.MAX_VALUE : readSeq)
                                        && skipped.putIfAbsent(seq, b.getInt(at + 8)) == null) {
                                    events--;
                                    bytes -= b.getInt(at + 8);
                                }
                            }
                        }
                        validEnd = reader.offset();
                    }
                    if (r != SegmentReader.END) {
                        framesTruncated++;
                        bytesTruncated += size - validEnd;
                        if (!last) {
                            corrupt++;
                        }
                        ch.truncate(validEnd);
                        ch.force(true);
                        LOG.log(
                                System.Logger.Level.WARNING,
                                "disk broker segment {0}: {1} frame at offset {2}; truncated {3} bytes",
                                path,
                                r == SegmentReader.TORN ? "torn" : "corrupt",
                                validEnd,
                                size - validEnd);
                    }
                    segments.add(new Segment(id, path, firstSeq, validEnd, true));
                }
            }
            if (invalidHeader) {
                Files.delete(path);
            }
        }
        long nextSeq = Math.max(expected < 0 ? 0 : expected, minSeq);
        // A skip naming a sequence never written (older brokers could write one ahead of its event)
        // must not hide the event that gets this sequence next: it is ignored.
        for (var it = skipped.entrySet().iterator(); it.hasNext(); ) {
            var skip = it.next();
            if (skip.getKey() >= nextSeq) {
                it.remove();
                events++;
                bytes += skip.getValue();
            }
        }
        long nextSegmentId =
                scan.isEmpty()
                        ? (cp == null ? 0 : cp.segmentId() + 1)
                        : scan.get(scan.size() - 1) + 1;
        if (readSeq < 0) {
            readSeq =
                    nextSeq; // nothing left: reading starts in the segment the writer creates next
        }
        RecoveryReport report =
                new RecoveryReport(
                        nanoClock.getAsLong() - start,
                        checkpointValid,
                        segments.size(),
                        events,
                        bytes,
                        framesTruncated,
                        bytesTruncated,
                        lost,
                        corrupt);
        return new Result(
                segments,
                readSegmentId,
                readOffset,
                readSeq,
                nextSeq,
                nextSegmentId,
                events,
                bytes,
                new HashSet<>(skipped.keySet()),
                report);
    }

    static List<Long> segmentIds(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds =
                Files.newDirectoryStream(dir, "*" + SegmentDescriptor.SUFFIX)) {
            for (Path p : ds) {
                long id = SegmentDescriptor.idOf(p.getFileName().toString());
                if (id >= 0) {
                    ids.add(id);
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    static CheckpointDescriptor.Position readCheckpoint(Path dir) throws IOException {
        try {
            return CheckpointDescriptor.decode(
                    Files.readAllBytes(dir.resolve(CheckpointDescriptor.FILE)));
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
