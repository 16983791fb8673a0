package io.ferry.broker.disk;

/**
 * A snapshot of a {@link DiskBroker}'s disk counters, for metrics; immutable. Read without stopping
 * the broker, so fields may be slightly apart from each other.
 *
 * @param bytesOnDisk the size of all segment files
 * @param eventsOnDisk events stored and not acknowledged by a consumer (includes recovered ones)
 * @param segments segment files
 * @param fsyncs forces of segment data since start
 * @param fsyncNanosTotal time spent in those forces
 * @param fsyncNanosMax the longest force
 * @param fsyncedEvents events made durable by those forces (events per fsync = fsyncedEvents /
 *     fsyncs)
 * @param checkpoints checkpoints written since start
 * @param checkpointSeq the persisted read position: every event with a smaller sequence is
 *     acknowledged and will not be delivered again after a crash
 * @param writeErrors write or force failures since start (the writer retries)
 * @param lastWriteError the message of the last write failure, or null
 * @param recovery what recovery found at start
 */
public record DiskStats(
        long bytesOnDisk,
        long eventsOnDisk,
        int segments,
        long fsyncs,
        long fsyncNanosTotal,
        long fsyncNanosMax,
        long fsyncedEvents,
        long checkpoints,
        long checkpointSeq,
        long writeErrors,
        String lastWriteError,
        RecoveryReport recovery) {}
