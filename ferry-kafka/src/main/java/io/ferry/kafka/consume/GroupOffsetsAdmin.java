package io.ferry.kafka.consume;

import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.GroupOffsets;
import io.ferry.kafka.wire.OffsetQuery;
import io.ferry.kafka.wire.OffsetToCommit;
import io.ferry.kafka.wire.WireError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads and sets a group's offsets of one topic for the consume engine's API (kafka-pixy's {@code
 * GET} and {@code POST /topics/{t}/offsets}): the committed offsets and metadata through the commit
 * engine (OffsetFetch, OffsetCommit on the coordinator), the log's begin and end through the {@link
 * OffsetLister} (ListOffsets on the leaders). Stateless but for what it holds; any thread; every
 * call returns a future at once.
 */
final class GroupOffsetsAdmin {
    private final EngineAccess access;
    private final CommitEngine commits;
    private final OffsetLister lister;

    GroupOffsetsAdmin(EngineAccess access, CommitEngine commits, OffsetLister lister) {
        this.access = access;
        this.commits = commits;
        this.lister = lister;
    }

    /**
     * Every partition of {@code topic} as {@code group} sees it; {@code reset} says where the group
     * starts without a committed offset (for the lag).
     */
    CompletableFuture<List<PartitionOffset>> read(
            String group, String topic, FetchLane.OffsetReset reset, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        return partitions(topic, timeoutMs)
                .thenCompose(
                        n -> {
                            List<TopicPartition> tps = new ArrayList<>();
                            for (int p = 0; p < n; p++) {
                                tps.add(new TopicPartition(topic, p));
                            }
                            long left = leftMs(deadline);
                            CompletableFuture<GroupOffsets> committed =
                                    commits.readOffsets(group, tps, left);
                            CompletableFuture<Map<TopicPartition, Long>> begins =
                                    lister.list(tps, OffsetQuery.EARLIEST, left);
                            CompletableFuture<Map<TopicPartition, Long>> ends =
                                    lister.list(tps, OffsetQuery.LATEST, left);
                            return CompletableFuture.allOf(committed, begins, ends)
                                    .thenApply(
                                            v ->
                                                    combine(
                                                            group,
                                                            tps,
                                                            committed.join(),
                                                            begins.join(),
                                                            ends.join(),
                                                            reset));
                        })
                .exceptionallyCompose(
                        e -> CompletableFuture.failedFuture(translate(e, "group '" + group + "'")));
    }

    /**
     * Commits {@code offsets} of {@code topic} for {@code group} outside any membership (Kafka
     * takes that only while the group has no members).
     */
    CompletableFuture<Void> set(
            String group, String topic, List<OffsetToSet> offsets, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        return partitions(topic, timeoutMs)
                .thenCompose(
                        n -> {
                            Map<TopicPartition, OffsetToCommit> m = new HashMap<>();
                            for (OffsetToSet o : offsets) {
                                if (o.partition() >= n) {
                                    throw new ConsumeException(
                                            ConsumeException.Reason.UNKNOWN_TOPIC,
                                            "partition "
                                                    + o.partition()
                                                    + " is not one of topic '"
                                                    + topic
                                                    + "' ("
                                                    + n
                                                    + " partitions, 0 to "
                                                    + (n - 1)
                                                    + ")");
                                }
                                m.put(
                                        new TopicPartition(topic, o.partition()),
                                        new OffsetToCommit(o.offset(), -1, o.metadata()));
                            }
                            return commits.setOffsets(group, m, null, leftMs(deadline));
                        })
                .thenAccept(errors -> refusedIfAny(group, errors))
                .exceptionallyCompose(
                        e -> CompletableFuture.failedFuture(translate(e, "group '" + group + "'")));
    }

    /** The topic's partition count, asking Kafka when the cache does not know it. */
    CompletableFuture<Integer> partitions(String topic, long timeoutMs) {
        int n = access.partitionCount(topic);
        if (n > 0) {
            return CompletableFuture.completedFuture(n);
        }
        return access.refresh(Set.of(topic))
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .handle(
                        (v, e) -> {
                            int now = access.partitionCount(topic);
                            if (now > 0) {
                                return now;
                            }
                            if (access.topicMissing(topic)) {
                                throw new ConsumeException(
                                        ConsumeException.Reason.UNKNOWN_TOPIC,
                                        "Kafka says topic '" + topic + "' does not exist");
                            }
                            throw new CompletionException(
                                    e != null
                                            ? e
                                            : new TimeoutException(
                                                    "no metadata for topic '" + topic + "'"));
                        });
    }

    private static List<PartitionOffset> combine(
            String group,
            List<TopicPartition> tps,
            GroupOffsets committed,
            Map<TopicPartition, Long> begins,
            Map<TopicPartition, Long> ends,
            FetchLane.OffsetReset reset) {
        if (!committed.error().isNone()) {
            throw new ConsumeException(
                    ConsumeException.Reason.REFUSED,
                    "OffsetFetch of group '" + group + "' refused: " + committed.error());
        }
        List<PartitionOffset> out = new ArrayList<>();
        for (TopicPartition tp : tps) {
            long begin = begins.get(tp);
            long end = Math.max(begin, ends.get(tp));
            CommittedOffset c = committed.partitions().get(tp);
            long offset = c == null ? -1 : c.offset();
            String metadata = c == null || c.metadata() == null ? "" : c.metadata();
            long lag;
            if (offset < 0) {
                lag = reset == FetchLane.OffsetReset.EARLIEST ? end - begin : 0;
            } else {
                lag = Math.max(0, end - Math.max(offset, begin));
            }
            out.add(
                    new PartitionOffset(
                            tp.partition(),
                            begin,
                            end,
                            end - begin,
                            offset,
                            lag,
                            metadata,
                            offset < 0 ? "" : SparseAcks.render(offset, metadata)));
        }
        return out;
    }

    private static void refusedIfAny(String group, Map<TopicPartition, WireError> errors) {
        Map<Integer, String> refused = new TreeMap<>();
        errors.forEach(
                (tp, e) -> {
                    if (!e.isNone()) {
                        refused.put(tp.partition(), e.toString());
                    }
                });
        if (refused.isEmpty()) {
            return;
        }
        boolean members =
                errors.values().stream().anyMatch(e -> e.name().equals("UNKNOWN_MEMBER_ID"));
        throw new ConsumeException(
                ConsumeException.Reason.REFUSED,
                "Kafka refused the offsets of group '"
                        + group
                        + "' for partitions "
                        + refused
                        + (members
                                ? ": the group has members; offsets are set only while it has"
                                        + " none (stop its consumers first)"
                                : ""));
    }

    /** {@code e} without the CompletionExceptions around it. */
    static Throwable unwrap(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /**
     * Failures as the API names them: a ConsumeException with its reason; {@code context} starts
     * the message ("group 'g'").
     */
    static Throwable translate(Throwable e, String context) {
        Throwable c = unwrap(e);
        if (c instanceof ConsumeException) {
            return c;
        }
        if (c instanceof TimeoutException) {
            return new ConsumeException(
                    ConsumeException.Reason.TIMED_OUT,
                    context + ": Kafka did not answer in time (" + c.getMessage() + ")",
                    c);
        }
        if (c instanceof CommitEngine.CommitFailedException f) {
            ConsumeException.Reason r =
                    switch (f.reason()) {
                        case TIMED_OUT -> ConsumeException.Reason.TIMED_OUT;
                        case STOPPED -> ConsumeException.Reason.CLOSED;
                        default -> ConsumeException.Reason.REFUSED;
                    };
            return new ConsumeException(r, context + ": " + f.getMessage(), f);
        }
        return new ConsumeException(
                ConsumeException.Reason.REFUSED, context + ": " + c.getMessage(), c);
    }

    private static long leftMs(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
