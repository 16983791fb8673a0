package io.ferry.gateway.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code ferry dev}'s working directory: the Kafka node's data and Kafka's log file, either a
 * temporary directory (removed on {@link #close()}, and by a later start if this process died
 * first) or the user's {@code --data-dir} (kept); created and used by one thread, closed by it or a
 * shutdown hook.
 */
final class DevDirectory implements AutoCloseable {
    /*
     * A temporary directory is named ferry-dev-<random> under java.io.tmpdir and holds an owner
     * file: "<pid> <process start, epoch ms>". A JVM killed with SIGKILL (or dead of an
     * OutOfMemoryError, or a second `ferry dev` that lost the race for a port) cannot remove its
     * directory, so every start first removes each ferry-dev-* directory whose owner is gone: no
     * process with that pid, or one that started at another time (the pid was reused). A directory
     * without an owner file is removed only when older than a minute (its owner died between
     * creating it and writing the file, or it is not ours).
     *
     * Both kinds hold an exclusive lock on <dir>/ferry-dev.lock while in use, so a second
     * `ferry dev --data-dir` on the same directory fails with a message instead of Kafka's own
     * lock error.
     */
    static final String PREFIX = "ferry-dev-";
    static final String OWNER_FILE = "ferry-dev.owner";
    private static final String LOCK_FILE = "ferry-dev.lock";
    private static final Duration UNOWNED_GRACE = Duration.ofMinutes(1);

    private final Path path;
    private final boolean temporary;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean closed;

    private DevDirectory(Path path, boolean temporary, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.temporary = temporary;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * A new temporary directory under {@code tmpRoot}, after removing those of dead owners there.
     */
    static DevDirectory temporary(Path tmpRoot) {
        sweep(tmpRoot);
        try {
            Path dir = Files.createTempDirectory(tmpRoot, PREFIX);
            Files.writeString(dir.resolve(OWNER_FILE), ownerLine(), StandardCharsets.UTF_8);
            return locked(dir, true);
        } catch (IOException e) {
            throw new UncheckedIOException("creating ferry dev's directory failed", e);
        }
    }

    /**
     * {@code dir} (created if missing), kept after close.
     *
     * @throws IllegalStateException when another {@code ferry dev} uses it
     */
    static DevDirectory persistent(Path dir) {
        try {
            Files.createDirectories(dir);
            DevDirectory d = locked(dir, false);
            Files.writeString(dir.resolve(OWNER_FILE), ownerLine(), StandardCharsets.UTF_8);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use --data-dir " + dir + ": " + e, e);
        }
    }

    private static DevDirectory locked(Path dir, boolean temporary) throws IOException {
        FileChannel ch =
                FileChannel.open(
                        dir.resolve(LOCK_FILE),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IllegalStateException(
                    "--data-dir "
                            + dir
                            + " is in use by another ferry dev"
                            + owner(dir).map(o -> " (pid " + o.pid + ")").orElse("")
                            + "; stop it, or pick another directory");
        }
        return new DevDirectory(dir, temporary, ch, lock);
    }

    /** Where the data is. */
    Path path() {
        return path;
    }

    /** The Kafka node's log and metadata directory. */
    Path kafkaData() {
        return path.resolve("kafka");
    }

    /** The file Kafka's own log lines go to. */
    Path kafkaLogFile() {
        return path.resolve("kafka.log");
    }

    /** Whether {@link #close()} removes the directory. */
    boolean isTemporary() {
        return temporary;
    }

    /**
     * Releases the lock; removes a temporary directory (call it after Kafka stopped). Again: no
     * effect. Synchronized: the main thread and a shutdown hook may both call it.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // the process is ending or the directory goes next: the lock goes with either
        }
        if (temporary) {
            deleteTree(path);
        }
    }

    /**
     * Removes every {@code ferry-dev-*} directory in {@code tmpRoot} whose owner process is gone;
     * returns those removed.
     */
    static List<Path> sweep(Path tmpRoot) {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmpRoot, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && abandoned(dir)) {
                    deleteTree(dir);
                    removed.add(dir);
                }
            }
        } catch (IOException e) {
            // an unreadable temporary directory: nothing of ours to clean there
        }
        return removed;
    }

    private static boolean abandoned(Path dir) throws IOException {
        Optional<Owner> owner = owner(dir);
        if (owner.isEmpty()) {
            Instant modified = Files.getLastModifiedTime(dir).toInstant();
            return modified.plus(UNOWNED_GRACE).isBefore(Instant.now());
        }
        return !owner.get().alive();
    }

    private record Owner(long pid, long startMs) {
        boolean alive() {
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .map(
                            p ->
                                    startMs <= 0
                                            || p.info()
                                                    .startInstant()
                                                    .map(i -> i.toEpochMilli() == startMs)
                                                    .orElse(true))
                    .orElse(false);
        }
    }

    private static Optional<Owner> owner(Path dir) {
        try {
            String line = Files.readString(dir.resolve(OWNER_FILE), StandardCharsets.UTF_8).trim();
            int space = line.indexOf(' ');
            return space < 0
                    ? Optional.of(new Owner(Long.parseLong(line), 0))
                    : Optional.of(
                            new Owner(
                                    Long.parseLong(line.substring(0, space)),
                                    Long.parseLong(line.substring(space + 1).trim())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String ownerLine() {
        ProcessHandle me = ProcessHandle.current();
        return me.pid()
                + " "
                + me.info().startInstant().map(Instant::toEpochMilli).orElse(0L)
                + System.lineSeparator();
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(
                    root,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                                throws IOException {
                            Files.deleteIfExists(file);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException e)
                                throws IOException {
                            Files.deleteIfExists(dir);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            // what is left, a later start removes (its owner is gone by then)
        }
    }
}
