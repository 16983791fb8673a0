package io.ferry.kafka;

import io.ferry.broker.Batch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the events of one broker batch still on their way to Kafka and acks the batch when the
 * last one is done (acknowledged by Kafka or failed for good); any thread may call {@link #done}.
 */
final class DeliveryTracker {
    private final Batch batch;
    private final AtomicInteger remaining;
    private final Runnable onAcked;

    DeliveryTracker(Batch batch, Runnable onAcked) {
        this.batch = batch;
        this.remaining = new AtomicInteger(batch.size());
        this.onAcked = onAcked;
    }

    /** {@code n} more events of the batch are done. */
    void done(int n) {
        if (remaining.addAndGet(-n) == 0) {
            try {
                batch.ack();
            } finally {
                onAcked.run();
            }
        }
    }
}
