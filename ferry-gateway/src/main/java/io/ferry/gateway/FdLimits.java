package io.ferry.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's file-descriptor limit and the default connection limit derived from it; stateless,
 * any thread.
 */
final class FdLimits {
    /** {@link #maxFds} and {@link #openFds} where the JVM cannot tell (not a Unix). */
    static final long UNKNOWN = -1;

    /** The highest default connection limit, whatever the fd limit: idle connections cost heap. */
    static final int MAX_DERIVED_CONNECTIONS = 65_536;

    /** The least room kept for everything that is not an HTTP connection. */
    static final int MIN_RESERVED_FDS = 128;

    private FdLimits() {}

    /**
     * The default of gateway.max-connections: of the descriptors not open yet ({@code maxFds -
     * openFds}), three quarters, but keeping at least {@value #MIN_RESERVED_FDS} back for Kafka
     * connections (a few per node and cluster), the disk broker's segment and checkpoint files, log
     * files and the JVM; at least 16, at most {@value #MAX_DERIVED_CONNECTIONS}. With no limit
     * known: 4096.
     */
    static int derivedMaxConnections(long maxFds, long openFds) {
        if (maxFds <= 0) {
            return 4096;
        }
        long available = maxFds - Math.max(0, openFds);
        long n = Math.min(available * 3 / 4, available - MIN_RESERVED_FDS);
        return (int) Math.max(16, Math.min(MAX_DERIVED_CONNECTIONS, n));
    }

    /** The process's fd limit ({@code ulimit -n}), or {@link #UNKNOWN}. */
    static long maxFds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getMaxFileDescriptorCount()
                : UNKNOWN;
    }

    /** The descriptors open now, or {@link #UNKNOWN}. */
    static long openFds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getOpenFileDescriptorCount()
                : UNKNOWN;
    }
}
