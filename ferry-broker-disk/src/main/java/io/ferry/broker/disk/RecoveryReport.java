package io.ferry.broker.disk;

/**
 * What recovery found when a {@link DiskBroker} opened its directory; immutable.
 *
 * @param durationNanos how long recovery took
 * @param checkpointValid false when the checkpoint was missing or corrupt and recovery started at
 *     the oldest segment (events may be delivered again, none lost)
 * @param segmentsScanned segment files read
 * @param eventsRecovered events found that were not acknowledged, now buffered again
 * @param bytesRecovered their size as {@code Event.sizeBytes()} counts it
 * @param framesTruncated incomplete or corrupt frames dropped at the tail of the last segment
 * @param bytesTruncated bytes cut off the tail of segments (torn writes, corruption)
 * @param eventsLost events known to be lost to corruption inside a segment (a gap in sequences)
 * @param corruptSegments segments whose header or a middle frame was corrupt
 */
public record RecoveryReport(
        long durationNanos,
        boolean checkpointValid,
        int segmentsScanned,
        long eventsRecovered,
        long bytesRecovered,
        long framesTruncated,
        long bytesTruncated,
        long eventsLost,
        int corruptSegments) {

    /** True when nothing was dropped: no truncation, no loss, no corrupt segment. */
    public boolean clean() {
        return framesTruncated == 0
                && bytesTruncated == 0
                && eventsLost == 0
                && corruptSegments == 0;
    }
}
