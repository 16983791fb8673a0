package io.ferry.broker.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the file channels the disk broker writes and reads through; stateless, any thread. The seam
 * tests use to inject write errors (a full disk).
 */
@FunctionalInterface
interface ChannelFactory {
    /** The real file system. */
    ChannelFactory DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
