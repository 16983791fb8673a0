package io.ferry.kafka.consume;

import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.KafkaCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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
    /** A group id Kafka accepts: not empty, at most 249 chars of letters, digits, '.', '_', '-'. */
    private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    final KafkaCluster cluster;
    final ConsumeSettings settings;
    final MembershipLoop membership;
    final FetchEngine fetch;
    final CommitEngine commits;
    final ConsumeDeadLetter deadLetter;
    final ExecutorService settle;
    private final EngineAccess access;
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
        this.membership = MembershipLoop.start(cluster, settings.membership());
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
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException(
                    "invalid group name '"
                            + group
                            + "': expected 1 to 249 letters, digits, '.', '_' or '-'");
        }
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
        fetch.close();
        commits.close();
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
