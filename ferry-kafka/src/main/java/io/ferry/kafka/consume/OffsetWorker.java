package io.ferry.kafka.consume;

import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.WireError;
import io.ferry.mapper.Worker;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offset worker of one partition a group member owns (kafka-pixy's offset manager): it reads
 * the committed offset when it starts and then has the commit executor of its group's coordinator
 * commit its {@link CommitSource}'s latest point. The mapper calls {@link #offerAssignment} on its
 * owner thread; the commit executors call the package-private methods on their threads; any thread
 * may call the public ones. State is guarded by the worker's monitor.
 */
public final class OffsetWorker implements Worker<CommitExecutor> {
    /* Design notes
     * A worker may be attached to two executors for a moment (the mapper hands it to the new
     * coordinator's executor; the old one learns of the detach through its mailbox), so whatever an
     * executor reads or writes here goes through the monitor, and a commit answered by the old
     * executor after the move still counts.
     * Flushes are kept here, not in an executor, so they survive a coordinator move: each flush
     * takes the next flush sequence; a commit point read by an executor records the sequence seen
     * then, and its success completes every flush up to it (the point was read after they asked).
     * "Nothing new to commit" completes them as well.
     * The metadata cap starts at the engine's max and is halved (down to 0) on each
     * OFFSET_METADATA_TOO_LARGE: the broker's limit does not change, so it stays lowered.
     */
    private static final Logger LOG = LoggerFactory.getLogger(OffsetWorker.class);

    final String group;
    final TopicPartition tp;
    final CommitMember member;
    final CommitSource source;
    private final CompletableFuture<CommittedOffset> start = new CompletableFuture<>();

    // Guarded by this.
    private CommitExecutor executor;
    private CommitSource.Point lastCommitted;
    private int metadataCap;
    private boolean stopped;
    private long flushSeq;
    private final List<Flush> flushes = new ArrayList<>();

    /** A flush waiting for a commit of a point read after it asked. */
    private record Flush(long seq, CompletableFuture<Void> done) {}

    /**
     * A commit point read for a commit, with the flush sequence seen then.
     *
     * @param point the point
     * @param flushSeq the flushes it answers (those with a sequence up to this)
     */
    record Taken(CommitSource.Point point, long flushSeq) {}

    OffsetWorker(
            String group,
            TopicPartition tp,
            CommitMember member,
            CommitSource source,
            int maxMetadataChars) {
        this.group = group;
        this.tp = tp;
        this.member = member;
        this.source = source;
        this.metadataCap = maxMetadataChars;
    }

    /** The group. */
    public String group() {
        return group;
    }

    /** The partition. */
    public TopicPartition partition() {
        return tp;
    }

    /**
     * Completes with the offset the group had committed when the worker started (the consumer's
     * starting position; offset -1 and empty metadata when it had none), read with OffsetFetch
     * (v9+, the member's id and epoch, stable offsets only). A refusal that retrying cannot heal
     * (an authorization failure) completes it with that error and offset -1.
     */
    public CompletableFuture<CommittedOffset> committed() {
        return start.copy();
    }

    /** What this worker last committed (or found committed at start), or null. */
    public synchronized CommitSource.Point lastCommitted() {
        return lastCommitted;
    }

    /** The metadata cap the source is asked with now (lowered by OFFSET_METADATA_TOO_LARGE). */
    public synchronized int metadataCap() {
        return metadataCap;
    }

    @Override
    public boolean offerAssignment(CommitExecutor next) {
        CommitExecutor old;
        synchronized (this) {
            if (stopped) {
                return true;
            }
            old = executor;
            executor = next;
        }
        if (old != next) {
            if (old != null) {
                old.detach(this);
            }
            next.attach(this);
        }
        return true;
    }

    /** The executor this worker is assigned to, or null. */
    synchronized CommitExecutor assignedExecutor() {
        return executor;
    }

    /** Asks for a commit now; the future completes when Kafka has the point read after this. */
    CompletableFuture<Void> flush() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        CommitExecutor e;
        synchronized (this) {
            if (stopped) {
                f.completeExceptionally(
                        new CommitEngine.CommitFailedException(
                                CommitEngine.CommitFailedException.Reason.STOPPED,
                                tp,
                                null,
                                "the offset worker of " + group + "/" + tp + " was removed"));
                return f;
            }
            flushes.add(new Flush(++flushSeq, f));
            e = executor;
        }
        if (e != null) {
            e.wakeup();
        }
        return f;
    }

    synchronized boolean flushWanted() {
        return !flushes.isEmpty();
    }

    synchronized boolean started() {
        return start.isDone();
    }

    /**
     * Reads the commit point for a commit; null when there is nothing new (flushes so far then
     * complete) or the partition must not be committed.
     */
    Taken take() {
        int cap;
        long seq;
        synchronized (this) {
            if (stopped) {
                return null;
            }
            if (!start.isDone()) {
                completeFlushes(flushSeq); // nothing was consumed before the start position
                return null;
            }
            cap = metadataCap;
            seq = flushSeq;
        }
        if (!member.owns(tp)) {
            failFlushes(
                    CommitEngine.CommitFailedException.Reason.NOT_OWNED,
                    null,
                    "the member no longer owns " + tp + " in group " + group);
            return null;
        }
        CommitSource.Point p;
        try {
            p = source.commitPoint(cap);
        } catch (RuntimeException e) {
            LOG.error("commit source of {}/{} failed; nothing committed for it now", group, tp, e);
            return null;
        }
        synchronized (this) {
            if (p == null || p.sameCommit(lastCommitted)) {
                completeFlushes(seq);
                return null;
            }
        }
        return new Taken(p, seq);
    }

    /** Kafka has {@code t}. */
    synchronized void committed(Taken t) {
        lastCommitted = t.point();
        completeFlushes(t.flushSeq());
    }

    /**
     * Kafka refused {@code t}'s metadata as too large: the cap is lowered; false when it was
     * already empty (nothing smaller to try).
     */
    synchronized boolean metadataTooLarge(Taken t) {
        int had = t.point().metadata().length();
        if (had == 0) {
            return false;
        }
        metadataCap = Math.min(metadataCap, had) / 2;
        return true;
    }

    /** The start position: {@code c} with no error, or with one retrying cannot heal. */
    void started(CommittedOffset c) {
        synchronized (this) {
            if (c.error().isNone() && c.offset() >= 0) {
                lastCommitted =
                        new CommitSource.Point(
                                c.offset(),
                                c.leaderEpoch(),
                                c.metadata() == null ? "" : c.metadata());
            }
        }
        start.complete(c);
    }

    /** Fails the flushes waiting now. */
    void failFlushes(
            CommitEngine.CommitFailedException.Reason reason, WireError error, String why) {
        List<Flush> failed;
        synchronized (this) {
            failed = List.copyOf(flushes);
            flushes.clear();
        }
        for (Flush f : failed) {
            f.done()
                    .completeExceptionally(
                            new CommitEngine.CommitFailedException(reason, tp, error, why));
        }
    }

    /** Stops: nothing more is committed; waiting flushes fail. Any thread. */
    void stop() {
        CommitExecutor e;
        synchronized (this) {
            stopped = true;
            e = executor;
        }
        failFlushes(
                CommitEngine.CommitFailedException.Reason.STOPPED,
                null,
                "the offset worker of " + group + "/" + tp + " was removed");
        if (!start.isDone()) {
            start.completeExceptionally(
                    new CommitEngine.CommitFailedException(
                            CommitEngine.CommitFailedException.Reason.STOPPED,
                            tp,
                            null,
                            "removed before the committed offset of " + tp + " was read"));
        }
        if (e != null) {
            e.detach(this);
        }
    }

    synchronized boolean stopped() {
        return stopped;
    }

    private void completeFlushes(long upTo) {
        for (Iterator<Flush> it = flushes.iterator(); it.hasNext(); ) {
            Flush f = it.next();
            if (f.seq() <= upTo) {
                it.remove();
                f.done().complete(null);
            }
        }
    }

    @Override
    public String toString() {
        return "OffsetWorker{" + group + "/" + tp + "}";
    }
}
