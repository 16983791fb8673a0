package io.ferry.deadletter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One data file of a {@link LocalDeadLetter}: its channel, its size and the counts of its records;
 * used only under the store's lock.
 */
final class DataFile {
    final Path path;
    final long firstId;
    private final FileChannel channel;
    private long sizeBytes;

    /** Records in the file. */
    int records;

    /** Records in the file not removed. */
    int live;

    /** Ids of the file's records that were removed (kept in the remove log while the file is). */
    final List<Long> removed = new ArrayList<>();

    private DataFile(Path path, long firstId, FileChannel channel, long sizeBytes) {
        this.path = path;
        this.firstId = firstId;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
    }

    /** A new file for records from {@code firstId}: its header written and forced. */
    static DataFile create(Path dir, long firstId) throws IOException {
        Path path = dir.resolve(DataFileDescriptor.fileName(firstId));
        FileChannel ch =
                FileChannel.open(
                        path,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
        try {
            writeFully(ch, DataFileDescriptor.header(firstId), 0);
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new DataFile(path, firstId, ch, DataFileDescriptor.HEADER_LENGTH);
    }

    /** An existing file of {@code sizeBytes} valid bytes, opened for reading. */
    static DataFile existing(Path path, long firstId, long sizeBytes) throws IOException {
        return new DataFile(
                path, firstId, FileChannel.open(path, StandardOpenOption.READ), sizeBytes);
    }

    long sizeBytes() {
        return sizeBytes;
    }

    /** Writes {@code frame} at the end and forces it; returns the position it was written at. */
    long append(ByteBuffer frame) throws IOException {
        long at = sizeBytes;
        int length = frame.remaining();
        writeFully(channel, frame, at);
        channel.force(false); // fdatasync: the frame is durable when append returns
        sizeBytes = at + length;
        return at;
    }

    /** The {@code length} bytes at {@code position}. */
    ByteBuffer read(long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (channel.read(b, position + b.position()) < 0) {
                throw new IOException(
                        path
                                + ": ends before the frame at "
                                + position
                                + " ("
                                + length
                                + " bytes)");
            }
        }
        return b.flip();
    }

    void close() throws IOException {
        channel.close();
    }

    /** Closes and deletes the file. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }

    static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
