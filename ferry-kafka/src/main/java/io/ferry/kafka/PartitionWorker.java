package io.ferry.kafka;

import io.ferry.broker.Event;
import io.ferry.kafka.wire.EncodedBatch;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.kafka.wire.WireError;
import io.ferry.mapper.Worker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The worker of one topic-partition: queues its events, cuts them into record batches with
 * idempotent sequences, and settles their outcomes. The router {@link #append}s; the executor it is
 * assigned to calls {@link #next} and the outcome methods; the mapper calls {@link
 * #offerAssignment}; the engine's sweep calls {@link #failAll}. State is guarded by the worker's
 * monitor, taken once per event append and once per batch; listeners run outside it.
 */
final class PartitionWorker implements Worker<ProduceExecutor> {
    /* Design notes
     * Batches live in `batches` in sequence order from creation until Kafka acknowledges them or
     * they fail for good. A batch keeps its bytes and sequence across retries, so a resend after a
     * timeout or disconnect is de-duplicated by the broker (same offset) and never reorders.
     *
     * Recovery. When a sent batch fails retriably, later sent batches will fail too (the broker
     * answers OUT_OF_ORDER_SEQUENCE_NUMBER for them): the worker then sends one batch at a time,
     * in order, until no failed batch is left. The sequence bookkeeping is SequenceState's: a
     * batch failing for good makes the rest renumber (or, when Kafka may have written it, asks for
     * a new producer id); an OUT_OF_ORDER or UNKNOWN_PRODUCER_ID for the batch the broker expects
     * next means the broker lost our producer state: the engine fetches a new producer id and
     * epoch (a new generation) and every worker renumbers from 0, as Kafka's producer does.
     *
     * A spool (docs/kafka-engine.md, "Delivery model"). Nothing expires: a failure that can heal
     * (no leader, a node away, a timeout, TOPIC_AUTHORIZATION_FAILED) is retried with backoff for
     * as long as it lasts; delivery.timeout.ms only bounds how long a caller waits for an answer.
     * Only a failure that cannot heal settles a batch as failed (the engine dead-letters it), and
     * a topic Kafka says is gone fails what waits here through failAll (the engine's sweep).
     */
    final TopicPartition tp;
    private final ProduceEngine engine;
    private final KafkaSettings settings;

    // Guarded by this.
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long pendingBytes;

    /** The size of the last event appended: a batch is full when another like it would not fit. */
    private int lastEventBytes;

    private final ArrayDeque<InFlight> batches = new ArrayDeque<>();
    private final SequenceState seq = new SequenceState();
    private long retryAtMs;
    private ProduceExecutor executor;
    private long lastProgressMs;

    /** Kafka refused this partition's records for a reason an operator can fix. */
    private boolean parked;

    /** How long a parked partition (an authorization failure) waits between attempts. */
    static final long PARKED_RETRY_MS = 5_000;

    PartitionWorker(TopicPartition tp, ProduceEngine engine) {
        this.tp = tp;
        this.engine = engine;
        this.settings = engine.settings;
    }

    /**
     * One event on its way: its identity, the broker batch it belongs to and when it reached the
     * engine.
     *
     * @param event the event
     * @param sequence the sequence its broker gave it (broker-spec rule 1.8), or -1 when it has
     *     none (a dead-letter record)
     * @param tracker its broker batch's tracker
     * @param enqueuedMs when the router took it
     */
    record Pending(Event event, long sequence, DeliveryTracker tracker, long enqueuedMs) {}

    /** A batch of this partition, from its first encoding until it is settled. */
    static final class InFlight {
        final List<Pending> records;
        EncodedBatch encoded;
        int seq;
        boolean sent;
        boolean failed;

        /** How many requests carried it so far (for the dead letter). */
        int attempts;

        /**
         * A request carrying it went unanswered (disconnect, timeout): Kafka may have written it.
         */
        boolean maybeWritten;

        final long firstEnqueuedMs;

        InFlight(List<Pending> records) {
            this.records = records;
            this.firstEnqueuedMs = records.get(0).enqueuedMs;
        }
    }

    // ---- mapper -------------------------------------------------------------------------------

    @Override
    public boolean offerAssignment(ProduceExecutor next) {
        ProduceExecutor old;
        synchronized (this) {
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
    synchronized ProduceExecutor assignedExecutor() {
        return executor;
    }

    // ---- router -------------------------------------------------------------------------------

    /** Queues one event for this partition; any thread. */
    void append(Event event, DeliveryTracker tracker, long nowMs) {
        append(new Pending(event, -1, tracker, nowMs));
    }

    /** Queues one event for this partition; any thread. */
    void append(Pending p) {
        ProduceExecutor wake = null;
        synchronized (this) {
            boolean wasEmpty = pending.isEmpty();
            boolean wasFull = full();
            pending.add(p);
            int size = p.event.sizeBytes();
            pendingBytes += size;
            lastEventBytes = size;
            if (wasEmpty || (!wasFull && full())) {
                wake = executor;
            }
        }
        if (wake != null) {
            wake.wakeup();
        }
    }

    // ---- executor thread ----------------------------------------------------------------------

    /**
     * The batch to send now, at most {@code budgetBytes} (unless nothing was sent yet in the
     * request: {@code first}), or null. Marks it sent.
     */
    synchronized InFlight next(long nowMs, int budgetBytes, boolean first) {
        return nextLocked(nowMs, budgetBytes, first);
    }

    /**
     * Fails every event that waits here and is not in a request now (in flight ones fail when their
     * answer comes): the topic is gone. The engine's sweep; outside the monitor for the failures.
     */
    void failAll(DeliveryFailure failure) {
        List<Pending> failed = takeUnsent(false);
        for (Pending p : failed) {
            engine.fail(p, tp.partition(), failure, 0);
        }
    }

    /**
     * Takes every event out of this worker to park it aside ({@link ParkingLot}), in order; null
     * (and nothing taken) while a request carries one of its batches, so that nothing older can
     * come back here after the rest was parked. Any thread but the executor's monitor holder.
     */
    List<Pending> takeForParking() {
        return takeUnsent(true);
    }

    /**
     * Takes the events not in a request now, batches first (they are older), then the queue. With
     * {@code allOrNothing}, takes nothing (null) while any batch is in a request.
     */
    private List<Pending> takeUnsent(boolean allOrNothing) {
        List<Pending> taken = new ArrayList<>();
        boolean reset = false;
        int gen;
        synchronized (this) {
            if (allOrNothing && anySent()) {
                return null;
            }
            for (var it = batches.iterator(); it.hasNext(); ) {
                InFlight b = it.next();
                if (!b.sent) {
                    it.remove();
                    seq.requireResequence();
                    if (b.maybeWritten && settings.idempotence()) {
                        reset = true;
                        seq.markStale();
                    }
                    taken.addAll(b.records);
                }
            }
            while (!pending.isEmpty()) {
                Pending p = pending.pollFirst();
                pendingBytes -= p.event.sizeBytes();
                taken.add(p);
            }
            gen = seq.generation();
        }
        if (reset) {
            engine.resetIdentity(gen, tp + ": a batch Kafka may have written was taken out");
        }
        return taken;
    }

    /**
     * Puts back, ahead of everything queued, events {@link #takeForParking} took that could not be
     * parked; they are older than anything appended since.
     */
    void putBack(List<Pending> events) {
        ProduceExecutor wake;
        synchronized (this) {
            for (int i = events.size() - 1; i >= 0; i--) {
                Pending p = events.get(i);
                pending.addFirst(p);
                pendingBytes += p.event.sizeBytes();
            }
            wake = executor;
        }
        if (wake != null) {
            wake.wakeup();
        }
    }

    /** When Kafka last acknowledged a batch of this partition (engine clock), or 0. */
    synchronized long lastProgressMs() {
        return lastProgressMs;
    }

    private InFlight nextLocked(long nowMs, int budgetBytes, boolean first) {
        if (nowMs < retryAtMs) {
            return null;
        }
        ProducerIdentity id = engine.identity();
        if (settings.idempotence() && !id.idempotent()) {
            return null; // no producer id yet: the engine is asking for one
        }
        if (seq.stale(id.generation())) {
            engine.resetIdentity(id.generation(), tp + ": still waiting for a new producer id");
            return null;
        }
        boolean anySent = anySent();
        if (!seq.current(id.generation())) {
            if (anySent) {
                return null; // wait for every answer before renumbering
            }
            renumber(id);
        }
        boolean recovering = anyFailed();
        if ((recovering || firstUnacknowledged(id)) && anySent) {
            return null; // one batch at a time: recovering, or Kafka has no state for us yet
        }
        InFlight b = firstUnsent();
        if (b == null
                && !recovering
                && batches.size() < settings.maxInFlightPerPartition()
                && lingerDone(nowMs)) {
            b =
                    cut(
                            id,
                            nowMs,
                            first
                                    ? settings.maxRequestSizeBytes()
                                    : Math.min(budgetBytes, settings.maxRequestSizeBytes()));
        }
        if (b == null || (!first && b.encoded.sizeInBytes() > budgetBytes)) {
            return null;
        }
        b.sent = true;
        b.attempts++;
        return b;
    }

    /**
     * True when the pending events fill a batch: another event of the last one's size would not fit
     * in {@code batch.size}. The sticky partitioner moves on at exactly that point, so a batch of
     * what fits leaves at once instead of waiting for linger.ms (regression: at 200k records/s the
     * old rule, {@code >= batch.size}, sent one event of every 446 alone after linger.ms and held
     * the in-order broker acks behind it; docs/benchmarks-kafka.md).
     */
    private boolean full() {
        return !pending.isEmpty() && pendingBytes + lastEventBytes > settings.batchSizeBytes();
    }

    private boolean lingerDone(long nowMs) {
        if (pending.isEmpty()) {
            return false;
        }
        return full()
                || nowMs - pending.peekFirst().enqueuedMs >= settings.lingerMs()
                || engine.flushing();
    }

    /** Cuts the next batch from the pending events (at least one) and encodes it. */
    private InFlight cut(ProducerIdentity id, long nowMs, int maxBytes) {
        List<Pending> records = new ArrayList<>();
        long bytes = 0;
        int limit = Math.min(maxBytes, settings.batchSizeBytes());
        while (!pending.isEmpty()) {
            Pending p = pending.peekFirst();
            if (!records.isEmpty() && bytes + p.event.sizeBytes() > limit) {
                break;
            }
            pending.pollFirst();
            pendingBytes -= p.event.sizeBytes();
            records.add(p);
            bytes += p.event.sizeBytes();
        }
        InFlight b = new InFlight(records);
        encode(b, id, seq.take(records.size()), nowMs);
        batches.addLast(b);
        return b;
    }

    private void encode(InFlight b, ProducerIdentity id, int baseSeq, long nowMs) {
        List<Event> events = new ArrayList<>(b.records.size());
        for (Pending p : b.records) {
            events.add(p.event);
        }
        b.seq = id.idempotent() ? baseSeq : -1;
        b.encoded = engine.encoder.encode(events, id.producerId(), id.epoch(), b.seq, nowMs);
    }

    private void renumber(ProducerIdentity id) {
        // Nothing is in flight, and every batch before the first one left has been settled, so
        // the broker expects the sequence after the last acknowledged batch (or 0 under a new
        // producer id): a batch that failed for good (or was split) leaves no hole.
        seq.renumber(id.generation());
        long now = engine.clockMs();
        for (InFlight b : batches) {
            encode(b, id, seq.take(b.records.size()), now);
        }
    }

    /**
     * When this worker next has something to do without new events or answers (linger, retry
     * backoff), or Long.MAX_VALUE. A worker that must wait for answers first (in-flight limit,
     * recovery, renumbering, a producer id) reports nothing, so the executor does not spin.
     */
    synchronized long nextDeadlineMs(long nowMs) {
        long t = Long.MAX_VALUE;
        boolean anySent = anySent();
        ProducerIdentity id = engine.identity();
        int current = id.generation();
        boolean blocked =
                batches.size() >= settings.maxInFlightPerPartition()
                        || (settings.idempotence() && !id.idempotent())
                        || seq.stale(current)
                        || (anySent
                                && (anyFailed()
                                        || !seq.current(current)
                                        || firstUnacknowledged(id)));
        if (!blocked) {
            if (!pending.isEmpty()) {
                t = pending.peekFirst().enqueuedMs + settings.lingerMs();
            }
            if (firstUnsent() != null) {
                t = Math.min(t, Math.max(retryAtMs, nowMs));
            }
        }
        return t;
    }

    // ---- outcomes (executor thread) -----------------------------------------------------------

    /** Kafka answered for {@code b}. */
    void onResult(InFlight b, PartitionResult r, long nowMs) {
        WireError e = r.error();
        if (e.isNone() || e.isDuplicateSequence()) {
            if (setParked(false)) {
                engine.unparked(tp);
            }
            settle(b, null, r.baseOffset());
            return;
        }
        if (e.isLeaderChange()) {
            if (r.leaderHint() != null) {
                engine.metadata.hint(tp, r.leaderHint(), r.leaderHintEpoch());
            } else {
                engine.metadata.invalidate(tp);
                engine.refreshMetadata(tp.topic());
            }
            retry(b, nowMs, false);
            engine.reassign(this);
            return;
        }
        if (e.isOutOfOrderSequence() || e.isProducerFenced()) {
            // As Kafka's producer decides: an out-of-order answer for a batch that is not the next
            // one the broker expects only means an earlier batch is unresolved (failed, in flight
            // elsewhere after a move, or failed for good and renumbering is due): retry. For the
            // batch the broker should accept next, it means the broker lost our producer state.
            // Overtaken (SequenceState.overtaken): no resend under this producer id can succeed;
            // only a new id (every worker renumbers) delivers it. Regression: a fresh topic
            // livelocked a partition until delivery.timeout.ms (docs/benchmarks-kafka.md).
            boolean lost;
            int gen;
            synchronized (this) {
                lost =
                        e.isProducerFenced()
                                || (batches.peekFirst() == b
                                        && (seq.expectedNext(b.seq) || seq.overtaken(b.seq))
                                        && !seq.resequenceDue());
                gen = seq.generation();
            }
            if (lost) {
                engine.resetIdentity(gen, tp + ": " + e);
            }
            retry(b, nowMs, true);
            return;
        }
        if (DeliveryFailure.codeOf(e.name()) == DeliveryFailure.Code.RECORD_TOO_LARGE
                && b.records.size() > 1) {
            split(b);
            return;
        }
        if (e.retriable()) {
            retry(b, nowMs, true);
            return;
        }
        if (DeliveryFailure.codeOf(e.name()) == DeliveryFailure.Code.AUTHORIZATION) {
            // heals when an operator grants the ACL: kept, retried slowly, and said loudly
            setParked(true);
            engine.parked(tp, e);
            retryAfter(b, nowMs, PARKED_RETRY_MS);
            return;
        }
        settle(
                b,
                DeliveryFailure.of(e, "topic '" + tp.topic() + "' partition " + tp.partition()),
                -1);
    }

    /** The request carrying {@code b} got no answer (disconnect, timeout, executor stopped). */
    void onTransportFailure(InFlight b, long nowMs) {
        synchronized (this) {
            b.maybeWritten = true;
        }
        retry(b, nowMs, true);
    }

    private void retry(InFlight b, long nowMs, boolean backoff) {
        retryAfter(b, nowMs, backoff ? settings.retryBackoffMs() : 0);
    }

    private void retryAfter(InFlight b, long nowMs, long backoffMs) {
        ProduceExecutor wake;
        synchronized (this) {
            b.sent = false;
            b.failed = true;
            if (backoffMs > 0) {
                retryAtMs = nowMs + backoffMs;
            }
            wake = executor;
        }
        if (wake != null) {
            wake.wakeup();
        }
    }

    /** Splits a batch Kafka found too large into single records, each renumbered before it goes. */
    private synchronized void split(InFlight b) {
        List<InFlight> parts = new ArrayList<>();
        for (Pending p : b.records) {
            parts.add(new InFlight(List.of(p)));
        }
        ArrayDeque<InFlight> rebuilt = new ArrayDeque<>();
        for (InFlight x : batches) {
            if (x == b) {
                for (InFlight part : parts) {
                    part.failed = true;
                    rebuilt.add(part);
                }
            } else {
                rebuilt.add(x);
            }
        }
        batches.clear();
        batches.addAll(rebuilt);
        b.sent = false;
        seq.requireResequence();
        for (InFlight part : parts) {
            part.seq = b.seq; // renumbered before sending
            part.encoded = b.encoded;
        }
    }

    /**
     * Settles {@code b}: acknowledged (at {@code baseOffset}) when {@code failure} is null, else
     * failed for good.
     */
    private void settle(InFlight b, DeliveryFailure failure, long baseOffset) {
        boolean reset = false;
        int gen;
        synchronized (this) {
            batches.remove(b);
            gen = seq.generation();
            if (failure != null) {
                seq.requireResequence();
                // Renumbering under the same producer id is safe only if Kafka surely did not
                // write this batch; else a later batch could take its sequence and be taken for it.
                reset = b.maybeWritten && settings.idempotence();
                if (reset) {
                    seq.markStale();
                }
            } else {
                lastProgressMs = engine.clockMs();
                if (b.seq >= 0) {
                    seq.acked(b.seq, b.records.size());
                }
            }
        }
        if (reset) {
            engine.resetIdentity(gen, tp + ": a batch Kafka may have written failed for good");
        }
        if (failure == null) {
            engine.acked(b, tp.partition(), baseOffset);
        } else {
            for (Pending p : b.records) {
                engine.fail(p, tp.partition(), failure, b.attempts);
            }
        }
    }

    /** True when no batch was acknowledged yet under an idempotent producer id (SequenceState). */
    private boolean firstUnacknowledged(ProducerIdentity id) {
        return id.idempotent() && !seq.pipelineOpen();
    }

    private boolean anySent() {
        for (InFlight b : batches) {
            if (b.sent) {
                return true;
            }
        }
        return false;
    }

    private boolean anyFailed() {
        for (InFlight b : batches) {
            if (b.failed) {
                return true;
            }
        }
        return false;
    }

    private InFlight firstUnsent() {
        for (InFlight b : batches) {
            if (!b.sent) {
                return b;
            }
        }
        return null;
    }

    /** Sets the parked flag; true when it changed. */
    private synchronized boolean setParked(boolean now) {
        boolean changed = parked != now;
        parked = now;
        return changed;
    }

    /** True while Kafka refuses this partition's records for a reason an operator can fix. */
    synchronized boolean parked() {
        return parked;
    }

    /** When the oldest event still waiting here reached the engine, or Long.MAX_VALUE. */
    synchronized long oldestEnqueuedMs() {
        long t = pending.isEmpty() ? Long.MAX_VALUE : pending.peekFirst().enqueuedMs;
        InFlight first = batches.peekFirst();
        return first == null ? t : Math.min(t, first.firstEnqueuedMs);
    }

    /** Events queued or in batches not yet settled. */
    synchronized int outstanding() {
        int n = pending.size();
        for (InFlight b : batches) {
            n += b.records.size();
        }
        return n;
    }

    @Override
    public String toString() {
        return "PartitionWorker{" + tp + "}";
    }
}
