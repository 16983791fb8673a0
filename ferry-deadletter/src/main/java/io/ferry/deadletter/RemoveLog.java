package io.ferry.deadletter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The remove log of a {@link LocalDeadLetter} (layout in {@link RemoveLogDescriptor}); used only
 * under the store's lock.
 */
final class RemoveLog {
    private final Path dir;
    private FileChannel channel;
    private long sizeBytes;
    private long ids;

    private RemoveLog(Path dir, FileChannel channel, long sizeBytes, long ids) {
        this.dir = dir;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
        this.ids = ids;
    }

    /** What {@link #read} found. */
    record Contents(long floor, Set<Long> removed, List<String> problems) {}

    /** Reads the log of {@code dir} (missing: nothing removed); never fails on a torn tail. */
    static Contents read(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(RemoveLogDescriptor.TMP_FILE)); // a rewrite cut short
        Path file = dir.resolve(RemoveLogDescriptor.FILE);
        Set<Long> removed = new HashSet<>();
        List<String> problems = new ArrayList<>();
        if (!Files.exists(file)) {
            return new Contents(0, removed, problems);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (!RemoveLogDescriptor.isValidHeader(b)) {
            // without it, removed records come back: replayed again, never lost
            Path aside = dir.resolve(RemoveLogDescriptor.FILE + ".corrupt");
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            problems.add(
                    RemoveLogDescriptor.FILE
                            + ": invalid header; set aside as "
                            + aside.getFileName()
                            + ", records it removed are listed again");
            return new Contents(0, removed, problems);
        }
        long floor = b.getLong(RemoveLogDescriptor.FLOOR_OFFSET);
        int p = RemoveLogDescriptor.HEADER_LENGTH;
        int end = b.limit();
        while (p < end) {
            int length = RemoveLogDescriptor.check(b, p, end);
            if (length < 0) {
                problems.add(
                        RemoveLogDescriptor.FILE
                                + ": torn or corrupt frame at byte "
                                + p
                                + ", "
                                + (end - p)
                                + " bytes ignored (a remove cut short by a crash)");
                break;
            }
            int count = b.getInt(p + RemoveLogDescriptor.COUNT_OFFSET);
            for (int i = 0; i < count; i++) {
                removed.add(b.getLong(p + RemoveLogDescriptor.IDS_OFFSET + 8 * i));
            }
            p += length;
        }
        return new Contents(floor, removed, problems);
    }

    /**
     * Writes a fresh log holding {@code removed} with {@code floor} (to the temporary file, forced,
     * renamed over the log, the directory forced) and opens it for appending.
     */
    static RemoveLog rewrite(Path dir, long floor, Collection<Long> removed) throws IOException {
        Path tmp = dir.resolve(RemoveLogDescriptor.TMP_FILE);
        long size;
        try (FileChannel ch =
                FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            DataFile.writeFully(ch, RemoveLogDescriptor.header(floor), 0);
            size = RemoveLogDescriptor.HEADER_LENGTH;
            for (List<Long> chunk : chunks(removed)) {
                ByteBuffer f = RemoveLogDescriptor.frame(chunk);
                int n = f.remaining();
                DataFile.writeFully(ch, f, size);
                size += n;
            }
            ch.force(true);
        }
        Path file = dir.resolve(RemoveLogDescriptor.FILE);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LocalDeadLetter.forceDirectory(dir);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        return new RemoveLog(dir, ch, size, removed.size());
    }

    /** Appends {@code removedIds} (one frame per million) and forces them. */
    void append(Collection<Long> removedIds) throws IOException {
        for (List<Long> chunk : chunks(removedIds)) {
            ByteBuffer f = RemoveLogDescriptor.frame(chunk);
            int n = f.remaining();
            DataFile.writeFully(channel, f, sizeBytes);
            sizeBytes += n;
        }
        channel.force(false);
        ids += removedIds.size();
    }

    /** The ids the log holds. */
    long ids() {
        return ids;
    }

    /** Rewrites the log with only {@code removed}, under {@code floor}. */
    void compact(long floor, Collection<Long> removed) throws IOException {
        RemoveLog fresh = rewrite(dir, floor, removed); // the old log stays until the rename
        channel.close();
        channel = fresh.channel;
        sizeBytes = fresh.sizeBytes;
        ids = fresh.ids;
    }

    void close() throws IOException {
        channel.close();
    }

    private static List<List<Long>> chunks(Collection<Long> ids) {
        List<List<Long>> out = new ArrayList<>();
        List<Long> cur = new ArrayList<>();
        for (long id : ids) {
            cur.add(id);
            if (cur.size() == RemoveLogDescriptor.MAX_IDS_PER_FRAME) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }
}
