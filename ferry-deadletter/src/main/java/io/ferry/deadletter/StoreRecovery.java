package io.ferry.deadletter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a dead-letter directory at open and rebuilds the store's index; the opening thread only,
 * with the directory locked. Never fails on torn or corrupt data: it truncates, sets aside and
 * reports; it fails only on I/O errors.
 *
 * <ol>
 *   <li>Read the remove log (its torn tail ignored).
 *   <li>Scan the data files in id order, frame by frame; the first frame that is not complete
 *       ({@link RecordFrameDescriptor}) ends a file's valid data and the file is truncated there. A
 *       file shorter than its header (torn at creation) is deleted; one with a bad header is
 *       renamed to {@code .corrupt}, kept for a person to look at.
 *   <li>Files whose records are all removed are deleted (a crash came between the remove and the
 *       deletion).
 *   <li>The next id is one more than the largest id seen in the files, the remove log or its floor.
 *   <li>The remove log is rewritten with only the ids of files still there and the floor raised.
 * </ol>
 */
final class StoreRecovery {
    private static final System.Logger LOG = System.getLogger(LocalDeadLetter.class.getName());

    /** Where a record is. */
    record Location(DataFile file, long position, int length, String code) {}

    final TreeMap<Long, DataFile> files = new TreeMap<>();
    final TreeMap<Long, Location> live = new TreeMap<>();
    final TreeMap<String, Long> counts = new TreeMap<>();
    long nextId;
    long bytesUsed;
    RemoveLog removeLog;
    DeadLetterRecovery report;

    private final Path dir;
    private final List<String> problems = new ArrayList<>();
    private int filesScanned;
    private long recordsFound;
    private long bytesTruncated;
    private boolean deleted;

    private StoreRecovery(Path dir) {
        this.dir = dir;
    }

    static StoreRecovery run(Path dir) throws IOException {
        StoreRecovery r = new StoreRecovery(dir);
        r.recover();
        return r;
    }

    private void recover() throws IOException {
        RemoveLog.Contents removed = RemoveLog.read(dir);
        problems.addAll(removed.problems());
        long maxId = removed.floor();
        for (long id : removed.removed()) {
            maxId = Math.max(maxId, id);
        }
        TreeMap<Long, Path> names = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                long first = DataFileDescriptor.firstIdOf(p.getFileName().toString());
                if (first >= 0) {
                    names.put(first, p);
                }
            }
        }
        long lastId = 0;
        for (var e : names.entrySet()) {
            lastId = scan(e.getValue(), e.getKey(), lastId, removed.removed());
        }
        maxId = Math.max(maxId, lastId);
        nextId = maxId + 1;
        List<Long> stillRemoved = new ArrayList<>();
        for (DataFile f : new ArrayList<>(files.values())) {
            if (f.live == 0) {
                f.delete();
                files.remove(f.firstId);
                deleted = true;
            } else {
                bytesUsed += f.sizeBytes();
                stillRemoved.addAll(f.removed);
            }
        }
        if (deleted) {
            LocalDeadLetter.forceDirectory(dir);
        }
        removeLog = RemoveLog.rewrite(dir, maxId, stillRemoved);
        for (String p : problems) {
            LOG.log(System.Logger.Level.WARNING, "dead letter " + dir + ": " + p);
        }
        report =
                new DeadLetterRecovery(
                        filesScanned, recordsFound, live.size(), bytesTruncated, problems);
    }

    /** Scans one data file; returns the largest id seen so far. */
    private long scan(Path path, long firstId, long lastId, Set<Long> removed) throws IOException {
        filesScanned++;
        String name = path.getFileName().toString();
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE) {
            throw new IOException(path + " is " + size + " bytes; a data file is at most 2 GiB");
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path));
        if (!DataFileDescriptor.isValid(b, firstId)) {
            if (size <= DataFileDescriptor.HEADER_LENGTH) {
                Files.delete(path); // torn at creation: it never held a record
                deleted = true;
                problems.add(name + ": header torn at creation (" + size + " bytes); deleted");
            } else {
                Path aside = path.resolveSibling(name + ".corrupt");
                Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
                deleted = true;
                problems.add(
                        name
                                + ": invalid header; its "
                                + size
                                + " bytes set aside as "
                                + aside.getFileName()
                                + " and not read");
            }
            return lastId;
        }
        int p = DataFileDescriptor.HEADER_LENGTH;
        int end = b.limit();
        long last = lastId;
        List<Location> found = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        String why = null;
        while (p < end) {
            int length = RecordFrameDescriptor.check(b, p, end);
            if (length < 0) {
                why =
                        length == RecordFrameDescriptor.INCOMPLETE
                                ? "torn frame (a crash mid-write)"
                                : "corrupt frame (length, type or CRC32C wrong)";
                break;
            }
            long id = RecordFrameDescriptor.id(b, p);
            if (id <= last || (ids.isEmpty() && id != firstId)) {
                why = "frame with id " + id + " out of order after " + last;
                break;
            }
            DeadLetterRecord r;
            try {
                ByteBuffer payload = b.duplicate();
                payload.limit(p + length).position(p + RecordFrameDescriptor.HEADER_LENGTH);
                r = RecordCodec.decode(payload);
            } catch (IllegalArgumentException e) {
                why = "record that cannot be read (" + e.getMessage() + ")";
                break;
            }
            ids.add(id);
            found.add(new Location(null, p, length, r.code()));
            last = id;
            p += length;
        }
        if (p < end) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(p);
                ch.force(true);
            }
            bytesTruncated += end - p;
            problems.add(
                    name
                            + ": "
                            + why
                            + " at byte "
                            + p
                            + "; "
                            + (end - p)
                            + " bytes truncated, the "
                            + ids.size()
                            + " records before it kept");
        }
        DataFile file = DataFile.existing(path, firstId, p);
        files.put(firstId, file);
        recordsFound += ids.size();
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            file.records++;
            if (removed.contains(id)) {
                file.removed.add(id);
            } else {
                Location l = found.get(i);
                live.put(id, new Location(file, l.position(), l.length(), l.code()));
                counts.merge(l.code(), 1L, Long::sum);
                file.live++;
            }
        }
        return last;
    }
}
