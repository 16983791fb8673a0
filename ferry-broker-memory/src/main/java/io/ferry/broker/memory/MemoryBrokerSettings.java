package io.ferry.broker.memory;

import io.ferry.broker.BrokerConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The settings of a {@link MemoryBroker}; immutable, safe to share.
 *
 * <table>
 *   <caption>Settings (registry names)</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code events}</td><td>65536</td><td>capacity in events</td></tr>
 *   <tr><td>{@code bytes}</td><td>0 (unbounded)</td><td>capacity in bytes, as {@code Event.sizeBytes()} counts</td></tr>
 *   <tr><td>{@code flush.min_events}</td><td>1</td><td>a {@code get} waits for this many events ...</td></tr>
 *   <tr><td>{@code flush.timeout}</td><td>0 (no wait)</td><td>... or this long once one event is there</td></tr>
 * </table>
 *
 * @param capacityEvents the capacity in events, at least 1
 * @param capacityBytes the capacity in bytes, or {@code <= 0} for no byte bound
 * @param flushMinEvents the minimum events a {@code get} waits for (bounded by its maxEvents)
 * @param flushTimeout how long a {@code get} waits for {@code flushMinEvents} once one event is
 *     there
 * @param nanoClock the monotonic clock, in nanoseconds
 * @param clockTickNanos how often the ack thread refreshes the coarse clock stamping events
 * @param threadFactory makes the broker's ack thread
 */
public record MemoryBrokerSettings(
        int capacityEvents,
        long capacityBytes,
        int flushMinEvents,
        Duration flushTimeout,
        LongSupplier nanoClock,
        long clockTickNanos,
        ThreadFactory threadFactory) {

    /** The default capacity in events. */
    public static final int DEFAULT_CAPACITY_EVENTS = 65_536;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadFactory ACK_THREADS =
            r -> new Thread(r, "ferry-memory-broker-ack-" + THREADS.incrementAndGet());

    /** Validates the settings; messages name the registry setting. */
    public MemoryBrokerSettings {
        if (capacityEvents < 1 || capacityEvents > (1 << 30)) {
            throw new IllegalArgumentException(
                    "setting 'events' must be between 1 and 2^30, was " + capacityEvents);
        }
        if (flushMinEvents < 1) {
            throw new IllegalArgumentException(
                    "setting 'flush.min_events' must be at least 1, was " + flushMinEvents);
        }
        Objects.requireNonNull(flushTimeout, "flushTimeout");
        if (flushTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "setting 'flush.timeout' must not be negative, was " + flushTimeout);
        }
        Objects.requireNonNull(nanoClock, "nanoClock");
        Objects.requireNonNull(threadFactory, "threadFactory");
        if (clockTickNanos <= 0) {
            throw new IllegalArgumentException(
                    "clockTickNanos must be positive, was " + clockTickNanos);
        }
    }

    /** The defaults: 65536 events, no byte bound, no flush wait, the system clock. */
    public static MemoryBrokerSettings defaults() {
        return new MemoryBrokerSettings(
                DEFAULT_CAPACITY_EVENTS,
                0,
                1,
                Duration.ZERO,
                System::nanoTime,
                1_000_000L,
                ACK_THREADS);
    }

    /** Reads the registry settings of a {@code memory} broker; errors name the setting. */
    public static MemoryBrokerSettings from(BrokerConfig config) {
        MemoryBrokerSettings d = defaults();
        return d.withCapacityEvents(config.getInt("events", d.capacityEvents, 1, 1 << 30))
                .withCapacityBytes(config.getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .withFlush(
                        config.getInt("flush.min_events", 1, 1, 1 << 30),
                        config.getDuration(
                                "flush.timeout",
                                Duration.ZERO,
                                Duration.ZERO,
                                Duration.ofHours(1)));
    }

    /** These settings with another capacity in events. */
    public MemoryBrokerSettings withCapacityEvents(int events) {
        return new MemoryBrokerSettings(
                events,
                capacityBytes,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                clockTickNanos,
                threadFactory);
    }

    /** These settings with another capacity in bytes ({@code <= 0}: none). */
    public MemoryBrokerSettings withCapacityBytes(long bytes) {
        return new MemoryBrokerSettings(
                capacityEvents,
                bytes,
                flushMinEvents,
                flushTimeout,
                nanoClock,
                clockTickNanos,
                threadFactory);
    }

    /** These settings with other flush settings. */
    public MemoryBrokerSettings withFlush(int minEvents, Duration timeout) {
        return new MemoryBrokerSettings(
                capacityEvents,
                capacityBytes,
                minEvents,
                timeout,
                nanoClock,
                clockTickNanos,
                threadFactory);
    }

    /** These settings with another clock (tests use a fake one). */
    public MemoryBrokerSettings withNanoClock(LongSupplier clock) {
        return new MemoryBrokerSettings(
                capacityEvents,
                capacityBytes,
                flushMinEvents,
                flushTimeout,
                clock,
                clockTickNanos,
                threadFactory);
    }
}
