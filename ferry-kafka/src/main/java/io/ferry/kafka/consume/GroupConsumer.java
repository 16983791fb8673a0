package io.ferry.kafka.consume;

import io.ferry.broker.Event;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.FetchedRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's consumer in this process (kafka-pixy's semantics, {@code docs/consume.md}): it is a
 * KIP-848 member of the group, fetches the partitions the group gives it, offers their messages,
 * takes acknowledgements in any order and commits the lowest unacknowledged offset with the
 * acknowledged ranges above it. Every public method is safe from any thread.
 *
 * <p>Get one from {@link ConsumeEngine#subscribe}; {@link #close} leaves the group cleanly.
 */
public final class GroupConsumer implements AutoCloseable {
    /* Design notes
     * Threads: the membership loop calls the listener (must not block), so revocation and the
     * start of a partition run on the engine's settle executor; fetch executors call each
     * partition's sink; callers call next/ack/release; the commit executor asks each partition's
     * commit point. Each partition's state (its PartitionAcks) is guarded by its own monitor.
     * Takers that find nothing wait on `signal` for a change counter (sinks, acks, timeouts bump
     * it), at most until the earliest acknowledgement deadline.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

    /**
     * How many fetches' worth of records a partition holds before its next fetch waits: the fetch
     * side reads ahead of the client by this much (besides max-pending), so that each round of the
     * node's executor finds every partition wanting and carries them all.
     */
    static final int READ_AHEAD_FETCHES = 2;

    private final ConsumeEngine engine;
    private final String group;
    private volatile List<String> topics; // written under this
    private final FetchLane lane;
    private final ConsumeSettings settings;
    private final Map<TopicPartition, Owned> owned = new ConcurrentHashMap<>();
    private volatile Owned[] order = new Owned[0];
    private final AtomicInteger cursor = new AtomicInteger();
    private final Object signal = new Object();
    private long changes; // guarded by signal
    private volatile GroupMember member;
    private volatile MembershipFailure failure;
    private volatile boolean closed;

    // Long polls (poll): waiting in order; `serving` lets one thread at a time serve them.
    private final ConcurrentLinkedQueue<Poll> polls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pollsWaiting = new AtomicInteger();
    private final AtomicInteger serving = new AtomicInteger();

    final LongAdder offered = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder redelivered = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    private final LongAdder lost = new LongAdder();

    GroupConsumer(
            ConsumeEngine engine, String group, List<String> topics, ConsumeSettings settings) {
        this.engine = engine;
        this.group = group;
        this.topics = List.copyOf(topics);
        this.settings = settings;
        this.lane = new FetchLane(group, settings.reset());
    }

    void start() {
        this.member = engine.membership.join(group, topics, new Listener());
    }

    /** The group. */
    public String group() {
        return group;
    }

    /** The group member (its id, epoch, state). */
    public GroupMember member() {
        return member;
    }

    /** The partitions this consumer owns now (including those being revoked). */
    public Set<TopicPartition> owned() {
        return Set.copyOf(owned.keySet());
    }

    /** The topics subscribed to now. */
    public List<String> topics() {
        return topics;
    }

    /**
     * Adds {@code more} to the subscription (kafka-pixy's model: a group consumes the topics its
     * clients ask for); the coordinator then assigns their partitions among the group's members
     * subscribed to them. Nothing happens for topics already subscribed to.
     *
     * @throws ConsumeException when the group failed for good or this consumer is closed
     */
    public synchronized void subscribe(Collection<String> more) {
        check();
        Set<String> now = new TreeSet<>(topics);
        Set<String> added = new TreeSet<>(more);
        added.removeAll(now);
        if (added.isEmpty()) {
            return;
        }
        now.addAll(added);
        topics = List.copyOf(now);
        engine.refresh(added);
        member.subscribe(now);
    }

    // ---- taking messages ----------------------------------------------------------------------

    /**
     * The next message, waiting at most {@code timeout} for one (kafka-pixy's long poll).
     *
     * @return the message, or null when none came in time
     * @throws ConsumeException when the group failed for good or this consumer is closed
     * @throws InterruptedException when interrupted while waiting
     */
    public ConsumedMessage next(Duration timeout) throws InterruptedException {
        List<ConsumedMessage> one = next(1, timeout);
        return one.isEmpty() ? null : one.get(0);
    }

    /**
     * Up to {@code max} messages, waiting at most {@code timeout} for the first.
     *
     * @return the messages, empty when none came in time
     * @throws ConsumeException when the group failed for good or this consumer is closed
     * @throws InterruptedException when interrupted while waiting
     */
    public List<ConsumedMessage> next(int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumedMessage> out = new ArrayList<>();
        while (true) {
            check();
            long seen;
            synchronized (signal) {
                seen = changes;
            }
            long earliest = take(null, max, out);
            if (!out.isEmpty()) {
                return out;
            }
            long leftNs = deadline - System.nanoTime();
            if (leftNs <= 0) {
                return out;
            }
            long waitMs = TimeUnit.NANOSECONDS.toMillis(leftNs) + 1;
            if (earliest != Long.MAX_VALUE) {
                waitMs = Math.min(waitMs, Math.max(1, earliest - engine.nowMs()));
            }
            synchronized (signal) {
                if (changes == seen && !closed && failure == null) {
                    signal.wait(waitMs);
                }
            }
        }
    }

    /**
     * Up to {@code max} messages of {@code topic} (null: of any topic), without a thread waiting:
     * the future completes as soon as one is there, with an empty list once {@code wait} passed, or
     * exceptionally ({@link ConsumeException}) when the group fails or this consumer closes. Any
     * thread. Cancel the future when the caller goes away before it completed (nothing is taken
     * then); when it completed but its messages could not be handed on, give them back with {@link
     * #takeBack}: a long poll dropped by its client loses nothing.
     */
    public CompletableFuture<List<ConsumedMessage>> poll(String topic, int max, Duration wait) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        try {
            check();
        } catch (ConsumeException e) {
            return CompletableFuture.failedFuture(e);
        }
        List<ConsumedMessage> out = new ArrayList<>();
        take(topic, max, out);
        if (!out.isEmpty() || wait.isZero() || wait.isNegative()) {
            return CompletableFuture.completedFuture(out);
        }
        Poll p = new Poll(topic, max, engine.nowMs() + wait.toMillis());
        polls.add(p);
        pollsWaiting.incrementAndGet();
        servePolls(); // what came between the take above and the add
        return p.future;
    }

    /** Long polls waiting now (for limits and metrics). */
    public int pollsWaiting() {
        return pollsWaiting.get();
    }

    /**
     * Gives back messages a caller took but could not hand on (its client went away): not a
     * delivery attempt; they are offered again before fresh ones. Messages already settled, or of
     * partitions this member no longer owns, are skipped (the owner redelivers them).
     *
     * @return how many were given back
     */
    public int takeBack(List<ConsumedMessage> messages) {
        int n = 0;
        for (ConsumedMessage m : messages) {
            Owned o = owned.get(new TopicPartition(m.topic(), m.partition()));
            if (o != null && o.takeBack(m.offset())) {
                n++;
            }
        }
        if (n > 0) {
            changed();
        }
        return n;
    }

    /**
     * Serves the waiting long polls in order: what is there now, an empty answer past the deadline,
     * the failure once the group failed or closed. One thread at a time (the others leave a count
     * behind, so nothing is missed); fetch sinks, acknowledgements and the engine's poll ticker
     * call it.
     */
    void servePolls() {
        if (polls.isEmpty() || serving.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            servePollsOnce();
            missed = serving.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void servePollsOnce() {
        ConsumeException failed = null;
        try {
            check();
        } catch (ConsumeException e) {
            failed = e;
        }
        long now = engine.nowMs();
        for (Iterator<Poll> it = polls.iterator(); it.hasNext(); ) {
            Poll p = it.next();
            if (p.future.isDone()) {
                remove(it);
                continue;
            }
            if (failed != null) {
                remove(it);
                p.future.completeExceptionally(failed);
                continue;
            }
            List<ConsumedMessage> out = new ArrayList<>();
            take(p.topic, p.max, out);
            if (!out.isEmpty()) {
                remove(it);
                if (!p.future.complete(out)) {
                    takeBack(out); // cancelled meanwhile
                }
            } else if (now >= p.deadlineMs) {
                remove(it);
                p.future.complete(List.of());
            }
        }
    }

    private void remove(Iterator<Poll> it) {
        it.remove();
        pollsWaiting.decrementAndGet();
    }

    /** One waiting long poll. */
    private static final class Poll {
        final String topic;
        final int max;
        final long deadlineMs;
        final CompletableFuture<List<ConsumedMessage>> future = new CompletableFuture<>();

        Poll(String topic, int max, long deadlineMs) {
            this.topic = topic;
            this.max = max;
            this.deadlineMs = deadlineMs;
        }
    }

    /**
     * Takes offers of {@code topic} (null: any) round-robin over the partitions; returns the
     * earliest ack deadline.
     */
    private long take(String topic, int max, List<ConsumedMessage> out) {
        Owned[] parts = order;
        long earliest = Long.MAX_VALUE;
        if (parts.length == 0) {
            return earliest;
        }
        int start = Math.floorMod(cursor.getAndIncrement(), parts.length);
        long now = engine.nowMs();
        for (int k = 0; k < parts.length && out.size() < max; k++) {
            Owned o = parts[(start + k) % parts.length];
            if (topic != null && !topic.equals(o.tp.topic())) {
                continue;
            }
            earliest = Math.min(earliest, o.take(now, max - out.size(), out));
        }
        return earliest;
    }

    private void check() {
        MembershipFailure f = failure;
        if (f != null) {
            throw new ConsumeException(
                    ConsumeException.Reason.FAILED,
                    "group '" + group + "' cannot be consumed: " + f.message());
        }
        if (closed) {
            throw new ConsumeException(
                    ConsumeException.Reason.CLOSED,
                    "the consumer of group '" + group + "' is closed");
        }
    }

    private void changed() {
        synchronized (signal) {
            changes++;
            signal.notifyAll();
        }
        servePolls();
    }

    // ---- acknowledgements ---------------------------------------------------------------------

    /**
     * Acknowledges one message; any order, idempotent.
     *
     * @return OK, ALREADY (acknowledged before), or NEVER_OFFERED (an offset this member never
     *     offered: nothing was done)
     * @throws ConsumeException NOT_OWNED when this member does not own the partition (never did, or
     *     it moved to another member: the message will be redelivered there unless committed)
     */
    public PartitionAcks.AckResult ack(String topic, int partition, long offset) {
        Owned o = ownedOrThrow(topic, partition);
        PartitionAcks.AckResult r = o.ack(offset);
        if (r == null) {
            throw notOwned(topic, partition);
        }
        return r;
    }

    /**
     * Acknowledges every offered message in {@code [from, to)}.
     *
     * @return how many were settled by this call
     * @throws ConsumeException NOT_OWNED as {@link #ack}
     */
    public int ackRange(String topic, int partition, long from, long to) {
        Owned o = ownedOrThrow(topic, partition);
        int n = o.ackRange(from, to);
        if (n < 0) {
            throw notOwned(topic, partition);
        }
        return n;
    }

    /**
     * Gives a message back for redelivery now; counts as a delivery attempt (after {@code
     * max-retries} attempts it goes to the dead letter).
     *
     * @throws ConsumeException NOT_OWNED as {@link #ack}
     */
    public PartitionAcks.ReleaseResult release(String topic, int partition, long offset) {
        Owned o = ownedOrThrow(topic, partition);
        PartitionAcks.ReleaseResult r = o.release(offset);
        if (r == null) {
            throw notOwned(topic, partition);
        }
        return r;
    }

    private Owned ownedOrThrow(String topic, int partition) {
        check();
        Owned o = owned.get(new TopicPartition(topic, partition));
        if (o == null || o.gone || o.sealed) {
            throw notOwned(topic, partition);
        }
        return o;
    }

    private ConsumeException notOwned(String topic, int partition) {
        return new ConsumeException(
                ConsumeException.Reason.NOT_OWNED,
                "partition "
                        + partition
                        + " of topic '"
                        + topic
                        + "' is not owned by this member of group '"
                        + group
                        + "' (owned: "
                        + owned.keySet()
                        + "): its messages are acknowledged by their owner, or redelivered");
    }

    /**
     * Partitions lost so far (the member was fenced: they were dropped without a commit, so what
     * was acknowledged since the last commit is offered again by their next owner).
     */
    public long lostPartitions() {
        return lost.sum();
    }

    /** Per-partition counters now (for metrics and tests). */
    public Map<TopicPartition, PartitionAcks.Counters> counters() {
        Map<TopicPartition, PartitionAcks.Counters> out = new java.util.HashMap<>();
        owned.forEach(
                (tp, o) -> {
                    PartitionAcks.Counters c = o.counters();
                    if (c != null) {
                        out.put(tp, c);
                    }
                });
        return out;
    }

    /**
     * Per owned partition: the messages not yet acknowledged up to the high watermark (the high
     * watermark minus the lowest unacknowledged offset), -1 while not known yet.
     */
    public Map<TopicPartition, Long> lag() {
        Map<TopicPartition, Long> out = new java.util.HashMap<>();
        owned.forEach((tp, o) -> out.put(tp, o.lag()));
        return out;
    }

    /**
     * This group's counters now: totals since it subscribed and, per owned partition, its lag and
     * counters (for the gateway's metrics).
     */
    public GroupMetrics metrics() {
        Map<TopicPartition, Long> lags = lag();
        Map<TopicPartition, GroupMetrics.PartitionMetrics> parts = new java.util.HashMap<>();
        long pending = 0;
        for (Map.Entry<TopicPartition, PartitionAcks.Counters> e : counters().entrySet()) {
            PartitionAcks.Counters c = e.getValue();
            pending += c.pending();
            parts.put(
                    e.getKey(),
                    new GroupMetrics.PartitionMetrics(
                            lags.getOrDefault(e.getKey(), -1L),
                            c.offered(),
                            c.acked(),
                            c.redelivered(),
                            c.deadLettered(),
                            c.pending()));
        }
        return new GroupMetrics(
                group,
                offered.sum(),
                acked.sum(),
                redelivered.sum(),
                deadLettered.sum(),
                pending,
                parts);
    }

    /** Where this group starts without a committed offset. */
    FetchLane.OffsetReset reset() {
        return lane.reset();
    }

    /**
     * Every partition of {@code topic} as this group sees it ({@link ConsumeEngine#offsets}), after
     * committing what is acknowledged now, so the committed offsets and sparse acks shown are
     * current. A flush that fails (a partition being revoked) is not an error: Kafka's committed
     * offsets are shown.
     */
    public CompletableFuture<List<PartitionOffset>> offsets(String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        return engine.commits
                .flush(group, timeout.toMillis())
                .handle((v, e) -> null)
                .thenCompose(
                        v ->
                                engine.offsets(
                                        group,
                                        topic,
                                        Duration.ofNanos(
                                                Math.max(
                                                        1_000_000, deadline - System.nanoTime()))));
    }

    // ---- close --------------------------------------------------------------------------------

    /**
     * Leaves the group cleanly: stops fetching, settles what can be settled within the revocation
     * grace, commits, leaves; waiting takers are answered. Waits at most the settings' close
     * timeout.
     */
    @Override
    public void close() {
        close(Duration.ofMillis(settings.closeTimeoutMs()));
    }

    /**
     * As {@link #close()}, waiting at most {@code timeout}; true when the group was left in time.
     */
    public boolean close(Duration timeout) {
        boolean left = false;
        try {
            left =
                    engine.membership
                            .leave(group)
                            .toCompletableFuture()
                            .handle((s, e) -> e == null)
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("group {}: did not leave within {} ms", group, timeout.toMillis());
        }
        closed = true;
        for (Owned o : List.copyOf(owned.values())) {
            drop(o, false);
        }
        changed();
        engine.closed(this);
        return left;
    }

    // ---- partitions ---------------------------------------------------------------------------

    private void reorder() {
        order = owned.values().toArray(new Owned[0]);
    }

    private void drop(Owned o, boolean flushFirst) {
        o.gone = true;
        FetchWorker f = o.fetch;
        if (f != null) {
            engine.fetch.remove(f);
        }
        if (!flushFirst && o.commit != null) {
            engine.commits.removeWorker(o.commit);
        }
        owned.remove(o.tp, o);
        reorder();
    }

    /** One owned partition. */
    private final class Owned implements FetchSink, CommitSource {
        final TopicPartition tp;
        volatile boolean gone;
        volatile boolean revoking;

        /**
         * Set (under the monitor) when a revocation's grace is over, before its commit point is
         * read: later acknowledgements are refused (NOT_OWNED), so none is accepted that the
         * handover commit does not carry (regression: under load 1,956 of 200,000 messages were
         * acknowledged by two members).
         */
        volatile boolean sealed;

        volatile FetchWorker fetch;
        volatile OffsetWorker commit;

        // Guarded by this.
        private PartitionAcks<FetchedRecord> acks;
        private boolean paused;
        private long highWatermark = -1;

        /** Records of the last fetch that brought any: how far ahead the fetch side reads. */
        private int readAheadRecords;

        Owned(TopicPartition tp) {
            this.tp = tp;
        }

        /** The committed offset is known: start fetching from it (or the reset policy). */
        void started(CommittedOffset c) {
            if (gone) {
                return;
            }
            long from = -1;
            synchronized (this) {
                if (c.offset() >= 0) {
                    acks = tracker(c.offset(), c.metadata());
                    if (!acks.startMetadata().isOk()) {
                        LOG.warn(
                                "group {} {}: committed metadata ignored ({}); unacknowledged"
                                        + " messages from {} are offered again",
                                group,
                                tp,
                                acks.startMetadata().reason(),
                                c.offset());
                    }
                    from = acks.position();
                }
            }
            fetch = engine.fetch.add(lane, tp, from, this);
        }

        private PartitionAcks<FetchedRecord> tracker(long offset, String metadata) {
            return new PartitionAcks<>(
                    offset, metadata, settings.acks(), FetchedRecord::offset, this::deadLetter);
        }

        private boolean deadLetter(long offset, FetchedRecord r, int deliveries) {
            Event e =
                    Event.builder(tp.topic())
                            .partition(tp.partition())
                            .key(r.key())
                            .value(r.value() == null ? new byte[0] : r.value())
                            .headers(r.headers())
                            .timestampMs(r.timestampMs())
                            .build();
            boolean stored =
                    engine.deadLetter.store(
                            DeadLetterRecord.forConsume(
                                    e,
                                    offset,
                                    engine.cluster.name(),
                                    group,
                                    deliveries,
                                    "REDELIVERY_LIMIT",
                                    "not acknowledged after "
                                            + deliveries
                                            + " deliveries (max-retries "
                                            + settings.acks().maxRetries()
                                            + ")",
                                    System.currentTimeMillis()));
            if (stored) {
                deadLettered.increment();
            }
            return stored;
        }

        // fetch executor thread
        @Override
        public void accept(List<FetchedRecord> records, long nextOffset, long hw) {
            synchronized (this) {
                if (gone) {
                    return;
                }
                if (acks == null) {
                    long first = records.isEmpty() ? nextOffset : records.get(0).offset();
                    acks = tracker(first, "");
                }
                if (nextOffset < acks.position()) {
                    acks = tracker(nextOffset, ""); // the log went back: offer from there
                }
                acks.addFetched(records, nextOffset);
                if (!records.isEmpty()) {
                    readAheadRecords = records.size();
                }
                if (hw >= 0) {
                    highWatermark = hw;
                }
            }
            if (!records.isEmpty()) {
                changed();
            }
        }

        @Override
        public synchronized boolean wantsMore() {
            boolean more = !revoking && (acks == null || readsAhead());
            paused = !more;
            return more;
        }

        /**
         * Whether the next fetch should go out now: while fewer than max-pending records are held
         * (the tracker's own rule) or fewer than {@link #READ_AHEAD_FETCHES} fetches' worth (the
         * size of the last one), so that the next answer is on its way while the client takes the
         * earlier ones' records: at most about that many fetches plus one are held per partition.
         * Guarded by this.
         */
        private boolean readsAhead() {
            return acks.wantsMore() || acks.held() < READ_AHEAD_FETCHES * readAheadRecords;
        }

        @Override
        public void reset(long fromOffset, long toOffset) {
            synchronized (this) {
                if (acks == null || toOffset < acks.position()) {
                    acks = tracker(toOffset, "");
                } else {
                    acks.addFetched(List.of(), toOffset);
                }
            }
            LOG.info("group {} {}: position reset from {} to {}", group, tp, fromOffset, toOffset);
        }

        long take(long now, int max, List<ConsumedMessage> out) {
            boolean wake = false;
            long earliest;
            synchronized (this) {
                if (acks == null || revoking || gone) {
                    return Long.MAX_VALUE;
                }
                for (int i = 0; i < max; i++) {
                    PartitionAcks.Offer<FetchedRecord> offer = acks.next(now);
                    if (offer == null) {
                        break;
                    }
                    FetchedRecord r = offer.record();
                    out.add(
                            new ConsumedMessage(
                                    tp.topic(),
                                    tp.partition(),
                                    offer.offset(),
                                    r.timestampMs(),
                                    r.key(),
                                    r.value(),
                                    r.headers(),
                                    offer.deliveryCount()));
                    offered.increment();
                    if (offer.redelivery()) {
                        redelivered.increment();
                    }
                }
                earliest = acks.nextDeadlineMs();
                if (paused && readsAhead()) {
                    paused = false;
                    wake = true;
                }
            }
            if (wake && fetch != null) {
                fetch.wakeup();
            }
            return earliest;
        }

        PartitionAcks.AckResult ack(long offset) {
            PartitionAcks.AckResult r;
            synchronized (this) {
                if (sealed) {
                    return null;
                }
                if (acks == null) {
                    return PartitionAcks.AckResult.NEVER_OFFERED;
                }
                r = acks.ack(offset);
            }
            if (r == PartitionAcks.AckResult.OK) {
                acked.increment();
                afterSettle();
            }
            return r;
        }

        int ackRange(long from, long to) {
            int n;
            synchronized (this) {
                if (sealed) {
                    return -1;
                }
                if (acks == null) {
                    return 0;
                }
                n = acks.ackRange(from, to);
            }
            if (n > 0) {
                acked.add(n);
                afterSettle();
            }
            return n;
        }

        boolean takeBack(long offset) {
            synchronized (this) {
                return acks != null
                        && !sealed
                        && acks.takeBack(offset) == PartitionAcks.ReleaseResult.RELEASED;
            }
        }

        PartitionAcks.ReleaseResult release(long offset) {
            PartitionAcks.ReleaseResult r;
            synchronized (this) {
                if (sealed) {
                    return null;
                }
                if (acks == null) {
                    return PartitionAcks.ReleaseResult.NEVER_OFFERED;
                }
                r = acks.release(offset);
            }
            changed();
            return r;
        }

        private void afterSettle() {
            if (revoking) {
                changed(); // a revocation waits for pending acknowledgements
            } else {
                servePolls(); // below max-pending again: a waiting long poll may get an offer
            }
        }

        synchronized int pending() {
            return acks == null ? 0 : acks.pending();
        }

        synchronized PartitionAcks.Counters counters() {
            return acks == null ? null : acks.counters();
        }

        /** The high watermark minus the lowest unacknowledged offset, or -1 when not known. */
        synchronized long lag() {
            return acks == null || highWatermark < 0
                    ? -1
                    : Math.max(0, highWatermark - acks.committableOffset());
        }

        // commit executor thread
        @Override
        public Point commitPoint(int maxMetadataChars) {
            synchronized (this) {
                if (acks == null) {
                    return null;
                }
                acks.expire(engine.nowMs()); // timed-out offers and the dead letter move on
                PartitionAcks.CommitPoint p =
                        acks.commitPoint(Math.min(maxMetadataChars, settings.maxMetadataChars()));
                return new Point(p.offset(), -1, p.metadata());
            }
        }
    }

    /** Membership events: on the loop's thread; the work runs on the settle executor. */
    private final class Listener implements MembershipListener {
        @Override
        public void assigned(Set<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                if (owned.containsKey(tp)) {
                    continue;
                }
                Owned o = new Owned(tp);
                owned.put(tp, o);
                engine.settle.execute(() -> startPartition(o));
            }
            reorder();
            LOG.info("group {}: assigned {}", group, partitions);
        }

        @Override
        public void revoked(Set<TopicPartition> partitions, Revocation revocation) {
            List<Owned> going = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Owned o = owned.get(tp);
                if (o != null) {
                    o.revoking = true;
                    going.add(o);
                }
            }
            engine.settle.execute(() -> revoke(going, revocation));
        }

        @Override
        public void lost(Set<TopicPartition> partitions) {
            lost.add(partitions.size());
            for (TopicPartition tp : partitions) {
                Owned o = owned.get(tp);
                if (o != null) {
                    o.gone = true;
                    engine.settle.execute(() -> drop(o, false));
                }
            }
            LOG.warn(
                    "group {}: lost {} (fenced): not committed, redelivered by their owner",
                    group,
                    partitions);
            changed();
        }

        @Override
        public void failed(MembershipFailure f) {
            failure = f;
            LOG.error("group {}: membership failed: {}", group, f.message());
            changed();
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback is the continuation
    private void startPartition(Owned o) {
        if (o.gone) {
            return;
        }
        try {
            OffsetWorker w = engine.commits.addWorker(group, o.tp, memberView, o);
            o.commit = w;
            w.committed()
                    .whenComplete(
                            (c, e) -> {
                                if (e != null && (o.gone || o.revoking)) {
                                    LOG.debug(
                                            "group {} {}: given up before its committed offset"
                                                    + " was read ({})",
                                            group,
                                            o.tp,
                                            e.toString());
                                    return;
                                }
                                String why =
                                        e != null
                                                ? e.toString()
                                                : c.error().isNone() ? null : c.error().toString();
                                if (why != null) {
                                    // never start from the reset policy instead: with LATEST
                                    // that would skip what was not consumed yet
                                    LOG.warn(
                                            "group {} {}: cannot read the committed offset ({});"
                                                    + " asking again in {} ms",
                                            group,
                                            o.tp,
                                            why,
                                            START_RETRY_MS);
                                    CompletableFuture.delayedExecutor(
                                                    START_RETRY_MS,
                                                    TimeUnit.MILLISECONDS,
                                                    engine.settle)
                                            .execute(() -> restartPartition(o, w));
                                    return;
                                }
                                engine.settle.execute(() -> o.started(c));
                            });
        } catch (RuntimeException e) {
            LOG.error("group {} {}: cannot start the partition", group, o.tp, e);
        }
    }

    /** How long a partition whose committed offset could not be read waits to ask again. */
    static final long START_RETRY_MS = 1_000;

    private void restartPartition(Owned o, OffsetWorker w) {
        if (o.gone || o.revoking || closed) {
            return;
        }
        engine.commits.removeWorker(w);
        o.commit = null;
        startPartition(o);
    }

    /** Stops fetching, waits for pending acks at most the grace, commits, reports done. */
    @SuppressWarnings("FutureReturnValueIgnored") // the callback is the continuation
    private void revoke(List<Owned> going, MembershipListener.Revocation revocation) {
        for (Owned o : going) {
            FetchWorker f = o.fetch;
            if (f != null) {
                engine.fetch.remove(f);
            }
        }
        long graceEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(revocation.graceMs());
        try {
            while (System.nanoTime() - graceEnds < 0) {
                int pending = 0;
                for (Owned o : going) {
                    pending += o.pending();
                }
                if (pending == 0) {
                    break;
                }
                synchronized (signal) {
                    signal.wait(
                            Math.max(
                                    1,
                                    TimeUnit.NANOSECONDS.toMillis(graceEnds - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Owned o : going) {
            synchronized (o) {
                o.sealed = true; // no acknowledgement from now on escapes the commit below
            }
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (Owned o : going) {
            if (o.commit != null) {
                tps.add(o.tp);
            }
        }
        CompletableFuture<Void> flushed =
                tps.isEmpty()
                        ? CompletableFuture.completedFuture(null)
                        : engine.commits.flush(group, tps, Math.max(1_000, revocation.graceMs()));
        flushed.whenComplete(
                (v, e) -> {
                    if (e != null) {
                        LOG.warn(
                                "group {}: the commit on revocation of {} failed ({}); what was not"
                                        + " committed is redelivered by the next owner",
                                group,
                                tps,
                                e.toString());
                    }
                    for (Owned o : going) {
                        o.gone = true;
                        if (o.commit != null) {
                            engine.commits.removeWorker(o.commit);
                        }
                        owned.remove(o.tp, o);
                    }
                    reorder();
                    revocation.done();
                    changed();
                });
    }

    /** The member as the commit path sees it: its id and epoch, and what this consumer owns. */
    private final CommitMember memberView =
            new CommitMember() {
                @Override
                public String memberId() {
                    GroupMember m = member;
                    return m == null ? "" : m.memberId();
                }

                @Override
                public int memberEpoch() {
                    GroupMember m = member;
                    return m == null ? 0 : m.memberEpoch();
                }

                @Override
                public boolean owns(TopicPartition tp) {
                    Owned o = owned.get(tp);
                    return o != null && !o.gone;
                }
            };
}
