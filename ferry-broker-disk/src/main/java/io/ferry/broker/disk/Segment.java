package io.ferry.broker.disk;

import java.nio.file.Path;

/**
 * One segment file as the broker tracks it; {@link #endOffset} and {@link #sealed} are written by
 * the writer thread (or recovery) under the broker lock and read by consumers.
 */
final class Segment {
    final long id;
    final Path path;
    final long firstSeq;

    /**
     * The end of the data readers may read: forced data of the active segment, all of a sealed one.
     */
    volatile long endOffset;

    /** True once no frame will be appended. */
    volatile boolean sealed;

    Segment(long id, Path path, long firstSeq, long endOffset, boolean sealed) {
        this.id = id;
        this.path = path;
        this.firstSeq = firstSeq;
        this.endOffset = endOffset;
        this.sealed = sealed;
    }

    @Override
    public String toString() {
        return "Segment{"
                + id
                + ", firstSeq="
                + firstSeq
                + ", end="
                + endOffset
                + (sealed ? ", sealed" : "")
                + "}";
    }
}
