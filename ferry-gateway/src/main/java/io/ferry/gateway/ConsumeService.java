package io.ferry.gateway;

import io.ferry.kafka.TopicInfo;
import io.ferry.kafka.consume.ConsumeException;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.kafka.consume.PartitionAcks;
import io.ferry.kafka.consume.PartitionOffset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes for every front end (Ferry's HTTP and gRPC APIs, kafka-pixy's): takes messages for a
 * group, acknowledges and releases them, reads and sets offsets. Transport neutral: no HTTP status,
 * no JSON; refusals are {@link ConsumeRefused} codes. Any thread; never blocks; futures complete on
 * the caller's {@link CallContext#executor()}.
 */
final class ConsumeService implements AutoCloseable {
    /* Design notes
     * Each call checks, in order: the cluster exists (UNKNOWN_CLUSTER), the Authorizer lets the
     * caller consume the topic in the group (NOT_AUTHORIZED; before anything about the topic is
     * looked at), the group and topic names (INVALID_GROUP, INVALID_TOPIC, internal topics), the
     * request's numbers (INVALID_REQUEST), then, for take, that the topic exists
     * (UNKNOWN_TOPIC, from the engine's metadata cache or one refresh).
     * take: an immediate poll first (no waiter: a request that can be served is never refused
     * for the number waiting), then a long poll counted against max-waiting. The caller may
     * cancel the returned future (its client went away): the group's poll is cancelled and takes
     * nothing; messages that arrived in the race are given back. A front end that got messages
     * but could not deliver them calls giveBack: not a delivery attempt.
     * Acknowledgements are local to this gateway (the member that offered the message): for a
     * group not consumed here the answer says so (NOT_CONSUMED_HERE), never a guess.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ConsumeService.class);

    /** A group id Kafka accepts. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** How long offset and listing calls wait for Kafka. */
    static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, ConsumeCluster> clusters;
    private final String defaultCluster;
    private final Authorizer authorizer;
    private final ScheduledExecutorService janitor;
    private volatile Runnable tick = () -> {};

    /**
     * @param clusters every configured cluster's consumption, by name
     * @param defaultCluster the cluster of calls that name none
     * @param authorizer who may consume what
     */
    ConsumeService(
            Map<String, ConsumeCluster> clusters, String defaultCluster, Authorizer authorizer) {
        this.clusters = Map.copyOf(clusters);
        this.defaultCluster = defaultCluster;
        this.authorizer = authorizer;
        this.janitor =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "ferry-consume-janitor");
                            t.setDaemon(true);
                            return t;
                        });
        ScheduledFuture<?> unused = // runs until close
                janitor.scheduleWithFixedDelay(this::expireIdle, 1, 1, TimeUnit.SECONDS);
    }

    /** Runs {@code r} once a second on the janitor thread (the consume metrics' refresh). */
    void onTick(Runnable r) {
        tick = r;
    }

    private void expireIdle() {
        try {
            tick.run();
        } catch (RuntimeException e) {
            LOG.error("refreshing the consume metrics failed", e);
        }
        for (ConsumeCluster c : clusters.values()) {
            try {
                c.expireIdle();
            } catch (RuntimeException e) {
                LOG.error("cluster {}: leaving idle groups failed", c.name, e);
            }
        }
    }

    /** The cluster's consumption; {@code name} null or empty: the default cluster. */
    ConsumeCluster cluster(String name) {
        String n = name == null || name.isEmpty() ? defaultCluster : name;
        ConsumeCluster c = clusters.get(n);
        if (c == null) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.UNKNOWN_CLUSTER,
                    "no cluster named '" + n + "' is configured; configured: " + clusters.keySet());
        }
        return c;
    }

    /** Every configured cluster's consumption (metrics). */
    Map<String, ConsumeCluster> clusters() {
        return clusters;
    }

    // ---- taking ------------------------------------------------------------------------------

    /**
     * Up to {@code max} messages of {@code topic} for {@code group}, waiting up to {@code wait}
     * (null: the cluster's long-poll timeout) for the first: an empty list when none came. Refusals
     * come as a failed future ({@link ConsumeRefused}) or are thrown at once.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete stages: their effect is `out`
    CompletableFuture<List<ConsumedMessage>> take(
            CallContext ctx, String cluster, String topic, String group, int max, Duration wait) {
        ConsumeCluster c = checked(ctx, cluster, topic, group);
        if (max < 1 || max > c.config.maxMessages()) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_REQUEST,
                    "max is " + max + "; expected 1.." + c.config.maxMessages());
        }
        Duration w = wait == null ? Duration.ofMillis(c.config.longPollTimeoutMs()) : wait;
        if (w.isNegative() || w.toMillis() > c.config.maxWaitMs()) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_REQUEST,
                    "the wait is "
                            + w.toMillis()
                            + " ms; expected 0.."
                            + c.config.maxWaitMs()
                            + " ms (consume.max-wait-ms)");
        }
        CompletableFuture<List<ConsumedMessage>> out = new CompletableFuture<>();
        topicExists(c, topic)
                .thenCompose(v -> c.whenLeft(group))
                .whenComplete(
                        (v, e) -> {
                            if (e != null) {
                                hop(ctx, () -> out.completeExceptionally(refusal(e)));
                                return;
                            }
                            try {
                                poll(ctx, c, topic, group, max, w, out, true);
                            } catch (RuntimeException r) {
                                hop(ctx, () -> out.completeExceptionally(refusal(r)));
                            }
                        });
        return out;
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete stages: their effect is `out`
    private void poll(
            CallContext ctx,
            ConsumeCluster c,
            String topic,
            String group,
            int max,
            Duration wait,
            CompletableFuture<List<ConsumedMessage>> out,
            boolean retryIfClosed) {
        ConsumeCluster.Group g = c.subscribe(group, topic);
        CompletableFuture<List<ConsumedMessage>> now = g.consumer.poll(topic, max, Duration.ZERO);
        CompletableFuture<List<ConsumedMessage>> poll;
        boolean counted = false;
        if (now.isDone() && !now.isCompletedExceptionally() && !now.join().isEmpty()) {
            poll = now;
        } else if (now.isCompletedExceptionally() || wait.isZero()) {
            poll = now;
        } else {
            if (c.waiting.incrementAndGet() > c.config.maxWaiting()) {
                c.waiting.decrementAndGet();
                throw new ConsumeRefused(
                        ConsumeRefused.Code.TOO_MANY_WAITING,
                        c.config.maxWaiting()
                                + " consume requests wait for messages of cluster '"
                                + c.name
                                + "' in this gateway already (consume.max-waiting); retry later");
            }
            counted = true;
            poll = g.consumer.poll(topic, max, wait);
        }
        boolean wasCounted = counted;
        out.whenComplete(
                (v, e) -> {
                    if (out.isCancelled()) {
                        poll.cancel(false);
                    }
                });
        poll.whenComplete(
                (msgs, e) -> {
                    if (wasCounted) {
                        c.waiting.decrementAndGet();
                    }
                    g.touch();
                    if (e != null
                            && retryIfClosed
                            && cause(e) instanceof ConsumeException ce
                            && ce.reason() == ConsumeException.Reason.CLOSED) {
                        // the group was left as idle just as this request came: rejoin
                        c.whenLeft(group)
                                .whenComplete(
                                        (v, x) -> {
                                            try {
                                                poll(ctx, c, topic, group, max, wait, out, false);
                                            } catch (RuntimeException r) {
                                                hop(
                                                        ctx,
                                                        () ->
                                                                out.completeExceptionally(
                                                                        refusal(r)));
                                            }
                                        });
                        return;
                    }
                    hop(
                            ctx,
                            () -> {
                                if (e != null) {
                                    if (!out.isDone()) { // cancelled: its poll's end is no news
                                        out.completeExceptionally(refusal(e));
                                    }
                                } else if (!out.complete(msgs) && !msgs.isEmpty()) {
                                    g.consumer.takeBack(msgs);
                                }
                            });
                });
    }

    /**
     * Gives back messages a front end took but could not deliver (its client went away): they are
     * offered again first, and it is not a delivery attempt.
     */
    void giveBack(String cluster, String group, List<ConsumedMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        ConsumeCluster.Group g = cluster(cluster).group(group);
        if (g != null) {
            int n = g.consumer.takeBack(messages);
            LOG.debug("group {}: {} messages given back by a client that went away", group, n);
        }
    }

    /**
     * Holds {@code group} (an open consume stream): it is not left as idle until {@link
     * ConsumeCluster.Group#unlease}. Checks as {@link #take} does (the topic exists), then joins
     * the group, subscribed to {@code topic}. Refusals come as a failed future ({@link
     * ConsumeRefused}) or are thrown at once; a caller that went away meanwhile unleases what the
     * future brings.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete stages: their effect is `out`
    CompletableFuture<ConsumeCluster.Group> lease(
            CallContext ctx, String cluster, String topic, String group) {
        ConsumeCluster c = checked(ctx, cluster, topic, group);
        CompletableFuture<ConsumeCluster.Group> out = new CompletableFuture<>();
        topicExists(c, topic)
                .thenCompose(v -> c.whenLeft(group))
                .whenComplete(
                        (v, e) ->
                                hop(
                                        ctx,
                                        () -> {
                                            if (e != null) {
                                                out.completeExceptionally(refusal(e));
                                                return;
                                            }
                                            try {
                                                ConsumeCluster.Group g = c.subscribe(group, topic);
                                                g.lease();
                                                out.complete(g);
                                            } catch (RuntimeException r) {
                                                out.completeExceptionally(refusal(r));
                                            }
                                        }));
        return out;
    }

    /**
     * Acknowledges one message of a group the caller holds ({@link #lease}d: the cluster, the
     * caller, the names and the topic were checked then, and a leased group stays consumed here),
     * without checking them again: a stream's per-message acknowledgements.
     *
     * @return true when this call settled it, false when it was acknowledged already
     * @throws ConsumeRefused NOT_OWNED, NEVER_OFFERED
     */
    boolean ack(ConsumeCluster.Group leased, String topic, int partition, long offset) {
        PartitionAcks.AckResult r = call(() -> leased.consumer.ack(topic, partition, offset));
        if (r == PartitionAcks.AckResult.NEVER_OFFERED) {
            throw neverOffered(topic, leased.consumer.group(), partition, offset);
        }
        return r == PartitionAcks.AckResult.OK;
    }

    /**
     * {@link #ackRange} of a leased group, as {@link #ack(ConsumeCluster.Group, String, int,
     * long)}.
     */
    int ackRange(ConsumeCluster.Group leased, String topic, int partition, long from, long to) {
        if (to <= from) {
            throw emptyRange(from, to);
        }
        return call(() -> leased.consumer.ackRange(topic, partition, from, to));
    }

    /**
     * {@link #release} of a leased group, as {@link #ack(ConsumeCluster.Group, String, int, long)}.
     */
    boolean release(ConsumeCluster.Group leased, String topic, int partition, long offset) {
        return released(
                call(() -> leased.consumer.release(topic, partition, offset)),
                topic,
                leased.consumer.group(),
                partition,
                offset);
    }

    // ---- acknowledging -------------------------------------------------------------------------

    /**
     * Checks a call that acknowledges or releases messages of {@code group}, before its items: the
     * cluster, the caller, the names, and that this gateway consumes the group (a front end answers
     * a list of items refused for one of these once, not once per item).
     *
     * @throws ConsumeRefused NOT_CONSUMED_HERE, or a check's code
     */
    void checkConsumedHere(CallContext ctx, String cluster, String topic, String group) {
        consumedHere(ctx, cluster, topic, group);
    }

    /**
     * Acknowledges one message; idempotent (an acknowledged one again is fine).
     *
     * @return true when this call settled it, false when it was acknowledged already
     * @throws ConsumeRefused NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED, or a check's code
     */
    boolean ack(
            CallContext ctx,
            String cluster,
            String topic,
            String group,
            int partition,
            long offset) {
        ConsumeCluster.Group g = consumedHere(ctx, cluster, topic, group);
        PartitionAcks.AckResult r = call(() -> g.consumer.ack(topic, partition, offset));
        if (r == PartitionAcks.AckResult.NEVER_OFFERED) {
            throw neverOffered(topic, group, partition, offset);
        }
        return r == PartitionAcks.AckResult.OK;
    }

    /**
     * Acknowledges every offered message in {@code [from, to)} of a partition.
     *
     * @return how many were settled by this call
     */
    int ackRange(
            CallContext ctx,
            String cluster,
            String topic,
            String group,
            int partition,
            long from,
            long to) {
        if (to <= from) {
            throw emptyRange(from, to);
        }
        ConsumeCluster.Group g = consumedHere(ctx, cluster, topic, group);
        return call(() -> g.consumer.ackRange(topic, partition, from, to));
    }

    /**
     * Gives a message back for redelivery now (an attempt: past max-retries it goes to the dead
     * letter).
     *
     * @return true when it went to the dead letter
     */
    boolean release(
            CallContext ctx,
            String cluster,
            String topic,
            String group,
            int partition,
            long offset) {
        ConsumeCluster.Group g = consumedHere(ctx, cluster, topic, group);
        return released(
                call(() -> g.consumer.release(topic, partition, offset)),
                topic,
                group,
                partition,
                offset);
    }

    private static ConsumeRefused emptyRange(long from, long to) {
        return new ConsumeRefused(
                ConsumeRefused.Code.INVALID_REQUEST,
                "the range [" + from + ", " + to + ") is empty; 'to' is exclusive");
    }

    /** A release's result: true when it went to the dead letter; the refusals thrown. */
    private static boolean released(
            PartitionAcks.ReleaseResult r, String topic, String group, int partition, long offset) {
        return switch (r) {
            case RELEASED -> false;
            case DEAD_LETTERED -> true;
            case SETTLED ->
                    throw new ConsumeRefused(
                            ConsumeRefused.Code.NEVER_OFFERED,
                            "offset "
                                    + offset
                                    + " of partition "
                                    + partition
                                    + " is acknowledged already; it cannot be released");
            case NOT_OUT, NEVER_OFFERED -> throw neverOffered(topic, group, partition, offset);
        };
    }

    // ---- offsets -------------------------------------------------------------------------------

    /**
     * Every partition of {@code topic} as {@code group} sees it: begin, end, committed offset, lag,
     * sparse acks (kafka-pixy's GetOffsets); current when the group is consumed here. The caller
     * must be allowed to describe the topic.
     */
    CompletableFuture<List<PartitionOffset>> offsets(
            CallContext ctx, String cluster, String topic, String group) {
        ConsumeCluster c = describable(ctx, cluster, topic, group);
        ConsumeCluster.Group g = c.group(group);
        CompletableFuture<List<PartitionOffset>> f =
                g != null
                        ? g.consumer.offsets(topic, KAFKA_TIMEOUT)
                        : c.engine().offsets(group, topic, KAFKA_TIMEOUT);
        return hopped(ctx, f);
    }

    /**
     * Sets {@code group}'s committed offsets of {@code topic} (kafka-pixy's SetOffsets). Kafka
     * takes them only while the group has no members.
     *
     * @throws ConsumeRefused INVALID_REQUEST for no offsets or a partition given twice, REFUSED
     *     while this gateway consumes the group (its own commits would overwrite them), or a
     *     check's code; Kafka's refusals come in the future
     */
    CompletableFuture<Void> setOffsets(
            CallContext ctx, String cluster, String topic, String group, List<OffsetToSet> to) {
        ConsumeCluster c = checked(ctx, cluster, topic, group);
        if (to.isEmpty()) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_REQUEST,
                    "no offsets given; expected a list of {partition, offset[, metadata]}");
        }
        CompletableFuture<Void> set;
        try {
            set = c.engine().setOffsets(group, topic, to, KAFKA_TIMEOUT);
        } catch (IllegalArgumentException e) { // a partition given twice
            throw new ConsumeRefused(ConsumeRefused.Code.INVALID_REQUEST, e.getMessage());
        } catch (IllegalStateException e) { // this engine consumes the group (or is closed)
            throw new ConsumeRefused(
                    ConsumeRefused.Code.REFUSED,
                    "the offsets of group '"
                            + group
                            + "' cannot be set now: "
                            + e.getMessage()
                            + "; offsets are set only while the group has no members (stop its"
                            + " clients and wait consume.group-idle-timeout-ms="
                            + c.config.groupIdleMs()
                            + " ms for this gateway to leave it)");
        }
        return hopped(ctx, set);
    }

    /**
     * The consumer groups of {@code topic} (only {@code groupOrNull} when given), cluster-wide from
     * Kafka: group -> member ({@code clientId/memberId}) -> its assigned partitions of the topic
     * (kafka-pixy's ListConsumers). Groups with no member on the topic are not shown. The caller
     * must be allowed to describe the topic.
     */
    CompletableFuture<Map<String, Map<String, List<Integer>>>> consumers(
            CallContext ctx, String cluster, String topic, String groupOrNull) {
        ConsumeCluster c = cluster(cluster);
        String g = groupOrNull == null || groupOrNull.isEmpty() ? null : groupOrNull;
        describable(ctx, c.name, topic, g == null ? "any" : g);
        return hopped(ctx, c.engine().consumers(topic, g, KAFKA_TIMEOUT));
    }

    // ---- checks and mapping --------------------------------------------------------------------

    private ConsumeCluster checked(CallContext ctx, String cluster, String topic, String group) {
        ConsumeCluster c = cluster(cluster);
        ConsumeRefused no = authorizer.authorizeConsume(ctx, c.name, topic, group);
        if (no != null) {
            throw no;
        }
        return names(c, topic, group);
    }

    /** As {@link #checked}, for a call that reads about the topic: the caller may describe it. */
    private ConsumeCluster describable(
            CallContext ctx, String cluster, String topic, String group) {
        ConsumeCluster c = cluster(cluster);
        ProduceRefusal no = authorizer.authorizeDescribe(ctx, c.name, topic);
        if (no != null) {
            throw new ConsumeRefused(ConsumeRefused.Code.NOT_AUTHORIZED, no.message());
        }
        return names(c, topic, group);
    }

    private static ConsumeCluster names(ConsumeCluster c, String topic, String group) {
        if (group == null || group.isEmpty()) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_REQUEST,
                    "no consumer group given; name one (e.g. group=my-service)");
        }
        if (!NAME.matcher(group).matches()) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_GROUP,
                    "group '"
                            + group
                            + "' is not a valid group name; expected 1 to 249 of a-z A-Z 0-9 . _ -");
        }
        if (topic == null
                || !NAME.matcher(topic).matches()
                || topic.equals(".")
                || topic.equals("..")) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_TOPIC,
                    "topic '"
                            + topic
                            + "' is not a valid topic name; expected 1 to 249 of a-z A-Z 0-9 . _ -");
        }
        if (ProduceService.KAFKA_INTERNAL_TOPICS.contains(topic)) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.INVALID_TOPIC,
                    "topic '" + topic + "' is internal to Kafka; it is not consumed through Ferry");
        }
        return c;
    }

    private ConsumeCluster.Group consumedHere(
            CallContext ctx, String cluster, String topic, String group) {
        ConsumeCluster c = cluster(cluster);
        ConsumeCluster.Group g = group == null ? null : c.group(group);
        if (g != null && g.consumer.topics().contains(topic)) {
            // names checked when the group subscribed to the topic: the hot path of every ack
            ConsumeRefused no = authorizer.authorizeConsume(ctx, c.name, topic, group);
            if (no != null) {
                throw no;
            }
            return g;
        }
        checked(ctx, c.name, topic, group);
        if (g == null) {
            throw new ConsumeRefused(
                    ConsumeRefused.Code.NOT_CONSUMED_HERE,
                    "this gateway does not consume group '"
                            + group
                            + "' (it offered none of its messages, or left the group after "
                            + c.config.groupIdleMs()
                            + " ms without requests): acknowledge at the instance that offered"
                            + " the message; unacknowledged messages are offered again");
        }
        return g;
    }

    private static ConsumeRefused neverOffered(
            String topic, String group, int partition, long offset) {
        return new ConsumeRefused(
                ConsumeRefused.Code.NEVER_OFFERED,
                "offset "
                        + offset
                        + " of partition "
                        + partition
                        + " of topic '"
                        + topic
                        + "' was not offered to group '"
                        + group
                        + "' by this gateway, or is not out for acknowledgement");
    }

    private CompletableFuture<Void> topicExists(ConsumeCluster c, String topic) {
        TopicMeta m = c.backend.topic(topic);
        if (m.state() == TopicInfo.State.KNOWN) {
            return CompletableFuture.completedFuture(null);
        }
        if (m.state() == TopicInfo.State.MISSING && m.ageMs() < 1_000) {
            return CompletableFuture.failedFuture(unknownTopic(c, topic));
        }
        return c.backend
                .refreshTopic(topic)
                .orTimeout(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle(
                        (t, e) -> {
                            if (e != null) {
                                throw new ConsumeRefused(
                                        ConsumeRefused.Code.KAFKA_UNAVAILABLE,
                                        "cannot check topic '"
                                                + topic
                                                + "' of cluster '"
                                                + c.name
                                                + "': Kafka did not answer ("
                                                + ApiException.describe(e)
                                                + "); retry later");
                            }
                            return switch (t.state()) {
                                case KNOWN -> null;
                                case MISSING -> throw unknownTopic(c, topic);
                                case FAILED ->
                                        throw new ConsumeRefused(
                                                ConsumeRefused.Code.REFUSED,
                                                "Kafka refuses topic '"
                                                        + topic
                                                        + "': "
                                                        + t.kafkaError());
                                case UNKNOWN ->
                                        throw new ConsumeRefused(
                                                ConsumeRefused.Code.KAFKA_UNAVAILABLE,
                                                "cannot check topic '"
                                                        + topic
                                                        + "': Kafka does not answer; retry later");
                            };
                        });
    }

    private static ConsumeRefused unknownTopic(ConsumeCluster c, String topic) {
        return new ConsumeRefused(
                ConsumeRefused.Code.UNKNOWN_TOPIC,
                "topic '" + topic + "' does not exist in cluster '" + c.name + "'");
    }

    private static <T> T call(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (ConsumeException e) {
            throw refusal(e);
        }
    }

    private static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The refusal a failure of the engine means. */
    static ConsumeRefused refusal(Throwable e) {
        Throwable t = cause(e);
        if (t instanceof ConsumeRefused r) {
            return r;
        }
        if (t instanceof ConsumeException ce) {
            ConsumeRefused.Code code =
                    switch (ce.reason()) {
                        case NOT_OWNED -> ConsumeRefused.Code.NOT_OWNED;
                        case FAILED -> ConsumeRefused.Code.GROUP_FAILED;
                        case CLOSED -> ConsumeRefused.Code.CLOSING;
                        case UNKNOWN_TOPIC -> ConsumeRefused.Code.UNKNOWN_TOPIC;
                        case REFUSED -> ConsumeRefused.Code.REFUSED;
                        case TIMED_OUT -> ConsumeRefused.Code.KAFKA_UNAVAILABLE;
                    };
            return new ConsumeRefused(code, ce.getMessage());
        }
        if (t instanceof TimeoutException) {
            return new ConsumeRefused(
                    ConsumeRefused.Code.KAFKA_UNAVAILABLE, "Kafka did not answer in time");
        }
        if (t instanceof IllegalArgumentException) {
            return new ConsumeRefused(ConsumeRefused.Code.INVALID_REQUEST, t.getMessage());
        }
        LOG.error("consume call failed", t);
        return new ConsumeRefused(
                ConsumeRefused.Code.INTERNAL, "internal error: " + ApiException.describe(t));
    }

    private static void hop(CallContext ctx, Runnable r) {
        ctx.executor().execute(r);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete stages: their effect is `out`
    private static <T> CompletableFuture<T> hopped(CallContext ctx, CompletableFuture<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete(
                (v, e) ->
                        hop(
                                ctx,
                                () -> {
                                    if (e != null) {
                                        out.completeExceptionally(refusal(e));
                                    } else {
                                        out.complete(v);
                                    }
                                }));
        return out;
    }

    /** Leaves every group this gateway consumes (each commits what was acknowledged). */
    @Override
    public void close() {
        janitor.shutdownNow();
        for (ConsumeCluster c : clusters.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("cluster {}: closing consumption failed: {}", c.name, e.toString());
            }
        }
    }
}
