package io.ferry.gateway;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request-body bytes in progress over every event loop, bounded by
 * gateway.max-in-flight-body-bytes; thread-safe (one atomic).
 */
final class BodyBudget {
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    BodyBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Takes {@code n} bytes; false (nothing taken) when that would pass the bound. */
    boolean tryReserve(long n) {
        long now = used.addAndGet(n);
        if (now > maxBytes && now != n) { // one body alone is always let in (max-body-bytes)
            used.addAndGet(-n);
            return false;
        }
        return true;
    }

    /** Gives back {@code n} bytes taken with {@link #tryReserve}. */
    void release(long n) {
        if (n != 0) {
            used.addAndGet(-n);
        }
    }

    /** Bytes in progress now. */
    long used() {
        return used.get();
    }

    /** The bound. */
    long maxBytes() {
        return maxBytes;
    }
}
