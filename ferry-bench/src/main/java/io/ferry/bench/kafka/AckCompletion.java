package io.ferry.bench.kafka;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts acknowledgements of one run until all {@code records} arrived; acknowledging threads call
 * {@link #add}, the publishing thread {@link #await}s.
 */
final class AckCompletion {
    private final long records;
    private final AtomicLong acked = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);

    /**
     * Written once by the thread adding the last ack, before the latch opens (which publishes it).
     */
    private long lastAckNanos;

    AckCompletion(long records) {
        this.records = records;
    }

    /** {@code n} more records were acknowledged (or failed for good) at {@code nowNanos}. */
    void add(int n, long nowNanos) {
        if (acked.addAndGet(n) == records) {
            lastAckNanos = nowNanos;
            done.countDown();
        }
    }

    /**
     * Waits for the last acknowledgement and returns its time.
     *
     * @throws IllegalStateException when they do not all arrive within {@code timeoutSeconds}
     */
    long await(String side, long timeoutSeconds) throws InterruptedException {
        if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    side
                            + ": only "
                            + acked.get()
                            + " of "
                            + records
                            + " records acknowledged after "
                            + timeoutSeconds
                            + " s");
        }
        return lastAckNanos;
    }

    /** A generous bound for one run: two minutes plus 100 microseconds per record. */
    static long timeoutSeconds(long records) {
        return 120 + records / 10_000;
    }
}
