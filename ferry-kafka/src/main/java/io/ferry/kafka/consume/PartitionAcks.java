package io.ferry.kafka.consume;

import io.ferry.kafka.consume.SparseAcks.Range;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * One partition's offered and unacknowledged messages for one group member; single-threaded: every
 * method is called by the one thread that owns the partition (its worker), never concurrently.
 *
 * <p>The tracker starts at a committed offset and its metadata (kafka-pixy's {@link SparseAcks}:
 * the acknowledged offsets above the committed one are skipped, never offered). The fetch side
 * hands it records in offset order with the fetch's next offset ({@link #addFetched}); offsets in
 * that span without a record (control batches, aborted transactions, compaction gaps, a reset past
 * deleted records) are settled at once, so the committed offset steps over them. {@link #next}
 * offers messages: first those waiting for redelivery (timed out, released or taken back), lowest
 * offset first, then fresh ones in offset order while fewer than {@link AckSettings#maxPending()}
 * are unsettled. A message is settled by an acknowledgement, by a skip, or by the dead letter after
 * {@link AckSettings#maxRetries()} redeliveries; never silently dropped. {@link #commitPoint} is
 * the lowest unsettled offset and the settled ranges above it, encoded.
 *
 * <p><b>The tracker holds the fetched records that are not offered yet</b>, instead of a separate
 * buffer before it: the commit point must not pass a record that was fetched but never offered, the
 * metadata's skips apply as records arrive, and a redelivery needs the record anyway, so one owner
 * and one structure keep these consistent with no second copy. The fetch side pauses a partition
 * when {@link #wantsMore()} is false and fetches from {@link #position()}.
 *
 * <p>Memory is bounded by the unsettled messages (at most {@code maxPending}), the held records and
 * the metadata's ranges: settled offsets leave no trace (the prefix compacts itself), so long
 * streams of acknowledgements, in order or not, do not grow it.
 *
 * <p>Time is the caller's: {@code nowMs} from one monotonic clock, in milliseconds.
 *
 * @param <R> the record type (the engine's {@code FetchedRecord}; any type in tests)
 */
public final class PartitionAcks<R> {
    /*
     * Design notes for maintainers.
     *
     * State. Every offset is in one of:
     *   settled    below low(); or in [low, regionEnd) and not in `unsettled`; or in `skips`
     *   unsettled  offered at least once, not settled: OUT (with a client, deadline), READY
     *              (waiting for redelivery) or DUE (the dead letter has not taken it yet)
     *   held       fetched, never offered: `held`, ascending
     *   unread     at or past `position`, not in `skips`
     * where regionEnd is the first held offset, or `position` when none is held. Fresh offers take
     * the head of `held`, so every unsettled offset is below every held one; offsets in the held
     * region without a record are gaps, settled, but not worth encoding (a new owner finds no
     * record there either), except the metadata's skips, which are kept until low() passes them.
     *
     * Ordering. OUT entries form an intrusive list in offer order; with one timeout and a
     * monotonic clock that is deadline order, so expiry looks at the head only. READY entries are
     * redelivered lowest offset first: they hold the committed offset back.
     *
     * Attempts. A timeout or a release is an attempt; a take-back (the client went away) is not.
     * The attempt after maxRetries sends the message to the dead letter instead of redelivering
     * it. deliveryCount counts every offer, take-backs included.
     *
     * Failure. The dead-letter handler returns false when it could not store the message now; the
     * entry is then DUE: never offered again, not settled (the commit stays below it), retried on
     * every expire(). A reset backwards (truncation) is not handled here: the owner starts a new
     * tracker from the committed offset.
     *
     * References: kafka-pixy's offsettrk (offers, acked ranges, the metadata encoding); Kafka
     * share groups' delivery count and RELEASE vs. lock expiry (KIP-932) for the attempt rule.
     */

    /** The result of {@link #ack}. */
    public enum AckResult {
        /** An offered message was settled now (also when it was waiting for redelivery). */
        OK,
        /**
         * The offset was settled already: acknowledged before (a double ack is idempotent), skipped
         * from the metadata, dead-lettered, below the start, or an offset that holds no message (a
         * transaction marker or compaction gap) below the held records.
         */
        ALREADY,
        /** Never offered: not fetched yet, or fetched and not offered yet. Nothing changed. */
        NEVER_OFFERED
    }

    /** The result of {@link #release} and {@link #takeBack}. */
    public enum ReleaseResult {
        /** Taken from its client; it is offered again before any fresh message. */
        RELEASED,
        /** That release was its last attempt: it went to the dead letter (or is due to). */
        DEAD_LETTERED,
        /** Offered before but not with a client now: already waiting, or due to the dead letter. */
        NOT_OUT,
        /** Settled already; nothing changed. */
        SETTLED,
        /** Never offered; nothing changed. */
        NEVER_OFFERED
    }

    /**
     * One offer of a message.
     *
     * @param offset the message's offset
     * @param record the message
     * @param deliveryCount how many times it has been offered, this one included (1 the first time)
     * @param <R> the record type
     */
    public record Offer<R>(long offset, R record, int deliveryCount) {
        /** Whether the message was offered before. */
        public boolean redelivery() {
            return deliveryCount > 1;
        }
    }

    /**
     * What to commit for the partition.
     *
     * @param offset the lowest unsettled offset: where a new owner starts
     * @param metadata the settled ranges above it in kafka-pixy's encoding, the lowest that fit
     * @param rangesKept how many ranges the metadata holds
     * @param rangesDropped how many higher ranges did not fit: a new owner redelivers them
     */
    public record CommitPoint(long offset, String metadata, int rangesKept, int rangesDropped) {
        /** Checks the fields. */
        public CommitPoint {
            Objects.requireNonNull(metadata, "metadata");
        }
    }

    /**
     * The tracker's counters, for metrics.
     *
     * @param offered offers made, redeliveries included
     * @param redelivered offers of a message that was offered before
     * @param acked messages settled by an acknowledgement
     * @param deadLettered messages the dead letter took
     * @param skipped fetched records skipped because the start metadata had them acknowledged
     * @param pending unsettled messages now (with a client, waiting for redelivery, or due to the
     *     dead letter)
     * @param held fetched records not offered yet, now
     */
    public record Counters(
            long offered,
            long redelivered,
            long acked,
            long deadLettered,
            long skipped,
            int pending,
            int held) {}

    /**
     * Takes a message that ran out of attempts; called on the owner thread.
     *
     * @param <R> the record type
     */
    @FunctionalInterface
    public interface DeadLetterHandler<R> {
        /**
         * Stores the message in the dead letter.
         *
         * @param offset its offset
         * @param record the message
         * @param deliveryCount how many times it was offered
         * @return true when stored (the message is settled); false when it cannot be stored now (it
         *     stays unsettled, is never offered again, and is handed over again on the next {@link
         *     PartitionAcks#expire})
         */
        boolean deadLetter(long offset, R record, int deliveryCount);
    }

    private enum State {
        OUT,
        READY,
        DUE
    }

    private static final class Entry<R> {
        final long offset;
        final R record;
        State state;
        int deliveries;
        int attempts;
        long deadlineMs;
        Entry<R> prev;
        Entry<R> next;

        Entry(long offset, R record) {
            this.offset = offset;
            this.record = record;
        }
    }

    // Configuration, immutable.
    private final AckSettings settings;
    private final ToLongFunction<R> offsetOf;
    private final DeadLetterHandler<R> deadLetters;
    private final SparseAcks.Decoded startMetadata;

    // State, owned by the partition's thread.
    // in offset order; fresh offers are appended above every unsettled offset
    private final AscendingOffsets<Entry<R>> unsettled = new AscendingOffsets<>();
    private final TreeMap<Long, Entry<R>> ready = new TreeMap<>();
    private final ArrayDeque<Entry<R>> due = new ArrayDeque<>();
    private final ArrayDeque<R> held = new ArrayDeque<>();
    private final List<Range> skips;
    private Entry<R> outHead;
    private Entry<R> outTail;
    private int outCount;
    private long position;

    // Counters, owned by the partition's thread.
    private long offered;
    private long redelivered;
    private long acked;
    private long deadLettered;
    private long skipped;

    /**
     * Starts at a committed offset with its metadata.
     *
     * @param committedOffset where to start: the group's committed offset, or the position the
     *     reset policy chose when it has none; not negative
     * @param metadata the committed metadata (null or empty for none); undecodable metadata is
     *     ignored, see {@link #startMetadata()}
     * @param settings the acknowledgement settings
     * @param offsetOf a record's offset
     * @param deadLetters takes messages that ran out of attempts
     * @throws IllegalArgumentException when {@code committedOffset} is negative
     */
    public PartitionAcks(
            long committedOffset,
            String metadata,
            AckSettings settings,
            ToLongFunction<R> offsetOf,
            DeadLetterHandler<R> deadLetters) {
        if (committedOffset < 0) {
            throw new IllegalArgumentException(
                    "a partition's tracker starts at an offset (0 or more), got "
                            + committedOffset
                            + ": resolve a missing commit with the reset policy first");
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.offsetOf = Objects.requireNonNull(offsetOf, "offsetOf");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.startMetadata = SparseAcks.decode(committedOffset, metadata);
        this.skips = new ArrayList<>(startMetadata.ranges());
        this.position = committedOffset;
        stepOverSkips();
    }

    /**
     * How the start metadata was read: {@link SparseAcks.Status#IGNORED} with the reason when it
     * was not kafka-pixy's encoding (the owner logs it once; the tracker then starts at the
     * committed offset alone, which redelivers rather than loses).
     */
    public SparseAcks.Decoded startMetadata() {
        return startMetadata;
    }

    // ---------------------------------------------------------------- the fetch side

    /**
     * Takes one fetch's records of this partition.
     *
     * <p>Every offset in {@code [position(), nextOffset)} without a record is settled: control
     * batches, aborted transactions, compaction gaps, or a jump forward after an out-of-range reset
     * (pass no records and the new position). Records below {@link #position()} (a batch that
     * starts before the fetch offset) are ignored; records the start metadata acknowledged are
     * skipped.
     *
     * @param records the records in ascending offset order, all below {@code nextOffset}
     * @param nextOffset the fetch's next offset (the last batch's next offset), at least {@link
     *     #position()}
     * @return how many records are now held for offering
     * @throws IllegalArgumentException when the records are out of order or past {@code
     *     nextOffset}, or {@code nextOffset} is behind the position (a truncation: start a new
     *     tracker from the committed offset)
     */
    public int addFetched(List<R> records, long nextOffset) {
        if (nextOffset < position) {
            throw new IllegalArgumentException(
                    "a fetch's next offset "
                            + nextOffset
                            + " is behind the position "
                            + position
                            + ": the log went back; start a new tracker from the committed offset");
        }
        long previous = position - 1;
        for (R record : records) { // check all first: a refused fetch changes nothing
            long offset = offsetOf.applyAsLong(record);
            if (offset < position) {
                continue;
            }
            if (offset <= previous || offset >= nextOffset) {
                throw new IllegalArgumentException(
                        "fetched records must ascend from "
                                + position
                                + " and stay below the next offset "
                                + nextOffset
                                + ", got "
                                + offset
                                + " after "
                                + previous);
            }
            previous = offset;
        }
        int added = 0;
        int skip = 0;
        for (R record : records) {
            long offset = offsetOf.applyAsLong(record);
            if (offset < position) {
                continue;
            }
            while (skip < skips.size() && skips.get(skip).to() <= offset) {
                skip++;
            }
            if (skip < skips.size() && skips.get(skip).contains(offset)) {
                skipped++;
                continue;
            }
            held.addLast(record);
            added++;
        }
        position = nextOffset;
        stepOverSkips();
        return added;
    }

    /** The offset to fetch from next: past everything fetched and past a skip range at it. */
    public long position() {
        return position;
    }

    /**
     * Whether the fetch side should fetch this partition: fewer records held than {@link
     * AckSettings#maxPending()}. While unsettled messages fill {@code maxPending}, nothing held is
     * offered, so the held records stop the fetching.
     */
    public boolean wantsMore() {
        return held.size() < settings.maxPending();
    }

    /** Fetched records not offered yet. */
    public int held() {
        return held.size();
    }

    // ---------------------------------------------------------------- the offer side

    /**
     * The next message to offer at {@code nowMs}, after {@link #expire}: a redelivery (lowest
     * offset first), else a fresh message while fewer than {@code maxPending} are unsettled, else
     * null.
     *
     * @param nowMs the time now
     * @return the offer, or null when there is nothing to offer now
     */
    public Offer<R> next(long nowMs) {
        expire(nowMs);
        Map.Entry<Long, Entry<R>> retry = ready.pollFirstEntry();
        Entry<R> e;
        if (retry != null) {
            e = retry.getValue();
            redelivered++;
        } else {
            if (held.isEmpty() || unsettled.size() >= settings.maxPending()) {
                return null;
            }
            R record = held.pollFirst();
            e = new Entry<>(offsetOf.applyAsLong(record), record);
            unsettled.append(e.offset, e);
        }
        e.deliveries++;
        e.state = State.OUT;
        e.deadlineMs = saturatedAdd(nowMs, settings.ackTimeoutMs());
        linkOut(e);
        offered++;
        return new Offer<>(e.offset, e.record, e.deliveries);
    }

    /**
     * Handles every offer whose acknowledgement timeout passed by {@code nowMs} (each is an
     * attempt: redelivered later, or dead-lettered when it was the last), and hands the messages
     * due to the dead letter over again. {@link #next} calls it; the owner also calls it when
     * {@link #nextDeadlineMs()} passes, so the dead letter and the commit point move with nobody
     * polling.
     *
     * @param nowMs the time now
     * @return how many offers timed out
     */
    public int expire(long nowMs) {
        for (int n = due.size(); n > 0; n--) {
            Entry<R> e = due.pollFirst();
            toDeadLetter(e);
        }
        int expired = 0;
        while (outHead != null && outHead.deadlineMs <= nowMs) {
            Entry<R> e = outHead;
            unlinkOut(e);
            fail(e);
            expired++;
        }
        return expired;
    }

    /** The earliest acknowledgement deadline of an offer with a client, or Long.MAX_VALUE. */
    public long nextDeadlineMs() {
        return outHead == null ? Long.MAX_VALUE : outHead.deadlineMs;
    }

    // ---------------------------------------------------------------- the client side

    /**
     * Acknowledges one offset: settles it if it was offered and is not settled.
     *
     * @param offset the offset
     * @return {@link AckResult#OK}, {@link AckResult#ALREADY} (idempotent) or {@link
     *     AckResult#NEVER_OFFERED}
     */
    public AckResult ack(long offset) {
        Entry<R> e = unsettled.remove(offset);
        if (e != null) {
            settle(e);
            acked++;
            return AckResult.OK;
        }
        return isSettled(offset) ? AckResult.ALREADY : AckResult.NEVER_OFFERED;
    }

    /**
     * Acknowledges every offered, unsettled offset in {@code [from, to)}; offsets in the range that
     * are settled, never offered or not fetched are left as they are.
     *
     * @param from the first offset
     * @param to the offset after the last, at least {@code from}
     * @return how many messages this settled
     * @throws IllegalArgumentException when {@code to < from}
     */
    public int ackRange(long from, long to) {
        if (to < from) {
            throw new IllegalArgumentException(
                    "an acknowledged range needs from <= to, got [" + from + "," + to + ")");
        }
        int n = unsettled.removeRange(from, to, this::settle);
        acked += n;
        return n;
    }

    /**
     * The client gives a message back unprocessed: an attempt. It is offered again before any fresh
     * message, or goes to the dead letter if that was its last attempt.
     *
     * @param offset the offset
     * @return the result
     */
    public ReleaseResult release(long offset) {
        Entry<R> e = unsettled.get(offset);
        if (e == null) {
            return isSettled(offset) ? ReleaseResult.SETTLED : ReleaseResult.NEVER_OFFERED;
        }
        if (e.state != State.OUT) {
            return ReleaseResult.NOT_OUT;
        }
        unlinkOut(e);
        return fail(e) ? ReleaseResult.DEAD_LETTERED : ReleaseResult.RELEASED;
    }

    /**
     * The client holding a message went away (its connection closed, its long poll was cancelled
     * after the offer): not an attempt. It is offered again before any fresh message.
     *
     * @param offset the offset
     * @return {@link ReleaseResult#RELEASED}, {@link ReleaseResult#NOT_OUT}, {@link
     *     ReleaseResult#SETTLED} or {@link ReleaseResult#NEVER_OFFERED}
     */
    public ReleaseResult takeBack(long offset) {
        Entry<R> e = unsettled.get(offset);
        if (e == null) {
            return isSettled(offset) ? ReleaseResult.SETTLED : ReleaseResult.NEVER_OFFERED;
        }
        if (e.state != State.OUT) {
            return ReleaseResult.NOT_OUT;
        }
        unlinkOut(e);
        makeReady(e);
        return ReleaseResult.RELEASED;
    }

    /**
     * Takes back every message with a client (all clients went away, or the owner is shutting
     * down): none of it is an attempt.
     *
     * @return how many were taken back
     */
    public int takeBackAll() {
        int n = 0;
        while (outHead != null) {
            Entry<R> e = outHead;
            unlinkOut(e);
            makeReady(e);
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- the commit side

    /**
     * The lowest unsettled offset: where a new owner would start. Cheaper than {@link #commitPoint}
     * when only the offset is needed.
     */
    public long committableOffset() {
        long low = position;
        if (!unsettled.isEmpty()) {
            low = Math.min(low, unsettled.firstOffset());
        }
        if (!held.isEmpty()) {
            low = Math.min(low, offsetOf.applyAsLong(held.peekFirst()));
        }
        return low;
    }

    /**
     * What to commit now: {@link #committableOffset()} and the settled ranges above it that a new
     * owner must skip, the lowest that fit in {@code maxMetadataChars}.
     *
     * @param maxMetadataChars the cluster's {@code offset.metadata.max.bytes} (UTF-16 characters;
     *     Kafka's default {@value SparseAcks#DEFAULT_MAX_METADATA_CHARS})
     * @return the commit point
     */
    public CommitPoint commitPoint(int maxMetadataChars) {
        long low = committableOffset();
        dropSkipsBelow(low);
        long regionEnd = held.isEmpty() ? position : offsetOf.applyAsLong(held.peekFirst());
        List<Range> ranges = new ArrayList<>();
        long[] cursor = {low};
        unsettled.forEachOffset(
                offset -> {
                    if (offset > cursor[0]) {
                        ranges.add(new Range(cursor[0], offset));
                    }
                    cursor[0] = offset + 1;
                });
        if (regionEnd > cursor[0]) {
            ranges.add(new Range(cursor[0], regionEnd));
        }
        for (Range s : skips) {
            if (s.to() <= regionEnd) {
                continue; // inside the region: already among the gaps above
            }
            int last = ranges.size() - 1;
            if (last >= 0 && s.from() <= ranges.get(last).to()) {
                ranges.set(last, new Range(ranges.get(last).from(), s.to()));
            } else {
                ranges.add(s);
            }
        }
        SparseAcks.Encoded encoded = SparseAcks.encode(low, ranges, maxMetadataChars);
        return new CommitPoint(
                low, encoded.metadata(), encoded.rangesKept(), encoded.rangesDropped());
    }

    // ---------------------------------------------------------------- metrics

    /** Unsettled messages: with a client, waiting for redelivery, or due to the dead letter. */
    public int pending() {
        return unsettled.size();
    }

    /** The counters now. */
    public Counters counters() {
        return new Counters(
                offered, redelivered, acked, deadLettered, skipped, unsettled.size(), held.size());
    }

    /**
     * Broken internal rules, in words; empty when the state is consistent. Tests check it after
     * every step.
     */
    List<String> invariantViolations() {
        List<String> broken = new ArrayList<>();
        int out = 0;
        long lastDeadline = Long.MIN_VALUE;
        for (Entry<R> e = outHead; e != null; e = e.next) {
            out++;
            if (e.state != State.OUT) {
                broken.add("offset " + e.offset + " is in the out list as " + e.state);
            }
            if (e.deadlineMs < lastDeadline) {
                broken.add("the out list is not in deadline order at offset " + e.offset);
            }
            lastDeadline = e.deadlineMs;
            if (unsettled.get(e.offset) != e) {
                broken.add("offset " + e.offset + " is out but not unsettled");
            }
        }
        if (out != outCount) {
            broken.add("out count " + outCount + " but " + out + " in the list");
        }
        for (Entry<R> e : ready.values()) {
            if (e.state != State.READY || unsettled.get(e.offset) != e) {
                broken.add("offset " + e.offset + " is ready as " + e.state);
            }
        }
        for (Entry<R> e : due) {
            if (e.state != State.DUE || unsettled.get(e.offset) != e) {
                broken.add("offset " + e.offset + " is due as " + e.state);
            }
        }
        if (out + ready.size() + due.size() != unsettled.size()) {
            broken.add(
                    "unsettled "
                            + unsettled.size()
                            + " != out "
                            + out
                            + " + ready "
                            + ready.size()
                            + " + due "
                            + due.size());
        }
        if (unsettled.size() > settings.maxPending()) {
            broken.add("unsettled " + unsettled.size() + " > max-pending " + settings.maxPending());
        }
        long previous = unsettled.isEmpty() ? Long.MIN_VALUE : unsettled.lastOffset();
        for (R r : held) {
            long offset = offsetOf.applyAsLong(r);
            if (offset <= previous) {
                broken.add("held offset " + offset + " is not above " + previous);
            }
            if (offset >= position) {
                broken.add("held offset " + offset + " is at or past the position " + position);
            }
            for (Range s : skips) {
                if (s.contains(offset)) {
                    broken.add("held offset " + offset + " is in a skip range " + s);
                }
            }
            previous = offset;
        }
        for (Range s : skips) {
            if (s.contains(position)) {
                broken.add("the position " + position + " is inside a skip range " + s);
            }
        }
        return broken;
    }

    // ---------------------------------------------------------------- internals

    /**
     * Whether an offset that is not unsettled is settled (else never offered). Below the first held
     * record every fetched offset that is not unsettled was settled; from it on, only the
     * metadata's skips are.
     */
    private boolean isSettled(long offset) {
        long regionEnd = held.isEmpty() ? position : offsetOf.applyAsLong(held.peekFirst());
        if (offset < regionEnd) {
            return true;
        }
        for (Range s : skips) {
            if (s.contains(offset)) {
                return true;
            }
            if (s.from() > offset) {
                break;
            }
        }
        return false;
    }

    /** A timeout or a release: one attempt. Returns whether the message went to the dead letter. */
    private boolean fail(Entry<R> e) {
        e.attempts++;
        if (settings.retriesLimited() && e.attempts > settings.maxRetries()) {
            toDeadLetter(e);
            return true;
        }
        makeReady(e);
        return false;
    }

    private void toDeadLetter(Entry<R> e) {
        e.state = State.DUE;
        if (deadLetters.deadLetter(e.offset, e.record, e.deliveries)) {
            unsettled.remove(e.offset);
            deadLettered++;
        } else {
            due.addLast(e);
        }
    }

    private void makeReady(Entry<R> e) {
        e.state = State.READY;
        ready.put(e.offset, e);
    }

    /** Settles an entry already removed from {@code unsettled}. */
    private void settle(Entry<R> e) {
        switch (e.state) {
            case OUT -> unlinkOut(e);
            case READY -> ready.remove(e.offset);
            case DUE -> due.remove(e);
        }
    }

    private void linkOut(Entry<R> e) {
        e.prev = outTail;
        e.next = null;
        if (outTail == null) {
            outHead = e;
        } else {
            outTail.next = e;
        }
        outTail = e;
        outCount++;
    }

    private void unlinkOut(Entry<R> e) {
        if (e.prev == null) {
            outHead = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            outTail = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
        outCount--;
    }

    /** Moves the position past a skip range it is in: nothing there needs fetching. */
    private void stepOverSkips() {
        for (Range s : skips) {
            if (s.contains(position)) {
                position = s.to();
            } else if (s.from() > position) {
                break;
            }
        }
    }

    private void dropSkipsBelow(long low) {
        int n = 0;
        while (n < skips.size() && skips.get(n).to() <= low) {
            n++;
        }
        if (n > 0) {
            skips.subList(0, n).clear();
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
