package io.ferry.broker.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ChannelFactory} whose channels fail writes like a full disk while {@link #full} is set:
 * a write first goes through half-way (a partial write), the next one throws "No space left on
 * device". Set from the test thread, read by the broker's threads.
 */
final class FaultyChannels implements ChannelFactory {
    volatile boolean full;

    /** Called before every write of a segment file ({@code .seg}); may block or throw. */
    volatile Hook beforeSegmentWrite;

    /**
     * Called before every read of a segment file; a thrown ClosedByInterruptException closes the
     * channel.
     */
    volatile Hook beforeSegmentRead;

    /** Called before a file is opened; may throw. */
    volatile Hook beforeOpen;

    /**
     * When at least 0: writes fail with "No space left on device" while the files of the directory
     * would then hold more than this many bytes (a disk the broker's own segments fill).
     */
    volatile long quotaBytes = -1;

    final AtomicInteger openChannels = new AtomicInteger();

    /** A test's fault injection point. */
    @FunctionalInterface
    interface Hook {
        void run(Path path) throws IOException;
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        Hook h = beforeOpen;
        if (h != null) {
            h.run(path);
        }
        FileChannel ch = new Faulty(path, FileChannel.open(path, options));
        openChannels.incrementAndGet();
        return ch;
    }

    private static boolean isSegment(Path path) {
        return path.getFileName().toString().endsWith(SegmentDescriptor.SUFFIX);
    }

    private static long directoryBytes(Path dir) throws IOException {
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    total += Files.size(p);
                } catch (NoSuchFileException e) {
                    // deleted meanwhile
                }
            }
        }
        return total;
    }

    private final class Faulty extends FileChannel {
        private final Path path;
        private final FileChannel d;
        private boolean partialDone;

        Faulty(Path path, FileChannel d) {
            this.path = path;
            this.d = d;
        }

        private void beforeRead() throws IOException {
            Hook h = beforeSegmentRead;
            if (h != null && isSegment(path)) {
                try {
                    h.run(path);
                } catch (ClosedByInterruptException e) {
                    close();
                    throw e;
                }
            }
        }

        private int guardWrite(ByteBuffer src, long position) throws IOException {
            Hook h = beforeSegmentWrite;
            if (h != null && isSegment(path)) {
                h.run(path);
            }
            long quota = quotaBytes;
            if (quota >= 0) {
                long end =
                        position < 0 ? d.position() + src.remaining() : position + src.remaining();
                if (directoryBytes(path.getParent()) + Math.max(0, end - d.size()) > quota) {
                    throw new IOException("No space left on device");
                }
            }
            if (full) {
                if (!partialDone && src.remaining() > 1) {
                    partialDone = true;
                    ByteBuffer half = src.duplicate();
                    half.limit(half.position() + src.remaining() / 2);
                    int n = position < 0 ? d.write(half) : d.write(half, position);
                    src.position(src.position() + n);
                    return n;
                }
                partialDone = false;
                throw new IOException("No space left on device");
            }
            return position < 0 ? d.write(src) : d.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            beforeRead();
            return d.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return d.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return guardWrite(src, -1);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            return d.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            d.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            d.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target)
                throws IOException {
            return d.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count)
                throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            return d.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            beforeRead();
            return d.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return guardWrite(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return d.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return d.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return d.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            openChannels.decrementAndGet();
            d.close();
        }
    }
}
