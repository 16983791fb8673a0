package io.ferry.bench.kafka;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * What every side publishes: the same value bytes for every record, the same keys, at the same
 * rate; immutable, shared by the publishing threads (which must not modify the arrays).
 */
final class Workload {
    final byte[] value;
    private final byte[][] keys;
    private final long rateRecordsPerSec;

    Workload(int recordSizeBytes, int keys, long rateRecordsPerSec) {
        // Random bytes, as Kafka's ProducerPerformance sends: compression gets no free ride.
        this.value = new byte[recordSizeBytes];
        new Random(42).nextBytes(value);
        this.keys = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            this.keys[k] = ByteBuffer.allocate(4).putInt(k).array();
        }
        this.rateRecordsPerSec = rateRecordsPerSec;
    }

    static Workload of(KafkaBenchOptions o) {
        return new Workload(o.recordSizeBytes(), o.keys(), o.rateRecordsPerSec());
    }

    /** The key of record {@code i}, or null. */
    byte[] key(int i) {
        return keys.length == 0 ? null : keys[i % keys.length];
    }

    /**
     * With a rate, parks the publishing thread while record {@code i} is more than a millisecond
     * early for a run started at {@code startNanos}; without one, returns at once.
     */
    void pace(int i, long startNanos) {
        if (rateRecordsPerSec == 0) {
            return;
        }
        long due = startNanos + (long) (i * (1e9 / rateRecordsPerSec));
        for (long early; (early = due - System.nanoTime()) > 1_000_000L; ) {
            LockSupport.parkNanos(early);
        }
    }
}
