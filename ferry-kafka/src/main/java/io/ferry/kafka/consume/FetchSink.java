package io.ferry.kafka.consume;

import io.ferry.kafka.wire.FetchedRecord;
import java.util.List;

/**
 * Where a {@link FetchWorker} hands the records it fetched (the partition's acknowledgement
 * tracker, or a groupless reader's buffer); called on the thread of the fetch executor the worker
 * is assigned to, one call at a time, never after {@link FetchEngine#remove} returned.
 *
 * <p>Calls run under the worker's monitor: they must be quick and must not call back into the
 * worker or the engine.
 */
public interface FetchSink {
    /**
     * Takes fetched records of the partition, in offset order, already filtered (aborted
     * transactions and control batches left out under {@code read_committed}, nothing below the
     * position). {@code nextOffset} is where the partition's position is now: it may be past the
     * last record, over offsets that will never be delivered (transaction markers, aborted records,
     * compaction gaps), and {@code records} may then be empty. Count those offsets as done, or a
     * committed offset would stall.
     *
     * @param records the records, possibly empty
     * @param nextOffset the next offset to fetch from
     * @param highWatermark the partition's high watermark as the leader answered, or -1
     */
    void accept(List<FetchedRecord> records, long nextOffset, long highWatermark);

    /**
     * False while the consumer holds enough of this partition: it is left out of the lane's Fetches
     * (the session forgets it) until this turns true again; call {@link FetchWorker#wakeup()} then
     * so the executor notices at once. Called by the executor before each round; any thread may
     * change the answer.
     */
    boolean wantsMore();

    /**
     * The position was reset by the lane's policy (an unknown position, or {@code
     * OFFSET_OUT_OF_RANGE}); records from {@code toOffset} follow. Default: nothing.
     *
     * @param fromOffset the position before (-1 when unknown)
     * @param toOffset the new position
     */
    default void reset(long fromOffset, long toOffset) {}

    /**
     * The partition's status changed (see {@link FetchWorker#status()}); unlike the other calls it
     * may also come from the mapper's thread (a leader found or not), still under the worker's
     * monitor. Default: nothing.
     */
    default void statusChanged(FetchStatus status) {}
}
