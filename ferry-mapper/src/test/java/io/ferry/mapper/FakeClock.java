package io.ferry.mapper;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** A clock that moves only when a test says so; thread-safe (volatile), advanced by one thread. */
final class FakeClock implements LongSupplier {
    // Starts 10 s before the wrap point, as System.nanoTime may: long runs cross it, so the
    // mapper's
    // arithmetic on times must compare by subtraction.
    private volatile long nanos = Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(10);

    @Override
    public long getAsLong() {
        return nanos;
    }

    void advanceMs(long ms) {
        nanos += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    void advanceNanos(long n) {
        nanos += n;
    }
}
