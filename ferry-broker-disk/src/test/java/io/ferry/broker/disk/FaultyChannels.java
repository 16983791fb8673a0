package io.ferry.broker.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * A {@link ChannelFactory} whose channels fail writes like a full disk while {@link #full} is set:
 * a write first goes through half-way (a partial write), the next one throws "No space left on
 * device". Set from the test thread, read by the broker's threads.
 */
final class FaultyChannels implements ChannelFactory {
    volatile boolean full;

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Faulty(FileChannel.open(path, options));
    }

    private final class Faulty extends FileChannel {
        private final FileChannel d;
        private boolean partialDone;

        Faulty(FileChannel d) {
            this.d = d;
        }

        private int guardWrite(ByteBuffer src, long position) throws IOException {
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
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return d.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            return d.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
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
            d.close();
        }
    }
}
