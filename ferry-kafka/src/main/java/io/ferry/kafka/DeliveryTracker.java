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

    /** For a dead-letter record on its way to the dead-letter topic: what it stands for. */
    final DeadLetterOf deadLetterOf;

    DeliveryTracker(Batch batch, Runnable onAcked) {
        this(batch, onAcked, null);
    }

    private DeliveryTracker(Batch batch, Runnable onAcked, DeadLetterOf of) {
        this.batch = batch;
        this.remaining = new AtomicInteger(batch.size());
        this.onAcked = onAcked;
        this.deadLetterOf = of;
    }

    /**
     * The failed event a dead-letter record stands for, and how it failed.
     *
     * @param original the failed event
     * @param partition the partition it was bound for, or -1
     * @param failure why it failed
     * @param attempts the requests that carried it
     */
    record DeadLetterOf(
            PartitionWorker.Pending original,
            int partition,
            DeliveryFailure failure,
            int attempts) {}

    /**
     * The tracker of one dead-letter record: {@code stored} runs once it is in the dead-letter
     * topic, or (when Kafka refused it for good) in the local fallback.
     */
    static DeliveryTracker forDeadLetter(DeadLetterOf of, Runnable stored) {
        return new DeliveryTracker(ONE, stored, of);
    }

    /** A batch of one event that nothing acknowledges upstream. */
    private static final Batch ONE =
            new Batch() {
                @Override
                public java.util.List<io.ferry.broker.Event> events() {
                    throw new IllegalStateException("a dead-letter record has no broker batch");
                }

                @Override
                public int size() {
                    return 1;
                }

                @Override
                public long sequence(int index) {
                    return -1;
                }

                @Override
                public void ack() {
                    // nothing upstream: the tracker's runnable settles the original
                }
            };

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
