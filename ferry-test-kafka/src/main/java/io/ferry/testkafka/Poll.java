package io.ferry.testkafka;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition by asking it again every 50 ms, up to a limit; the calling thread only. */
final class Poll {
    private Poll() {}

    /**
     * Returns once {@code condition} holds.
     *
     * @throws IllegalStateException naming {@code what} when it does not within {@code timeout}
     */
    static void until(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(what + ": not reached within " + timeout);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }
}
