package io.ferry.kafka.consume;

import io.ferry.kafka.wire.FetchedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * One groupless read of a partition (for debugging: no group, nothing committed, nothing
 * acknowledged): a {@link FetchWorker} on a lane of its own from an offset, until {@code max}
 * records came or the timeout passed. The fetch executor calls the sink methods; {@link #start} and
 * the result's callbacks run on other threads.
 */
final class PartitionRead implements FetchSink {
    /* Design notes
     * The lane is this read's alone ("ferry-read-<n>"), so its Fetches never share a session or a
     * partition entry with a group's: the read moves no group's position. The sink is called
     * under the worker's monitor, so it only collects and completes `filled`; the removal of the
     * worker (which takes that monitor) and the caller's callbacks run asynchronously after it.
     * Out of range: the lane resets to EARLIEST, so an offset below the log start reads from the
     * start; an offset past the end (reset "back" to the start) ends the read with nothing.
     */
    private static final AtomicLong READS = new AtomicLong();

    private final TopicPartition tp;
    private final long fromOffset;
    private final int max;
    private final CompletableFuture<Void> filled = new CompletableFuture<>();

    // Guarded by this.
    private final List<ConsumedMessage> got = new ArrayList<>();

    private PartitionRead(TopicPartition tp, long fromOffset, int max) {
        this.tp = tp;
        this.fromOffset = fromOffset;
        this.max = max;
    }

    /**
     * Reads up to {@code max} records of {@code tp} from {@code fromOffset} through {@code fetch},
     * waiting at most {@code timeoutMs} for them; completes with what came (possibly nothing).
     */
    static CompletableFuture<List<ConsumedMessage>> start(
            FetchEngine fetch, TopicPartition tp, long fromOffset, int max, long timeoutMs) {
        PartitionRead r = new PartitionRead(tp, fromOffset, max);
        FetchLane lane =
                new FetchLane(
                        "ferry-read-" + READS.incrementAndGet(), FetchLane.OffsetReset.EARLIEST);
        FetchWorker w = fetch.add(lane, tp, fromOffset, r);
        return r.filled
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .handleAsync(
                        (v, e) -> {
                            fetch.remove(w);
                            Throwable c = e;
                            if (c instanceof java.util.concurrent.CompletionException
                                    && c.getCause() != null) {
                                c = c.getCause();
                            }
                            if (c instanceof ConsumeException ce) {
                                throw ce;
                            }
                            return r.collected(); // done, or timed out with what came
                        });
    }

    private synchronized List<ConsumedMessage> collected() {
        return List.copyOf(got);
    }

    @Override
    public void accept(List<FetchedRecord> records, long nextOffset, long highWatermark) {
        boolean full;
        synchronized (this) {
            for (FetchedRecord rec : records) {
                if (got.size() >= max) {
                    break;
                }
                got.add(
                        new ConsumedMessage(
                                tp.topic(),
                                tp.partition(),
                                rec.offset(),
                                rec.timestampMs(),
                                rec.key(),
                                rec.value(),
                                rec.headers(),
                                0));
            }
            full = got.size() >= max;
        }
        if (full) {
            filled.complete(null); // its dependents run asynchronously (handleAsync)
        }
    }

    @Override
    public synchronized boolean wantsMore() {
        return got.size() < max && !filled.isDone();
    }

    @Override
    public void reset(long from, long to) {
        if (from >= 0 && to < from) {
            filled.complete(null); // asked past the end: nothing to read there
        }
    }

    @Override
    public void statusChanged(FetchStatus status) {
        switch (status.code()) {
            case TOPIC_MISSING ->
                    filled.completeExceptionally(
                            new ConsumeException(
                                    ConsumeException.Reason.UNKNOWN_TOPIC, status.message()));
            case NOT_AUTHORIZED ->
                    filled.completeExceptionally(
                            new ConsumeException(
                                    ConsumeException.Reason.REFUSED, status.message()));
            default -> {}
        }
    }

    @Override
    public String toString() {
        return "PartitionRead{" + tp + " from " + fromOffset + ", max " + max + "}";
    }
}
