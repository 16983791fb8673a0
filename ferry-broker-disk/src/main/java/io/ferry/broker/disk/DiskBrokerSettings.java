package io.ferry.broker.disk;

import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The settings of a {@link DiskBroker}; immutable, safe to share.
 *
 * <table>
 *   <caption>Settings (registry names)</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code path}</td><td>(required)</td><td>the directory holding segments and checkpoint</td></tr>
 *   <tr><td>{@code bytes}</td><td>1GiB</td><td>capacity in bytes, as {@code Event.sizeBytes()} counts</td></tr>
 *   <tr><td>{@code events}</td><td>0 (unbounded)</td><td>capacity in events</td></tr>
 *   <tr><td>{@code segment.bytes}</td><td>64MiB</td><td>segment file size; a new segment starts when the next frame would not fit</td></tr>
 *   <tr><td>{@code fsync}</td><td>always</td><td>{@code always}, or {@code never} (RISKY: acked events can be lost on a machine crash)</td></tr>
 *   <tr><td>{@code fsync.max_events}</td><td>65536</td><td>the most events one group commit (one fsync) covers</td></tr>
 *   <tr><td>{@code fsync.interval}</td><td>0 (no wait)</td><td>how long the writer waits for more events before a group's fsync</td></tr>
 *   <tr><td>{@code checkpoint.interval}</td><td>50ms</td><td>the least time between two writes of the read position; consumer acks younger than this may be delivered again after a crash (0: after every round of the writer)</td></tr>
 *   <tr><td>{@code flush.min_events}</td><td>1</td><td>a {@code get} waits for this many events ...</td></tr>
 *   <tr><td>{@code flush.timeout}</td><td>0 (no wait)</td><td>... or this long once one event is there</td></tr>
 * </table>
 *
 * @param directory the directory of the segments and the checkpoint (created when missing)
 * @param capacityBytes the capacity in bytes, at least 1
 * @param capacityEvents the capacity in events, or {@code <= 0} for no event bound
 * @param segmentBytes the target size of a segment file
 * @param fsync when events are forced to the device
 * @param groupCommitMaxEvents the most events forced by one fsync
 * @param groupCommitInterval how long the writer lingers for more events before forcing a group
 * @param checkpointInterval the least time between two checkpoint writes
 * @param flushMinEvents the minimum events a {@code get} waits for (bounded by its maxEvents)
 * @param flushTimeout how long a {@code get} waits for {@code flushMinEvents} once one event is
 *     there
 * @param nanoClock the monotonic clock, in nanoseconds
 * @param threadFactory makes the broker's writer thread
 */
public record DiskBrokerSettings(
        Path directory,
        long capacityBytes,
        int capacityEvents,
        long segmentBytes,
        FsyncMode fsync,
        int groupCommitMaxEvents,
        Duration groupCommitInterval,
        Duration checkpointInterval,
        int flushMinEvents,
        Duration flushTimeout,
        LongSupplier nanoClock,
        ThreadFactory threadFactory) {

    /** The default capacity in bytes: 1 GiB. */
    public static final long DEFAULT_CAPACITY_BYTES = 1L << 30;

    /** The default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    /** The default group commit bound in events. */
    public static final int DEFAULT_GROUP_COMMIT_MAX_EVENTS = 65_536;

    /** The default least time between two checkpoints. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMillis(50);

    /** The smallest segment size accepted. */
    public static final long MIN_SEGMENT_BYTES = 4096;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadFactory WRITER_THREADS =
            r -> new Thread(r, "ferry-disk-broker-writer-" + THREADS.incrementAndGet());

    /** Validates the settings; messages name the registry setting. */
    public DiskBrokerSettings {
        Objects.requireNonNull(directory, "setting 'path' (directory) is required");
        if (capacityBytes < 1) {
            throw new IllegalArgumentException(
                    "setting 'bytes' must be at least 1, was " + capacityBytes);
        }
        if (segmentBytes < MIN_SEGMENT_BYTES) {
            throw new IllegalArgumentException(
                    "setting 'segment.bytes' must be at least "
                            + MIN_SEGMENT_BYTES
                            + ", was "
                            + segmentBytes);
        }
        Objects.requireNonNull(fsync, "fsync");
        if (groupCommitMaxEvents < 1) {
            throw new IllegalArgumentException(
                    "setting 'fsync.max_events' must be at least 1, was " + groupCommitMaxEvents);
        }
        requireNonNegative(groupCommitInterval, "fsync.interval");
        requireNonNegative(checkpointInterval, "checkpoint.interval");
        if (flushMinEvents < 1) {
            throw new IllegalArgumentException(
                    "setting 'flush.min_events' must be at least 1, was " + flushMinEvents);
        }
        requireNonNegative(flushTimeout, "flush.timeout");
        Objects.requireNonNull(nanoClock, "nanoClock");
        Objects.requireNonNull(threadFactory, "threadFactory");
    }

    private static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(
                    "setting '" + name + "' must not be negative, was " + d);
        }
    }

    /**
     * The defaults, in {@code directory}: 1 GiB, no event bound, 64 MiB segments, fsync always,
     * checkpoint every 50 ms at most.
     */
    public static DiskBrokerSettings defaults(Path directory) {
        return new DiskBrokerSettings(
                directory,
                DEFAULT_CAPACITY_BYTES,
                0,
                DEFAULT_SEGMENT_BYTES,
                FsyncMode.ALWAYS,
                DEFAULT_GROUP_COMMIT_MAX_EVENTS,
                Duration.ZERO,
                DEFAULT_CHECKPOINT_INTERVAL,
                1,
                Duration.ZERO,
                System::nanoTime,
                WRITER_THREADS);
    }

    /** Reads the registry settings of a {@code disk} broker; errors name the setting. */
    public static DiskBrokerSettings from(BrokerConfig config) {
        String path = config.getString("path", null);
        if (path == null || path.isEmpty()) {
            throw new BrokerConfigException(
                    "broker type 'disk': setting 'path' is required; expected the directory for segments");
        }
        String fsyncName = config.getString("fsync", "always").toLowerCase(Locale.ROOT);
        FsyncMode mode =
                switch (fsyncName) {
                    case "always" -> FsyncMode.ALWAYS;
                    case "never" -> FsyncMode.NEVER;
                    default ->
                            throw new BrokerConfigException(
                                    "broker type 'disk': setting 'fsync' is '"
                                            + fsyncName
                                            + "'; expected always or never");
                };
        DiskBrokerSettings d = defaults(Path.of(path));
        Duration hour = Duration.ofHours(1);
        return new DiskBrokerSettings(
                d.directory,
                config.getBytes("bytes", DEFAULT_CAPACITY_BYTES, 1, Long.MAX_VALUE),
                config.getInt("events", 0, 0, 1 << 30),
                config.getBytes(
                        "segment.bytes", DEFAULT_SEGMENT_BYTES, MIN_SEGMENT_BYTES, 1L << 40),
                mode,
                config.getInt("fsync.max_events", DEFAULT_GROUP_COMMIT_MAX_EVENTS, 1, 1 << 30),
                config.getDuration("fsync.interval", Duration.ZERO, Duration.ZERO, hour),
                config.getDuration(
                        "checkpoint.interval", DEFAULT_CHECKPOINT_INTERVAL, Duration.ZERO, hour),
                config.getInt("flush.min_events", 1, 1, 1 << 30),
                config.getDuration("flush.timeout", Duration.ZERO, Duration.ZERO, hour),
                d.nanoClock,
                d.threadFactory);
    }

    /** These settings with another capacity in bytes. */
    public DiskBrokerSettings withCapacityBytes(long bytes) {
        return new DiskBrokerSettings(
                directory,
                bytes,
                capacityEvents,
                segmentBytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with another capacity in events ({@code <= 0}: none). */
    public DiskBrokerSettings withCapacityEvents(int events) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                events,
                segmentBytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with another segment size. */
    public DiskBrokerSettings withSegmentBytes(long bytes) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                bytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with another fsync mode. */
    public DiskBrokerSettings withFsync(FsyncMode mode) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                segmentBytes,
                mode,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with other group commit bounds. */
    public DiskBrokerSettings withGroupCommit(int maxEvents, Duration interval) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                segmentBytes,
                fsync,
                maxEvents,
                interval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with another checkpoint interval. */
    public DiskBrokerSettings withCheckpointInterval(Duration interval) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                segmentBytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                interval,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with other flush settings. */
    public DiskBrokerSettings withFlush(int minEvents, Duration timeout) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                segmentBytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                minEvents,
                timeout,
                nanoClock,
                threadFactory);
    }

    /** These settings with another clock (tests use a fake one). */
    public DiskBrokerSettings withNanoClock(LongSupplier clock) {
        return new DiskBrokerSettings(
                directory,
                capacityBytes,
                capacityEvents,
                segmentBytes,
                fsync,
                groupCommitMaxEvents,
                groupCommitInterval,
                checkpointInterval,
                flushMinEvents,
                flushTimeout,
                clock,
                threadFactory);
    }
}
