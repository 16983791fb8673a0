package io.ferry.kafka.consume;

import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.KafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume engine of one {@link KafkaCluster}, beside its produce engine: one membership loop
 * (KIP-848 heartbeats on their own connections), one fetch engine (one executor per leader node,
 * one Fetch per lane per round) and one commit engine (one executor per group coordinator), shared
 * by every group consumed in this process. The library entry point of consumption ({@code
 * docs/consume.md}).
 *
 * <pre>{@code
 * try (ConsumeEngine consume = ConsumeEngine.start(cluster, ConsumeSettings.defaults(),
 *         ConsumeDeadLetter.logOnly());
 *         GroupConsumer orders = consume.subscribe("billing", List.of("orders"))) {
 *     ConsumedMessage m = orders.next(Duration.ofSeconds(3));
 *     if (m != null) {
 *         handle(m);
 *         orders.ack(m.topic(), m.partition(), m.offset());
 *     }
 * }
 * }</pre>
 */
public final class ConsumeEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumeEngine.class);

    /** A group id Kafka accepts: not empty, at most 249 chars of letters, digits, '.', '_', '-'. */
    private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    final KafkaCluster cluster;
    final ConsumeSettings settings;
    final MembershipLoop membership;
    final FetchEngine fetch;
    final CommitEngine commits;
    final ConsumeDeadLetter deadLetter;
    final ExecutorService settle;

    /** Serves the groups' long polls every POLL_TICK_MS: deadlines, redeliveries due. */
    private final ScheduledExecutorService pollTicker;

    private final EngineAccess access;
    private final OffsetLister lister;
    private final GroupOffsetsAdmin offsets;
    private final GroupLister groupLister;
    private final Map<String, GroupConsumer> groups = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ConsumeEngine(
            KafkaCluster cluster, ConsumeSettings settings, ConsumeDeadLetter deadLetter) {
        this.cluster = cluster;
        this.settings = settings;
        this.deadLetter = deadLetter;
        this.access = EngineAccess.of(cluster);
        this.settle =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "ferry-consume-settle-" + cluster.name());
                            t.setDaemon(true);
                            return t;
                        });
        this.commits =
                CommitEngine.builder(cluster)
                        .commitIntervalMs(settings.commitIntervalMs())
                        .maxMetadataChars(settings.maxMetadataChars())
                        .start();
        this.fetch = FetchEngine.start(cluster, settings.fetch());
        this.lister =
                new OffsetLister(
                        FetchEngine.view(access),
                        settings.fetch().isolation(),
                        cluster.name(),
                        true);
        this.offsets = new GroupOffsetsAdmin(access, commits, lister);
        this.groupLister = new GroupLister(GroupLister.view(access), cluster.name(), true);
        this.membership = MembershipLoop.start(cluster, settings.membership());
        this.pollTicker =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "ferry-consume-polls-" + cluster.name());
                            t.setDaemon(true);
                            return t;
                        });
        ScheduledFuture<?> unused = // runs until the ticker is shut down
                pollTicker.scheduleWithFixedDelay(
                        this::servePolls, POLL_TICK_MS, POLL_TICK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * How often waiting long polls are looked at without news (their deadlines, offers whose
     * acknowledgement timed out): the lateness of an empty answer.
     */
    static final long POLL_TICK_MS = 50;

    private void servePolls() {
        for (GroupConsumer g : groups.values()) {
            try {
                g.servePolls();
            } catch (RuntimeException e) {
                LOG.error("group {}: serving its long polls failed", g.group(), e);
            }
        }
    }

    /** Refreshes the metadata of {@code topics} (a subscription grew). */
    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    void refresh(java.util.Set<String> topics) {
        access.refresh(topics);
    }

    /**
     * Starts consuming from {@code cluster}; returns at once (nothing waits for Kafka).
     *
     * @param deadLetter takes messages past {@code max-retries} redeliveries
     * @return the engine; close it before the cluster
     */
    public static ConsumeEngine start(
            KafkaCluster cluster, ConsumeSettings settings, ConsumeDeadLetter deadLetter) {
        return new ConsumeEngine(cluster, settings, deadLetter);
    }

    long nowMs() {
        return access.nowMs();
    }

    /**
     * Joins {@code group} subscribed to {@code topics} and returns its consumer at once; messages
     * come once the group assigned partitions to it.
     *
     * @throws IllegalArgumentException for an invalid group name or no topics
     * @throws IllegalStateException when this engine already consumes {@code group}, or is closed
     */
    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    public GroupConsumer subscribe(String group, List<String> topics) {
        checkGroup(group);
        if (topics == null || topics.isEmpty()) {
            throw new IllegalArgumentException("group " + group + ": no topics to subscribe to");
        }
        if (closed) {
            throw new IllegalStateException("the consume engine is closed");
        }
        GroupConsumer c = new GroupConsumer(this, group, topics, settings);
        if (groups.putIfAbsent(group, c) != null) {
            throw new IllegalStateException(
                    "group " + group + " is consumed by this engine already; use that consumer");
        }
        access.refresh(java.util.Set.copyOf(topics));
        c.start();
        return c;
    }

    /** The consumer of {@code group}, or null. */
    public GroupConsumer group(String group) {
        return groups.get(group);
    }

    void closed(GroupConsumer c) {
        groups.remove(c.group(), c);
    }

    /** Fetch requests per node per round, for the figure of issue 13. */
    public Map<Integer, FetchEngine.NodeStats> fetchStats() {
        return fetch.nodeStats();
    }

    // ---- offsets and groupless reads ------------------------------------------------------------

    /**
     * Every partition of {@code topic} as {@code group} sees it (kafka-pixy's {@code GET
     * /topics/{t}/offsets?group=}): begin and end (ListOffsets earliest and latest), count, the
     * committed offset and metadata, the lag and the sparse acks as kafka-pixy shows them. Works
     * for any group, consumed here or not (an administrative read: no membership, Kafka's committed
     * offsets; {@link GroupConsumer#offsets} flushes this engine's commits first).
     *
     * @return completes with one entry per partition, in partition order; fails with a {@link
     *     ConsumeException}: {@code UNKNOWN_TOPIC}, {@code REFUSED} (Kafka's error), {@code
     *     TIMED_OUT}, {@code CLOSED}
     * @throws IllegalArgumentException for an invalid group name or an empty topic
     */
    public CompletableFuture<List<PartitionOffset>> offsets(
            String group, String topic, Duration timeout) {
        checkGroup(group);
        checkTopic(topic);
        GroupConsumer c = groups.get(group);
        FetchLane.OffsetReset reset = c != null ? c.reset() : settings.reset();
        return offsets.read(group, topic, reset, timeout.toMillis());
    }

    /**
     * Sets {@code group}'s offsets of {@code topic} (kafka-pixy's {@code POST
     * /topics/{t}/offsets?group=}): committed outside any membership, which Kafka takes only while
     * the group has no members; the group's next member starts there (skipping the ranges the
     * metadata acknowledges).
     *
     * @return completes once Kafka committed every one; fails with a {@link ConsumeException}:
     *     {@code REFUSED} naming the partitions and Kafka's errors (the group has members: {@code
     *     UNKNOWN_MEMBER_ID}), {@code UNKNOWN_TOPIC} (no such topic or partition), {@code
     *     TIMED_OUT}, {@code CLOSED}
     * @throws IllegalStateException when this engine consumes {@code group}: its own commits would
     *     overwrite what is set; close its consumer first
     * @throws IllegalArgumentException for an invalid group name, an empty topic, or a partition
     *     given twice
     */
    public CompletableFuture<Void> setOffsets(
            String group, String topic, List<OffsetToSet> offsets, Duration timeout) {
        checkGroup(group);
        checkTopic(topic);
        if (groups.containsKey(group)) {
            throw new IllegalStateException(
                    "group "
                            + group
                            + " is consumed by this engine: its commits would overwrite the"
                            + " offsets set; close its consumer first");
        }
        if (offsets.stream().map(OffsetToSet::partition).distinct().count() != offsets.size()) {
            throw new IllegalArgumentException(
                    "group " + group + ": a partition is given twice in " + offsets);
        }
        return this.offsets.set(group, topic, List.copyOf(offsets), timeout.toMillis());
    }

    /**
     * The consumer groups of {@code topic} and their members, cluster-wide, as Kafka has them now
     * (kafka-pixy's {@code GET /topics/{t}/consumers[?group=]} and ListConsumers): every group
     * Kafka lists, KIP-848 and classic, with a member assigned partitions of {@code topic} (this
     * engine's, other gateways', any other Kafka consumer's), each member keyed {@code
     * clientId/memberId} with its partitions of {@code topic}, sorted. Members assigned nothing of
     * it are left out; a group the principal may not describe is skipped.
     *
     * @param group only this group (an empty map when it has no member on {@code topic}, or does
     *     not exist), or null for every group
     * @return completes with group to member to partitions, sorted by name; fails with a {@link
     *     ConsumeException}: {@code UNKNOWN_TOPIC}, {@code REFUSED} (Kafka's error; {@code
     *     GROUP_AUTHORIZATION_FAILED} for the {@code group} named), {@code TIMED_OUT} (naming the
     *     brokers or groups that did not answer), {@code CLOSED}
     * @throws IllegalArgumentException for an empty topic or an invalid group name
     * @throws IllegalStateException once the engine is closed
     */
    public CompletableFuture<Map<String, Map<String, List<Integer>>>> consumers(
            String topic, String group, Duration timeout) {
        checkTopic(topic);
        if (group != null) {
            checkGroup(group);
        }
        if (closed) {
            throw new IllegalStateException("the consume engine is closed");
        }
        long deadlineMs = access.nowMs() + timeout.toMillis();
        return offsets.partitions(topic, timeout.toMillis())
                .thenCompose(
                        n ->
                                groupLister.list(
                                        topic, group, Math.max(1, deadlineMs - access.nowMs())))
                .exceptionallyCompose(
                        e ->
                                CompletableFuture.failedFuture(
                                        GroupOffsetsAdmin.translate(
                                                e, "consumers of topic '" + topic + "'")));
    }

    /**
     * Reads up to {@code max} records of a partition from {@code fromOffset}, with no group:
     * nothing is committed or acknowledged, no group's position moves (for debugging, as {@code
     * kafka-console-consumer --partition --offset}). Records come filtered as a group's would
     * ({@code read_committed} by default); their delivery count is 0.
     *
     * <p>An offset below the log start reads from the start; one past the end gives nothing.
     *
     * @return completes with the records read when {@code max} came or {@code timeout} passed
     *     (possibly none); fails with a {@link ConsumeException} {@code UNKNOWN_TOPIC} when Kafka
     *     says the topic does not exist or the partition is not one of it, {@code REFUSED} when not
     *     authorized
     * @throws IllegalArgumentException for a negative partition or offset, or {@code max < 1}
     * @throws IllegalStateException once the engine is closed
     */
    public CompletableFuture<List<ConsumedMessage>> read(
            String topic, int partition, long fromOffset, int max, Duration timeout) {
        checkTopic(topic);
        if (partition < 0 || fromOffset < 0 || max < 1) {
            throw new IllegalArgumentException(
                    "read of "
                            + topic
                            + ": partition "
                            + partition
                            + ", offset "
                            + fromOffset
                            + ", max "
                            + max
                            + "; expected a partition and an offset of 0 or more, max 1 or more");
        }
        if (closed) {
            throw new IllegalStateException("the consume engine is closed");
        }
        long timeoutMs = timeout.toMillis();
        return offsets.partitions(topic, timeoutMs)
                .exceptionallyCompose(
                        e ->
                                CompletableFuture.failedFuture(
                                        GroupOffsetsAdmin.translate(
                                                e, "read of topic '" + topic + "'")))
                .thenCompose(
                        count -> {
                            if (partition >= count) {
                                throw new ConsumeException(
                                        ConsumeException.Reason.UNKNOWN_TOPIC,
                                        "partition "
                                                + partition
                                                + " is not one of topic '"
                                                + topic
                                                + "' ("
                                                + count
                                                + " partitions)");
                            }
                            return PartitionRead.start(
                                    fetch,
                                    new TopicPartition(topic, partition),
                                    fromOffset,
                                    max,
                                    timeoutMs);
                        })
                .exceptionallyCompose(
                        e -> CompletableFuture.failedFuture(GroupOffsetsAdmin.unwrap(e)));
    }

    // ---- metrics
    // ----------------------------------------------------------------------------------

    /**
     * Every group's counters now, by group (plain values for the gateway's metrics): the group's
     * totals since it was subscribed and, per owned partition, its lag and its tracker's counters.
     */
    public Map<String, GroupMetrics> metrics() {
        Map<String, GroupMetrics> out = new TreeMap<>();
        groups.forEach((g, c) -> out.put(g, c.metrics()));
        return out;
    }

    /**
     * Workers the fetch engine moved because the metadata named a new leader before any fetch error
     * did ({@link FetchEngine#leaderMovesFollowed()}).
     */
    public long leaderMovesFollowed() {
        return fetch.leaderMovesFollowed();
    }

    private static void checkGroup(String group) {
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException(
                    "invalid group name '"
                            + group
                            + "': expected 1 to 249 letters, digits, '.', '_' or '-'");
        }
    }

    private static void checkTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("no topic given; expected a topic name");
        }
    }

    /**
     * Leaves every group cleanly (settles, commits), then stops the loops; waiting takers are
     * answered.
     */
    @Override
    public void close() {
        closed = true;
        for (GroupConsumer c : List.copyOf(groups.values())) {
            c.close();
        }
        membership.close();
        lister.close();
        groupLister.close();
        fetch.close();
        commits.close();
        pollTicker.shutdownNow();
        settle.shutdown();
        try {
            settle.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops as a crashed process would, for fault tests: the membership loop stops without the
     * leave heartbeat (its members' partitions are lost here, nothing is committed for them, and
     * the coordinator gives them away after the session timeout); fetching stops and the commit
     * engine closes without its final flush. What was acknowledged since the last periodic commit,
     * and everything offered and not acknowledged, is offered again by the next owner. Waiting
     * takers are not answered; {@link #close()} afterwards is harmless.
     */
    void kill() {
        closed = true;
        membership.close();
        commits.kill();
        fetch.close();
        pollTicker.shutdownNow();
        settle.shutdownNow();
    }

    /** Where a message past its redelivery limit goes. */
    @FunctionalInterface
    public interface ConsumeDeadLetter {
        /**
         * Stores {@code record}; true when stored (the message is then settled and committed past),
         * false when it cannot be stored now (it stays unsettled and is offered to the dead letter
         * again later: never dropped).
         */
        boolean store(DeadLetterRecord record);

        /**
         * The local dead letter {@code store} (CRC-checked files, {@code ferry dead-letter
         * list|replay}): a message is settled once it is written durably. A full store, or a write
         * that failed, keeps the message unsettled (offered to the dead letter again later; the
         * commit stays below it); a message that could never fit the store is logged at ERROR with
         * where it is in Kafka and settled, so one oversized message cannot stop its partition for
         * good.
         */
        static ConsumeDeadLetter local(io.ferry.deadletter.LocalDeadLetter store) {
            return r -> {
                long id;
                try {
                    id = store.append(r);
                } catch (java.io.IOException | IllegalStateException e) {
                    org.slf4j.LoggerFactory.getLogger(ConsumeEngine.class)
                            .warn("the dead letter cannot store a message now: {}", e.toString());
                    return false;
                }
                if (id == io.ferry.deadletter.LocalDeadLetter.TOO_LARGE) {
                    org.slf4j.LoggerFactory.getLogger(ConsumeEngine.class)
                            .error(
                                    "group {}: message {}-{}@{} ({} bytes) given up after {}"
                                            + " deliveries does not fit the dead letter in {};"
                                            + " it stays in Kafka at that offset",
                                    r.group(),
                                    r.topic(),
                                    r.boundPartition(),
                                    r.offset(),
                                    r.eventSizeBytes(),
                                    r.deliveryCount(),
                                    store.directory());
                    return true;
                }
                return id >= 0;
            };
        }

        /**
         * A dead letter that only logs (the message is then settled): for tests and embedded uses
         * that set no {@code max-retries}. Say so explicitly; the gateway uses its local dead
         * letter.
         */
        static ConsumeDeadLetter logOnly() {
            return r -> {
                org.slf4j.LoggerFactory.getLogger(ConsumeEngine.class)
                        .error(
                                "group {}: message {}-{}@{} given up after {} deliveries (no dead"
                                        + " letter configured)",
                                r.group(),
                                r.topic(),
                                r.boundPartition(),
                                r.offset(),
                                r.deliveryCount());
                return true;
            };
        }
    }
}
