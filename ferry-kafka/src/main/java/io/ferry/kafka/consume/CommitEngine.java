package io.ferry.kafka.consume;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.GroupOffsets;
import io.ferry.kafka.wire.OffsetToCommit;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.mapper.Mapper;
import io.ferry.mapper.MapperStoppedException;
import io.ferry.mapper.Resolver;
import io.ferry.mapper.Worker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offset-commit side of the consume engine on one cluster: offset workers (one per group and
 * owned partition) mapped by a {@link Mapper} to one {@link CommitExecutor} per group coordinator,
 * plus reading and setting a group's offsets. Every public method is safe from any thread and
 * returns at once; waits are futures the caller bounds.
 *
 * <pre>{@code
 * CommitEngine commits = CommitEngine.builder(services).start();
 * OffsetWorker w = commits.addWorker("g", tp, member, tracker::commitPoint);
 * long start = w.committed().get(10, SECONDS).offset(); // -1: none
 * ...
 * commits.flush("g", Set.of(tp), 5_000).join(); // on revocation
 * commits.removeWorker(w);
 * }</pre>
 */
public final class CommitEngine implements AutoCloseable {
    /* Design notes
     * Threads: the mapper's owner thread, one thread per executor; in step mode none of them
     * (tests call step()). The resolver answers from a coordinator cache and never blocks: an
     * unknown group returns null (the mapper retries after its backoff) and asks FindCoordinator
     * for every group wanted then, one request at a time, so groups wanted while one is in flight
     * go out together in the next (batched FindCoordinator v4+). A coordinator error or a failed
     * node drops the cache entries of that node, and the group's workers are resolved again.
     * Administrative reads and writes are mapper workers of their own (AdminTask), so they follow
     * coordinator moves exactly as offset workers do.
     */
    private static final Logger LOG = LoggerFactory.getLogger(CommitEngine.class);
    static final long STOP_WAIT_MS = 10_000;

    /**
     * What the engine needs of its cluster; any thread. A {@code KafkaCluster} provides it (its
     * channel factory, its control loop's batched FindCoordinator, its metadata's topic ids).
     */
    public interface Services {
        /** The engine's clock, in milliseconds. */
        long nowMs();

        /** Opens the executors' channels (purpose {@code commit}). */
        ChannelFactory channels();

        /** The coordinators of {@code groups}, each with its error if none now. */
        CompletableFuture<Map<String, Coordinator>> findCoordinators(Set<String> groups);

        /** The topic's id, or null when unknown (requests then name topics: OffsetCommit v9). */
        Uuid topicId(String topic);
    }

    /** Why a flush or an administrative call did not get what it asked for; immutable. */
    public static final class CommitFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** The reasons. */
        public enum Reason {
            /** Kafka refused the commit for a reason retrying cannot heal now. */
            REFUSED,
            /** The coordinator fenced the member: nothing is committed until it rejoins. */
            FENCED,
            /** The member does not own the partition (any more): it is not committed. */
            NOT_OWNED,
            /** The offset worker was removed, or the engine closed. */
            STOPPED,
            /** Kafka did not answer in time. */
            TIMED_OUT
        }

        private final Reason reason;
        private final transient TopicPartition partition;
        private final transient WireError error;

        CommitFailedException(Reason reason, TopicPartition partition, WireError error, String m) {
            super(reason + (partition == null ? "" : " " + partition) + ": " + m);
            this.reason = reason;
            this.partition = partition;
            this.error = error;
        }

        /** Why. */
        public Reason reason() {
            return reason;
        }

        /** The partition concerned, or null for the whole call. */
        public TopicPartition partition() {
            return partition;
        }

        /** Kafka's error, or null when Kafka said none. */
        public WireError error() {
            return error;
        }
    }

    private final Services services;
    private final long commitIntervalMs;
    private final long retryBackoffMs;
    private final int maxMetadataChars;
    private final long closeFlushTimeoutMs;
    private final boolean stepped;
    private final Mapper<Node, CommitExecutor> mapper;
    private final Map<String, Map<TopicPartition, OffsetWorker>> workers =
            new ConcurrentHashMap<>();
    private final Set<CommitExecutor.AdminTask<?>> tasks = ConcurrentHashMap.newKeySet();
    private final Map<Node, CommitExecutor> executors = new ConcurrentHashMap<>();
    private final Set<CommitExecutor> stopping = ConcurrentHashMap.newKeySet();
    private final Map<String, Node> coordinators = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    // Guarded by `lookups`.
    private final Set<String> lookups = new HashSet<>();
    private boolean lookupInFlight;
    private long lookupsSent;

    private CommitEngine(Builder b) {
        this.services = b.services;
        this.commitIntervalMs = b.commitIntervalMs;
        this.retryBackoffMs = b.retryBackoffMs;
        this.maxMetadataChars = b.maxMetadataChars;
        this.closeFlushTimeoutMs = b.closeFlushTimeoutMs;
        this.stepped = b.stepped;
        Mapper.Builder<Node, CommitExecutor> mb =
                Mapper.builder(new CommitResolver())
                        .retryBackoffMs(retryBackoffMs)
                        .threadName("ferry-commit-mapper")
                        .nanoClock(() -> services.nowMs() * 1_000_000L);
        this.mapper = stepped ? mb.build() : mb.start();
    }

    /** The services of {@code cluster}'s shared core ({@link io.ferry.kafka.EngineAccess}). */
    public static Services services(io.ferry.kafka.KafkaCluster cluster) {
        io.ferry.kafka.EngineAccess a = io.ferry.kafka.EngineAccess.of(cluster);
        return new Services() {
            @Override
            public long nowMs() {
                return a.nowMs();
            }

            @Override
            public ChannelFactory channels() {
                return a.channels();
            }

            @Override
            public CompletableFuture<Map<String, Coordinator>> findCoordinators(
                    Set<String> groups) {
                return a.findCoordinators(groups);
            }

            @Override
            public Uuid topicId(String topic) {
                return a.topicId(topic);
            }
        };
    }

    /** A builder on {@code cluster} ({@link #services(io.ferry.kafka.KafkaCluster)}). */
    public static Builder builder(io.ferry.kafka.KafkaCluster cluster) {
        return builder(services(cluster));
    }

    /** Starts configuring an engine on {@code services}. */
    public static Builder builder(Services services) {
        return new Builder(Objects.requireNonNull(services, "services"));
    }

    // ---- workers ------------------------------------------------------------------------------

    /**
     * Starts committing {@code tp} for {@code group}: the worker reads the committed offset first
     * ({@link OffsetWorker#committed()}), then commits {@code source}'s points while {@code member}
     * owns the partition. All workers of a group must share one member.
     *
     * @throws IllegalStateException when the partition of the group has a worker already, or the
     *     engine is closed
     * @throws IllegalArgumentException when the group's workers have another member
     */
    public OffsetWorker addWorker(
            String group, TopicPartition tp, CommitMember member, CommitSource source) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(tp, "tp");
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(source, "source");
        if (closed.get()) {
            throw new IllegalStateException("the commit engine is closed; no worker for " + tp);
        }
        Map<TopicPartition, OffsetWorker> ws =
                workers.computeIfAbsent(group, k -> new ConcurrentHashMap<>());
        OffsetWorker w = new OffsetWorker(group, tp, member, source, maxMetadataChars);
        synchronized (ws) {
            for (OffsetWorker other : ws.values()) {
                if (other.member != member) {
                    throw new IllegalArgumentException(
                            "group "
                                    + group
                                    + " already commits for another member; one member per group");
                }
            }
            if (ws.putIfAbsent(tp, w) != null) {
                throw new IllegalStateException(
                        "group " + group + " already has an offset worker for " + tp);
            }
        }
        try {
            mapper.onWorkerSpawned(w);
        } catch (MapperStoppedException e) {
            ws.remove(tp, w);
            throw new IllegalStateException("the commit engine is closed; no worker for " + tp, e);
        }
        return w;
    }

    /**
     * Stops committing for {@code w} (flush first: nothing is committed after this); its waiting
     * flushes fail as {@link CommitFailedException.Reason#STOPPED}. Idempotent.
     */
    public void removeWorker(OffsetWorker w) {
        Map<TopicPartition, OffsetWorker> ws = workers.get(w.group);
        if (ws == null || !ws.remove(w.tp, w)) {
            return;
        }
        w.stop();
        try {
            mapper.onWorkerStopped(w);
        } catch (MapperStoppedException e) {
            // stopped: nothing to retire
        }
    }

    /** The worker of {@code group}'s {@code tp}, or null. */
    public OffsetWorker worker(String group, TopicPartition tp) {
        Map<TopicPartition, OffsetWorker> ws = workers.get(group);
        return ws == null ? null : ws.get(tp);
    }

    // ---- flushes ------------------------------------------------------------------------------

    /** As {@link #flush(String, Collection, long)} for every partition of the group here. */
    public CompletableFuture<Void> flush(String group, long timeoutMs) {
        Map<TopicPartition, OffsetWorker> ws = workers.get(group);
        return flush(group, ws == null ? List.of() : List.copyOf(ws.keySet()), timeoutMs);
    }

    /**
     * Commits {@code partitions} of {@code group} now (on revocation and shutdown), ignoring the
     * interval; completes when Kafka has the points read after this call, or there was nothing new.
     * Fails with a {@link CommitFailedException}: TIMED_OUT after {@code timeoutMs}, FENCED,
     * NOT_OWNED, REFUSED, or STOPPED (no worker for a partition, or it was removed).
     */
    public CompletableFuture<Void> flush(
            String group, Collection<TopicPartition> partitions, long timeoutMs) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetWorker w = worker(group, tp);
            if (w == null) {
                all.add(
                        CompletableFuture.failedFuture(
                                new CommitFailedException(
                                        CommitFailedException.Reason.STOPPED,
                                        tp,
                                        null,
                                        "group " + group + " has no offset worker for it")));
            } else {
                all.add(w.flush());
            }
        }
        return bounded(
                CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])),
                timeoutMs,
                "flush of group " + group);
    }

    /** Flushes every group, each bounded by {@code timeoutMs}. */
    public CompletableFuture<Void> flushAll(long timeoutMs) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String g : workers.keySet()) {
            all.add(flush(g, timeoutMs));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback completes `out`, returned
    private static <T> CompletableFuture<T> bounded(
            CompletableFuture<T> f, long timeoutMs, String what) {
        CompletableFuture<T> out = new CompletableFuture<>();
        f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (v, t) -> {
                            Throwable c =
                                    t instanceof java.util.concurrent.CompletionException
                                            ? t.getCause()
                                            : t;
                            if (c == null) {
                                out.complete(v);
                            } else if (c instanceof TimeoutException) {
                                out.completeExceptionally(
                                        new CommitFailedException(
                                                CommitFailedException.Reason.TIMED_OUT,
                                                null,
                                                null,
                                                what
                                                        + " not answered within "
                                                        + timeoutMs
                                                        + " ms"));
                            } else {
                                out.completeExceptionally(c);
                            }
                        });
        return out;
    }

    // ---- administration -----------------------------------------------------------------------

    /**
     * Reads {@code group}'s committed offsets and metadata of {@code partitions} (stable offsets,
     * no member check); an uncommitted partition has offset -1 and empty metadata. Follows the
     * coordinator; fails with TIMED_OUT after {@code timeoutMs}. A group-level error (an
     * authorization failure) is in the answer's {@link GroupOffsets#error()}.
     */
    public CompletableFuture<GroupOffsets> readOffsets(
            String group, Collection<TopicPartition> partitions, long timeoutMs) {
        List<TopicPartition> tps = List.copyOf(partitions);
        return run(
                new CommitExecutor.AdminTask<>(
                        group,
                        new WireRequest.OffsetFetch(group, null, -1, true, tps, topicIds(tps)),
                        GroupOffsets::error),
                timeoutMs);
    }

    /**
     * Commits {@code offsets} for {@code group}, as {@code member} (its id and epoch) or, with a
     * null member, outside any membership (empty member id, epoch -1: Kafka accepts that only while
     * the group has no members). Follows the coordinator; completes with each partition's error
     * ({@link WireError#NONE} when set); fails with TIMED_OUT after {@code timeoutMs}.
     */
    public CompletableFuture<Map<TopicPartition, WireError>> setOffsets(
            String group,
            Map<TopicPartition, OffsetToCommit> offsets,
            CommitMember member,
            long timeoutMs) {
        String id = member == null ? "" : member.memberId();
        int epoch = member == null ? -1 : member.memberEpoch();
        return run(
                new CommitExecutor.AdminTask<>(
                        group,
                        new WireRequest.OffsetCommit(
                                group, id, epoch, offsets, topicIds(offsets.keySet())),
                        r -> r.values().stream().findFirst().orElse(WireError.NONE)),
                timeoutMs);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback only retires the task
    private <R> CompletableFuture<R> run(CommitExecutor.AdminTask<R> t, long timeoutMs) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(
                    new CommitFailedException(
                            CommitFailedException.Reason.STOPPED,
                            null,
                            null,
                            "the commit engine is closed"));
        }
        tasks.add(t);
        CompletableFuture<R> out =
                bounded(t.done, timeoutMs, t.request.apiName() + " of " + t.group);
        out.whenComplete((r, e) -> retire(t));
        mapper.onWorkerSpawned(t);
        return out;
    }

    private void retire(CommitExecutor.AdminTask<?> t) {
        if (tasks.remove(t)) {
            t.done.cancel(false);
            try {
                mapper.onWorkerStopped(t);
            } catch (MapperStoppedException e) {
                // stopped
            }
        }
    }

    private Map<String, Uuid> topicIds(Collection<TopicPartition> tps) {
        Map<String, Uuid> ids = new java.util.HashMap<>();
        for (TopicPartition tp : tps) {
            Uuid id = services.topicId(tp.topic());
            if (id != null) {
                ids.put(tp.topic(), id);
            }
        }
        return ids;
    }

    // ---- for the executors ---------------------------------------------------------------------

    long nowMs() {
        return services.nowMs();
    }

    long commitIntervalMs() {
        return commitIntervalMs;
    }

    long retryBackoffMs() {
        return retryBackoffMs;
    }

    Uuid topicId(String topic) {
        return services.topicId(topic);
    }

    /** {@code node} cannot serve {@code group} now: find its coordinator again. Any thread. */
    void coordinatorError(String group, Node node) {
        coordinators.remove(group, node);
        reassignGroup(group);
    }

    /** A connection to {@code node} failed: its groups' coordinators are found again. */
    void nodeFailed(Node node) {
        coordinators.values().removeIf(node::equals);
        try {
            mapper.nodeFailed(node);
        } catch (MapperStoppedException e) {
            // closing
        }
    }

    void executorStopped(CommitExecutor e) {
        executors.remove(e.node(), e);
        stopping.add(e);
    }

    private void reassignGroup(String group) {
        groupWorkers(group, mapper::triggerReassign);
    }

    /** Every worker and admin task of {@code group}, handed to {@code to}; closing: none. */
    private void groupWorkers(String group, Consumer<Worker<CommitExecutor>> to) {
        List<Worker<CommitExecutor>> ws = new ArrayList<>();
        Map<TopicPartition, OffsetWorker> of = workers.get(group);
        if (of != null) {
            ws.addAll(of.values());
        }
        for (CommitExecutor.AdminTask<?> t : tasks) {
            if (t.group.equals(group)) {
                ws.add(t);
            }
        }
        try {
            ws.forEach(to);
        } catch (MapperStoppedException e) {
            // closing
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback fills the cache, logs failures
    private void lookUp(String group) {
        Set<String> batch;
        synchronized (lookups) {
            lookups.add(group);
            if (lookupInFlight) {
                return;
            }
            lookupInFlight = true;
            lookupsSent++;
            batch = Set.copyOf(lookups);
            lookups.clear();
        }
        CompletableFuture<Map<String, Coordinator>> f;
        try {
            f = services.findCoordinators(batch);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((found, t) -> lookedUp(batch, found, t));
    }

    private void lookedUp(Set<String> batch, Map<String, Coordinator> found, Throwable t) {
        if (t != null) {
            LOG.debug("FindCoordinator for {} failed; retried after the backoff", batch, t);
        } else {
            for (Coordinator c : found.values()) {
                if (c.error().isNone() && c.node() != null) {
                    coordinators.put(c.group(), c.node());
                } else {
                    LOG.debug("no coordinator for group {} now: {}", c.group(), c.error());
                }
            }
        }
        String next;
        synchronized (lookups) {
            lookupInFlight = false;
            next = lookups.isEmpty() ? null : lookups.iterator().next();
        }
        if (t == null) {
            for (String g : batch) {
                if (coordinators.containsKey(g)) {
                    // the answer their failed resolve lacked: resolved at once, not at the end of
                    // the backoff (a fresh group's first committed offsets came 100 ms later)
                    groupWorkers(g, mapper::resolveNow);
                }
            }
        }
        if (next != null) {
            lookUp(next);
        }
    }

    // ---- tests and metrics --------------------------------------------------------------------

    /** FindCoordinator lookups sent so far (each carries every group wanted then). */
    long lookupsSent() {
        synchronized (lookups) {
            return lookupsSent;
        }
    }

    /** OffsetCommit requests sent so far, over every executor alive. */
    public long commitsSent() {
        long n = 0;
        for (CommitExecutor e : executors.values()) {
            n += e.commitsSent();
        }
        return n;
    }

    /** The live executor of node {@code nodeId}, or null. */
    CommitExecutor executor(int nodeId) {
        for (CommitExecutor e : executors.values()) {
            if (e.node().id() == nodeId) {
                return e;
            }
        }
        return null;
    }

    /** Step mode: steps the mapper, then every executor once; returns the mapper's work. */
    int step() {
        int work = mapper.doWork();
        for (CommitExecutor e : List.copyOf(executors.values())) {
            e.runOnce();
        }
        return work;
    }

    // ---- close --------------------------------------------------------------------------------

    /**
     * Flushes every group (waiting at most {@code close-flush-timeout-ms}; not in step mode, where
     * nothing runs the executors), then stops the workers, the mapper and the executors.
     * Idempotent.
     */
    @Override
    public void close() {
        shutdown(true);
    }

    /**
     * Stops as a crashed process would, for fault tests: as {@link #close()} without the final
     * flush, so what was acknowledged since the last periodic commit is not committed.
     */
    void kill() {
        shutdown(false);
    }

    private void shutdown(boolean flush) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (flush && !stepped) {
            try {
                flushAll(closeFlushTimeoutMs)
                        .get(closeFlushTimeoutMs + 1_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn(
                        "commit engine: not every commit was flushed at close ({}); those"
                                + " messages are redelivered to the next owner",
                        e.getCause() == null ? e : e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Map<TopicPartition, OffsetWorker> ws : workers.values()) {
            for (OffsetWorker w : List.copyOf(ws.values())) {
                removeWorker(w);
            }
        }
        List.copyOf(tasks).forEach(this::retire);
        mapper.stop();
        long deadline = System.nanoTime() + STOP_WAIT_MS * 1_000_000L;
        for (CommitExecutor e : List.copyOf(stopping)) {
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                if (!e.awaitStopped(left)) {
                    LOG.warn("the commit executor of node {} did not stop in time", e.node().id());
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Resolves workers to their group's coordinator from the cache; spawns executors. */
    private final class CommitResolver implements Resolver<Node, CommitExecutor> {
        @Override
        public Node resolveNode(Worker<CommitExecutor> worker) {
            String group =
                    worker instanceof OffsetWorker w
                            ? w.group
                            : ((CommitExecutor.AdminTask<?>) worker).group;
            Node n = coordinators.get(group);
            if (n == null) {
                lookUp(group);
                n = coordinators.get(group); // the lookup may have been answered at once
            }
            return n;
        }

        @Override
        public CommitExecutor spawnExecutor(Node node) {
            CommitExecutor e =
                    new CommitExecutor(
                                    node,
                                    CommitEngine.this,
                                    services.channels().open(node, "commit", 5),
                                    !stepped)
                            .start();
            executors.put(node, e);
            return e;
        }
    }

    /** Configures a {@link CommitEngine}; one thread. */
    public static final class Builder {
        /**
         * The default {@link #commitIntervalMs}, as kafka-pixy's {@code offsets_commit_interval}.
         */
        public static final long DEFAULT_COMMIT_INTERVAL_MS = 500;

        /** The default {@link #maxMetadataChars}, as Kafka's {@code offset.metadata.max.bytes}. */
        public static final int DEFAULT_MAX_METADATA_CHARS = 4096;

        /** The default {@link #closeFlushTimeoutMs}. */
        public static final long DEFAULT_CLOSE_FLUSH_TIMEOUT_MS = 5_000;

        private final Services services;
        private long commitIntervalMs = DEFAULT_COMMIT_INTERVAL_MS;
        private long retryBackoffMs = Mapper.DEFAULT_RETRY_BACKOFF_MS;
        private int maxMetadataChars = DEFAULT_MAX_METADATA_CHARS;
        private long closeFlushTimeoutMs = DEFAULT_CLOSE_FLUSH_TIMEOUT_MS;
        private boolean stepped;

        private Builder(Services services) {
            this.services = services;
        }

        /** {@code offsets-commit-interval}: how often each group commits what changed; >= 1. */
        public Builder commitIntervalMs(long ms) {
            if (ms < 1) {
                throw new IllegalArgumentException(
                        "offsets-commit-interval is " + ms + " ms; expected 1 ms or more");
            }
            this.commitIntervalMs = ms;
            return this;
        }

        /** The backoff before a failed commit or lookup is retried; >= 0 (default 100 ms). */
        public Builder retryBackoffMs(long ms) {
            if (ms < 0) {
                throw new IllegalArgumentException(
                        "retry backoff is " + ms + " ms; expected 0 ms or more");
            }
            this.retryBackoffMs = ms;
            return this;
        }

        /** The first metadata cap sources are asked with (the broker's limit); >= 0. */
        public Builder maxMetadataChars(int chars) {
            if (chars < 0) {
                throw new IllegalArgumentException(
                        "max metadata is " + chars + " chars; expected 0 or more");
            }
            this.maxMetadataChars = chars;
            return this;
        }

        /** How long {@link CommitEngine#close()} waits for the final flush; >= 0. */
        public Builder closeFlushTimeoutMs(long ms) {
            if (ms < 0) {
                throw new IllegalArgumentException(
                        "close flush timeout is " + ms + " ms; expected 0 ms or more");
            }
            this.closeFlushTimeoutMs = ms;
            return this;
        }

        /** No threads: the caller steps the engine (tests). */
        Builder stepped() {
            this.stepped = true;
            return this;
        }

        /** Starts the engine (its threads, unless stepped). */
        public CommitEngine start() {
            return new CommitEngine(this);
        }
    }
}
