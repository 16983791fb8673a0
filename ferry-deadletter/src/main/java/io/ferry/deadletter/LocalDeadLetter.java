package io.ferry.deadletter;

import io.ferry.deadletter.StoreRecovery.Location;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The local dead letter: records in CRC-checked files of one directory; every method is safe from
 * any thread (several engine threads append at once), and {@link #append} and {@link #remove} are
 * durable when they return.
 *
 * <p>It is the fallback when the dead-letter topic cannot be written and the default when none is
 * configured. {@link #append} gives each record an id, unique and increasing in the directory
 * across reopenings. When a record would take the files past {@code maxBytes}, {@code append}
 * returns {@link #FULL} and writes nothing: the caller keeps the event in its spool and tries again
 * later, so nothing is dropped. {@link #remove} (after a replay) is durable too: a removed record
 * never comes back after a crash. Format and semantics: {@code docs/dead-letter.md}.
 */
public final class LocalDeadLetter implements AutoCloseable {
    /** {@link #append}: the record does not fit under {@code maxBytes} now; nothing written. */
    public static final long FULL = -1;

    /**
     * {@link #append}: the record would not fit even into an empty store ({@code maxBytes} or the 1
     * GiB frame limit); nothing written.
     */
    public static final long TOO_LARGE = -2;

    /** The default size at which a data file is closed and the next one started: 16 MiB. */
    public static final int DEFAULT_FILE_BYTES = 16 << 20;

    /** Held with a {@link FileLock} while a store has the directory open. */
    static final String LOCK_FILE = "dead-letter.lock";

    /*
     * Design notes for maintainers.
     *
     * Concurrency: one ReentrantLock guards all state below; append, remove, the counts and each
     * read of one record take it. Appends are rare (a record Kafka refused for good), so they are
     * serialized with their fsync under the lock rather than group-committed; ids are therefore
     * written in increasing order, file by file, which recovery checks.
     *
     * Durability: append = positional write of the frame + force(false) before returning; a new
     * data file's header is forced and the directory forced before its first frame. remove =
     * one frame per call in removed.log, forced, before the in-memory index forgets the ids;
     * data files whose records are all removed are then deleted and the directory forced. A crash
     * between the two leaves a file of removed records, which recovery deletes.
     *
     * Failure: an IOException from a write abandons the active file (its tail may be torn; the
     * next append starts a new file, recovery truncates the tail). Its record is not in the index
     * but may be on disk: after a reopen it can be listed (a duplicate, never a loss).
     *
     * Recovery: StoreRecovery, at open, with the directory locked.
     */

    private final Path dir;
    private final long maxBytes;
    private final int fileBytes;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final DeadLetterRecovery recovery;

    // guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<Long, DataFile> files;
    private final TreeMap<Long, Location> live;
    private final TreeMap<String, Long> counts;
    private final RemoveLog removeLog;
    private DataFile active;
    private long nextId;
    private long bytesUsed;
    private boolean closed;

    private LocalDeadLetter(
            Path dir,
            long maxBytes,
            int fileBytes,
            FileChannel lockChannel,
            FileLock dirLock,
            StoreRecovery r) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.fileBytes = fileBytes;
        this.lockChannel = lockChannel;
        this.dirLock = dirLock;
        this.recovery = r.report;
        this.files = r.files;
        this.live = r.live;
        this.counts = r.counts;
        this.removeLog = r.removeLog;
        this.nextId = r.nextId;
        this.bytesUsed = r.bytesUsed;
    }

    /**
     * Opens (creating it if needed) the dead letter in {@code dir}, bounded by {@code maxBytes} of
     * data files, with files of {@link #DEFAULT_FILE_BYTES}. A torn or corrupt tail is truncated
     * and reported in {@link #recovery()}, never a failure to open.
     *
     * @throws IOException when the directory cannot be read or written, or another store (another
     *     process) has it open
     */
    public static LocalDeadLetter open(Path dir, long maxBytes) throws IOException {
        return open(dir, maxBytes, DEFAULT_FILE_BYTES);
    }

    /**
     * As {@link #open(Path, long)}, starting a new data file when one reaches {@code fileBytes}.
     */
    public static LocalDeadLetter open(Path dir, long maxBytes, int fileBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes is " + maxBytes + "; expected at least 1");
        }
        if (fileBytes < DataFileDescriptor.HEADER_LENGTH + RecordFrameDescriptor.HEADER_LENGTH) {
            throw new IllegalArgumentException(
                    "fileBytes is " + fileBytes + "; expected at least 44");
        }
        Files.createDirectories(dir);
        FileChannel lc =
                FileChannel.open(
                        dir.resolve(LOCK_FILE),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
        FileLock fl;
        try {
            fl = lc.tryLock();
        } catch (OverlappingFileLockException e) {
            fl = null;
        }
        if (fl == null) {
            lc.close();
            throw new IOException(
                    "dead letter " + dir + " is in use by another store (another process?)");
        }
        try {
            StoreRecovery r = StoreRecovery.run(dir);
            return new LocalDeadLetter(dir, maxBytes, fileBytes, lc, fl, r);
        } catch (IOException | RuntimeException e) {
            fl.release();
            lc.close();
            throw e;
        }
    }

    /**
     * Writes {@code r} durably (write + fsync) and returns its id (at least 1); or {@link #FULL}
     * when it would take the files past {@code maxBytes}, {@link #TOO_LARGE} when it never fits.
     * Any thread.
     *
     * @throws IOException when writing fails; the record may or may not be on disk
     * @throws IllegalStateException after {@link #close}
     */
    public long append(DeadLetterRecord r) throws IOException {
        byte[] payload;
        try {
            payload = RecordCodec.encode(r); // outside the lock: the other appenders go on
        } catch (IllegalArgumentException e) {
            return TOO_LARGE;
        }
        long frameBytes = (long) RecordFrameDescriptor.HEADER_LENGTH + payload.length;
        lock.lock();
        try {
            ensureOpen();
            if (frameBytes + DataFileDescriptor.HEADER_LENGTH > maxBytes) {
                return TOO_LARGE;
            }
            boolean rotate = active == null || active.sizeBytes() + frameBytes > fileBytes;
            long need = frameBytes + (rotate ? DataFileDescriptor.HEADER_LENGTH : 0);
            if (bytesUsed + need > maxBytes) {
                return FULL;
            }
            long id = nextId++;
            DataFile file = active;
            if (rotate) {
                active = null;
                file = DataFile.create(dir, id);
                files.put(id, file);
                bytesUsed += file.sizeBytes();
                forceDirectory(dir); // the new name is durable before records depend on it
                active = file;
            }
            long at;
            try {
                at = file.append(RecordFrameDescriptor.frame(id, payload));
            } catch (IOException e) {
                active = null; // its tail may be torn: the next append starts a new file
                throw e;
            }
            bytesUsed += frameBytes;
            file.records++;
            file.live++;
            live.put(id, new Location(file, at, (int) frameBytes, r.code()));
            counts.merge(r.code(), 1L, Long::sum);
            return id;
        } finally {
            lock.unlock();
        }
    }

    /** The record of {@code id}, or null when there is none (never written, or removed). */
    public DeadLetterEntry read(long id) throws IOException {
        lock.lock();
        try {
            ensureOpen();
            Location l = live.get(id);
            return l == null ? null : new DeadLetterEntry(id, readAt(id, l));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Calls {@code action} with every record, in id order, one read at a time (memory holds one
     * record); records removed meanwhile are skipped, records appended meanwhile may be seen.
     */
    public void forEach(Consumer<? super DeadLetterEntry> action) throws IOException {
        for (long id : ids()) {
            DeadLetterEntry e = read(id);
            if (e != null) {
                action.accept(e);
            }
        }
    }

    /** Every record, in id order. */
    public List<DeadLetterEntry> list() throws IOException {
        List<DeadLetterEntry> out = new ArrayList<>();
        forEach(out::add);
        return out;
    }

    /** The ids of the records, in order. */
    public List<Long> ids() {
        lock.lock();
        try {
            ensureOpen();
            return new ArrayList<>(live.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** The number of records. */
    public long size() {
        lock.lock();
        try {
            return live.size();
        } finally {
            lock.unlock();
        }
    }

    /** The number of records by failure code, codes in order. */
    public Map<String, Long> countsByCode() {
        lock.lock();
        try {
            return new TreeMap<>(counts);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bytes of the data files, what {@code maxBytes} bounds (the small remove log aside); a
     * removed record's bytes are freed when every record of its file is removed.
     */
    public long bytesUsed() {
        lock.lock();
        try {
            return bytesUsed;
        } finally {
            lock.unlock();
        }
    }

    /** The bound given at open. */
    public long maxBytes() {
        return maxBytes;
    }

    /** The directory. */
    public Path directory() {
        return dir;
    }

    /** What opening found: torn tails, corrupt frames, files set aside. */
    public DeadLetterRecovery recovery() {
        return recovery;
    }

    /**
     * Removes the records of {@code ids} durably (unknown ids are ignored) and returns how many
     * were removed; a removed record is not listed again, after a crash neither. Data files whose
     * records are all removed are deleted.
     *
     * @throws IOException when the remove log cannot be written; then nothing is removed in this
     *     store (after a reopen the ids may be removed or not)
     */
    public int remove(Collection<Long> ids) throws IOException {
        lock.lock();
        try {
            ensureOpen();
            TreeSet<Long> present = new TreeSet<>();
            for (Long id : ids) {
                if (id != null && live.containsKey(id)) {
                    present.add(id);
                }
            }
            if (present.isEmpty()) {
                return 0;
            }
            removeLog.append(present); // durable first: then forget
            boolean deleted = false;
            for (long id : present) {
                Location l = live.remove(id);
                counts.computeIfPresent(l.code(), (c, n) -> n == 1 ? null : n - 1);
                DataFile f = l.file();
                f.live--;
                f.removed.add(id);
                if (f.live == 0) {
                    if (f == active) {
                        active = null;
                    }
                    files.remove(f.firstId);
                    bytesUsed -= f.sizeBytes();
                    f.delete();
                    deleted = true;
                }
            }
            if (deleted) {
                forceDirectory(dir);
            }
            compactIfWorthIt();
            return present.size();
        } finally {
            lock.unlock();
        }
    }

    private void compactIfWorthIt() throws IOException {
        long stillNeeded = 0;
        for (DataFile f : files.values()) {
            stillNeeded += f.removed.size();
        }
        if (removeLog.ids() > 4096 && removeLog.ids() > 2 * stillNeeded) {
            List<Long> keep = new ArrayList<>();
            files.values().forEach(f -> keep.addAll(f.removed));
            removeLog.compact(nextId - 1, keep);
        }
    }

    private DeadLetterRecord readAt(long id, Location l) throws IOException {
        ByteBuffer b = l.file().read(l.position(), l.length());
        int length = RecordFrameDescriptor.check(b, 0, b.limit());
        if (length != l.length() || RecordFrameDescriptor.id(b, 0) != id) {
            throw new IOException(
                    l.file().path
                            + ": the frame of record "
                            + id
                            + " at byte "
                            + l.position()
                            + " changed on disk since it was written or read (corrupt)");
        }
        b.position(RecordFrameDescriptor.HEADER_LENGTH);
        return RecordCodec.decode(b);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("dead letter " + dir + " is closed");
        }
    }

    /** Closes the files and releases the directory; idempotent. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (DataFile f : files.values()) {
                f.close();
            }
            removeLog.close();
            dirLock.release();
            lockChannel.close();
        } finally {
            lock.unlock();
        }
    }

    /** Forces {@code dir}'s entries (new, renamed, deleted files) to disk. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
