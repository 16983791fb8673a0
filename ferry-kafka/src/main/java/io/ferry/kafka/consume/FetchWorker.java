package io.ferry.kafka.consume;

import io.ferry.kafka.wire.FetchPartition;
import io.ferry.kafka.wire.FetchedPartition;
import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.mapper.Worker;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The fetch worker of one partition in one {@link FetchLane}: holds the fetch position and the
 * leader epoch, and hands what its executor fetched to its {@link FetchSink}. The mapper calls
 * {@link #offerAssignment} on its owner thread, the executor it is assigned to calls the
 * package-private fetch methods on its thread, and any thread may call {@link #position()}, {@link
 * #status()}, {@link #wakeup()} and (through {@link FetchEngine#remove}) {@link #stop()}. State is
 * guarded by the worker's monitor; the sink is called under it.
 */
public final class FetchWorker implements Worker<FetchExecutor> {
    /* Design notes
     * One monitor guards everything: the position can be touched by two executors for a moment
     * (the old one's answer arriving after the mapper handed the worker to a new one), so the
     * executor that delivers checks that the position is still the offset its request was sent
     * with, under the monitor, and drops the answer otherwise: an answer applies only to the
     * position it was asked for. Delivering under the monitor is what makes stop() final: once
     * stop() has taken the monitor and set `stopped`, no delivery runs or starts.
     * A leader move (an error naming another leader, a disconnect) leaves the partition out of
     * requests (`awaitingMove`) until the mapper offers an executor again: the same one confirms
     * it (the metadata still names this node), a new one moves it. The mapper spaces those
     * re-resolves by its backoff, so a partition whose metadata lags is not fetched in a spin.
     */

    /** The position of a partition with none: the lane's reset policy decides where to start. */
    public static final long UNKNOWN_POSITION = -1;

    private final FetchLane lane;
    private final TopicPartition tp;
    private final FetchSink sink;
    private final FetchEngine engine;

    // Guarded by this.
    private FetchExecutor executor;
    private long position;
    private long lastPositionBeforeReset = UNKNOWN_POSITION;
    private int leaderEpoch = -1;
    private Uuid topicId = Uuid.ZERO_UUID;
    private long retryAtMs;
    private boolean awaitingMove;
    private boolean resetting;
    private boolean stopped;
    private FetchStatus status = FetchStatus.FETCHING;

    FetchWorker(
            FetchLane lane, TopicPartition tp, long position, FetchSink sink, FetchEngine engine) {
        this.lane = lane;
        this.tp = tp;
        this.position = position < 0 ? UNKNOWN_POSITION : position;
        this.sink = sink;
        this.engine = engine;
    }

    /** The lane. */
    public FetchLane lane() {
        return lane;
    }

    /** The partition. */
    public TopicPartition partition() {
        return tp;
    }

    /** The next offset to fetch, or {@link #UNKNOWN_POSITION} until the reset policy set one. */
    public synchronized long position() {
        return position;
    }

    /** The leader epoch the worker fetches with, -1 while unknown. */
    public synchronized int leaderEpoch() {
        return leaderEpoch;
    }

    /** Whether it is fetched now, and if not why. */
    public synchronized FetchStatus status() {
        return status;
    }

    /** The executor it is assigned to now, or null. */
    synchronized FetchExecutor assignedExecutor() {
        return executor;
    }

    /** Wakes its executor (the sink wants more again); any thread. */
    public void wakeup() {
        FetchExecutor e = assignedExecutor();
        if (e != null) {
            e.wakeup();
        }
    }

    // ---- mapper -------------------------------------------------------------------------------

    @Override
    public boolean offerAssignment(FetchExecutor next) {
        FetchExecutor old;
        synchronized (this) {
            if (stopped) {
                return true; // the mapper retires it with the stop posted beside
            }
            old = executor;
            executor = next;
            awaitingMove = false;
            if (status.code() == FetchStatus.Code.LEADER_MOVED
                    || status.code() == FetchStatus.Code.TOPIC_MISSING) {
                setStatus(FetchStatus.FETCHING);
            }
        }
        if (old != next) {
            if (old != null) {
                old.detach(this);
            }
            next.attach(this);
        }
        return true;
    }

    /** The resolver found the partition's leader: fetch with its epoch and topic id. */
    synchronized void leaderKnown(PartitionLeader leader) {
        leaderEpoch = leader.leaderEpoch();
        topicId = leader.topicId() == null ? Uuid.ZERO_UUID : leader.topicId();
    }

    // ---- executor thread ----------------------------------------------------------------------

    /**
     * The partition's entry of the lane's next Fetch, or null when it is not to be fetched now
     * (stopped, no position yet, paused, backing off, waiting for a new leader).
     */
    synchronized FetchPartition wanted(long nowMs, int partitionMaxBytes) {
        if (stopped || position < 0 || resetting || awaitingMove || nowMs < retryAtMs) {
            return null;
        }
        if (!sink.wantsMore()) {
            if (status.code() != FetchStatus.Code.PAUSED) {
                setStatus(new FetchStatus(FetchStatus.Code.PAUSED, "the consumer holds enough"));
            }
            return null;
        }
        if (status.code() == FetchStatus.Code.PAUSED
                || status.code() == FetchStatus.Code.ERROR
                || status.code() == FetchStatus.Code.NOT_AUTHORIZED) {
            setStatus(FetchStatus.FETCHING);
        }
        return FetchPartition.of(tp, topicId, position, leaderEpoch, partitionMaxBytes);
    }

    /** True (once) when the position must be looked up by the lane's policy; marks it resetting. */
    synchronized boolean takeReset(long nowMs) {
        if (stopped || position >= 0 || resetting || awaitingMove || nowMs < retryAtMs) {
            return false;
        }
        resetting = true;
        setStatus(
                new FetchStatus(
                        FetchStatus.Code.RESETTING,
                        "looking up the "
                                + lane.reset().name().toLowerCase(java.util.Locale.ROOT)
                                + " offset"));
        return true;
    }

    /** The partition's current leader epoch, for a ListOffsets. */
    synchronized int fetchEpoch() {
        return leaderEpoch;
    }

    /**
     * Hands the fetched records of {@code p} to the sink and moves the position; ignored when the
     * position is no longer {@code sentOffset} (reset, or stopped, since the request went out).
     *
     * @return true when delivered
     */
    synchronized boolean deliver(FetchedPartition p, long sentOffset, boolean readCommitted) {
        if (stopped || position != sentOffset) {
            return false;
        }
        FetchFilter.Filtered f = FetchFilter.filter(p, sentOffset, readCommitted);
        if (f.nextOffset() > position || !f.records().isEmpty()) {
            sink.accept(f.records(), f.nextOffset(), p.highWatermark());
            position = f.nextOffset();
        }
        return true;
    }

    /** The reset policy's lookup answered {@code offset}. */
    synchronized void resetTo(long offset) {
        resetting = false;
        if (stopped || position >= 0) {
            return;
        }
        long from = lastPositionBeforeReset;
        lastPositionBeforeReset = UNKNOWN_POSITION;
        position = offset;
        setStatus(FetchStatus.FETCHING);
        sink.reset(from, offset);
    }

    /** The lookup failed: try again at {@code retryAt}. */
    synchronized void resetFailed(long retryAt, FetchStatus why) {
        resetting = false;
        retryAtMs = retryAt;
        if (!stopped) {
            setStatus(why);
        }
    }

    /** OFFSET_OUT_OF_RANGE for {@code sentOffset}: the lane's policy picks a new position. */
    synchronized void outOfRange(long sentOffset) {
        if (stopped || position != sentOffset) {
            return;
        }
        lastPositionBeforeReset = position;
        position = UNKNOWN_POSITION;
    }

    /**
     * The node no longer serves the partition (or does not know it): left out of requests until the
     * mapper offers an executor again; the caller asks for the reassignment.
     */
    synchronized void leaderMoved(FetchStatus why) {
        resetting = false;
        if (stopped) {
            return;
        }
        awaitingMove = true;
        setStatus(why);
    }

    /** A partition error: fetched again after {@code retryAt}. */
    synchronized void backOff(long retryAt, FetchStatus why) {
        retryAtMs = retryAt;
        if (!stopped) {
            setStatus(why);
        }
    }

    /** When it may be fetched again (0 when now). */
    synchronized long retryAtMs() {
        return retryAtMs;
    }

    /** The resolver could not name a leader: say why. */
    synchronized void unresolved(FetchStatus why) {
        if (!stopped && !status.equals(why)) {
            setStatus(why);
        }
    }

    private void setStatus(FetchStatus s) {
        status = s;
        try {
            sink.statusChanged(s);
        } catch (RuntimeException e) {
            // a sink's bug must not break the executor's round
        }
    }

    // ---- any thread ---------------------------------------------------------------------------

    /**
     * Stops the worker: once this returns, the sink is never called again (a delivery running now
     * finishes first). Returns the executor it was assigned to, or null. Idempotent.
     */
    FetchExecutor stop() {
        FetchExecutor e;
        synchronized (this) {
            if (stopped) {
                return null;
            }
            stopped = true;
            status = new FetchStatus(FetchStatus.Code.STOPPED, "removed from the lane");
            e = executor;
        }
        if (e != null) {
            e.detach(this);
        }
        return e;
    }

    /** Whether {@link #stop()} was called. */
    synchronized boolean stopped() {
        return stopped;
    }

    FetchEngine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "FetchWorker{" + lane.name() + " " + tp + "}";
    }
}
