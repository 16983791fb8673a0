package io.ferry.kafka.wire;

import static io.ferry.kafka.wire.LiveChannels.answer;
import static io.ferry.kafka.wire.LiveChannels.bootstrapNode;
import static io.ferry.kafka.wire.LiveChannels.created;
import static io.ferry.kafka.wire.LiveChannels.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.LiveChannels.GroupChannel;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contract tests of the consumer-group requests (ConsumerGroupHeartbeat, OffsetCommit, OffsetFetch)
 * against a real 1-node Kafka 4.2 cluster in production parity.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GroupWireIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    /**
     * A member of a group whose heartbeats got it every partition of a topic.
     *
     * @param joined the answer to its join
     */
    private record Member(
            String group,
            String id,
            int epoch,
            Map<Uuid, Set<Integer>> assigned,
            HeartbeatResult joined) {}

    private static WireRequest.ConsumerGroupHeartbeat join(
            String group, String memberId, String topic) {
        return new WireRequest.ConsumerGroupHeartbeat(
                group, memberId, 0, null, null, 30_000, List.of(topic), null, Map.of());
    }

    /** A heartbeat that changes nothing but {@code owned}: every other nullable field null. */
    private static WireRequest.ConsumerGroupHeartbeat stay(
            String group, String memberId, int epoch, Map<Uuid, Set<Integer>> owned) {
        return new WireRequest.ConsumerGroupHeartbeat(
                group, memberId, epoch, null, null, -1, null, null, owned);
    }

    private static HeartbeatResult heartbeat(
            GroupChannel g, WireRequest.ConsumerGroupHeartbeat request) {
        HeartbeatResult r = g.call(request, HeartbeatResult::error);
        assertThat(r.error().isNone()).as(r.error().toString()).isTrue();
        return r;
    }

    /**
     * Joins {@code group} subscribed to {@code topic}, then heartbeats (reporting what it owns)
     * until every partition is assigned, 30 s at most.
     */
    private static Member joinAll(GroupChannel g, String group, String topic, Uuid topicId) {
        int partitions = created(g.control(), topic).partitions().size();
        String memberId = Uuid.randomUuid().toString();
        HeartbeatResult joined = heartbeat(g, join(group, memberId, topic));
        HeartbeatResult r = joined;
        Map<Uuid, Set<Integer>> all = Map.of(topicId, range(partitions));
        Map<Uuid, Set<Integer>> owned = r.assignment() == null ? Map.of() : r.assignment();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!owned.equals(all)) {
            assertThat(System.currentTimeMillis())
                    .as("all of %s assigned within 30 s, have %s", topic, owned)
                    .isLessThan(deadline);
            r = heartbeat(g, stay(group, memberId, r.memberEpoch(), owned));
            owned = r.assignment() == null ? owned : r.assignment();
        }
        return new Member(group, memberId, r.memberEpoch(), owned, joined);
    }

    private static Uuid topic(NodeChannel control, String topic, int partitions) {
        cluster.createTopic(topic, partitions, 1);
        return created(control, topic).topicId();
    }

    private static Set<Integer> range(int n) {
        Set<Integer> s = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add(i);
        }
        return s;
    }

    @Test
    void heartbeat_joinWithAnEmptyOwnedList_isAssignedTheTopicById_thenStaysAndLeaves(
            @UniqueTopic String topic) {
        String group = topic + "-group";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, group)) {
            Uuid id = topic(control, topic, 3);
            Member m = joinAll(g, group, topic, id);
            HeartbeatResult joined = m.joined();
            assertThat(joined.memberId()).as("v1: the client's member id").isEqualTo(m.id());
            assertThat(joined.memberEpoch()).isPositive();
            assertThat(joined.heartbeatIntervalMs()).isPositive();
            assertThat(joined.assignment())
                    .as("a join with owned = [] is answered with an assignment")
                    .isNotNull();
            assertThat(m.assigned()).isEqualTo(Map.of(id, Set.of(0, 1, 2)));

            // acknowledge the assignment, then a heartbeat with every field null changes nothing
            HeartbeatResult acked = heartbeat(g, stay(m.group(), m.id(), m.epoch(), m.assigned()));
            HeartbeatResult steady =
                    heartbeat(g, stay(m.group(), m.id(), acked.memberEpoch(), null));
            assertThat(steady.memberEpoch()).isEqualTo(acked.memberEpoch());
            assertThat(steady.assignment()).as("unchanged: null, not an empty map").isNull();

            HeartbeatResult left = heartbeat(g, stay(m.group(), m.id(), -1, null));
            assertThat(left.memberEpoch()).as("a leave answers epoch -1").isEqualTo(-1);
            assertThat(left.memberId()).isEqualTo(m.id());
        }
    }

    @Test
    void heartbeat_joinWithNullOwnedPartitions_isAnInvalidRequest(@UniqueTopic String topic) {
        String group = topic + "-group";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, group)) {
            topic(control, topic, 1);
            WireRequest.ConsumerGroupHeartbeat nullOwned =
                    new WireRequest.ConsumerGroupHeartbeat(
                            group,
                            Uuid.randomUuid().toString(),
                            0,
                            null,
                            null,
                            30_000,
                            List.of(topic),
                            null,
                            null);
            HeartbeatResult r = g.call(nullOwned, HeartbeatResult::error);
            assertThat(r.error().name())
                    .as("null owned partitions reach the broker as null")
                    .isEqualTo("INVALID_REQUEST");
        }
    }

    @Test
    void offsetCommit_withTheMembersEpoch_isFetchedBack_byIdAndByName(@UniqueTopic String topic) {
        String group = topic + "-group";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, group)) {
            Uuid id = topic(control, topic, 3);
            Member m = joinAll(g, group, topic, id);
            TopicPartition p0 = new TopicPartition(topic, 0);
            TopicPartition p1 = new TopicPartition(topic, 1);
            TopicPartition p2 = new TopicPartition(topic, 2);
            Map<String, Uuid> ids = Map.of(topic, id);

            // by id (v10: the answer's topic names are empty)
            Map<TopicPartition, WireError> committed =
                    commit(
                            g,
                            m,
                            m.epoch(),
                            Map.of(
                                    p0, new OffsetToCommit(5, 0, "m-zero"),
                                    p1, new OffsetToCommit(7, -1, null)),
                            ids);
            assertThat(committed).containsOnlyKeys(p0, p1);
            assertThat(committed.values()).allMatch(WireError::isNone, "no error");

            GroupOffsets got = fetch(g, m, m.epoch(), List.of(p0, p1, p2), ids);
            assertThat(got.error().isNone()).as(got.error().toString()).isTrue();
            assertThat(got.partitions())
                    .containsEntry(p0, new CommittedOffset(5, 0, "m-zero", WireError.NONE))
                    .containsEntry(p1, new CommittedOffset(7, -1, "", WireError.NONE))
                    .containsEntry(p2, new CommittedOffset(-1, -1, "", WireError.NONE));

            // by name (no id known: capped at v9)
            assertThat(
                            commit(
                                    g,
                                    m,
                                    m.epoch(),
                                    Map.of(p2, new OffsetToCommit(9, -1, "n")),
                                    Map.of()))
                    .containsExactly(Map.entry(p2, WireError.NONE));
            assertThat(fetch(g, m, m.epoch(), List.of(p2), Map.of()).partitions().get(p2).offset())
                    .isEqualTo(9);
            // and the member check skipped (null member, epoch -1)
            assertThat(
                            answer(
                                            g.channel(),
                                            new WireRequest.OffsetFetch(
                                                    group, null, -1, true, List.of(p0), ids))
                                    .partitions()
                                    .get(p0)
                                    .offset())
                    .isEqualTo(5);
        }
    }

    @Test
    void offsetCommit_withAnotherEpoch_isStale_andTooLongMetadataFailsOnlyItsPartition(
            @UniqueTopic String topic) {
        String group = topic + "-group";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, group)) {
            Uuid id = topic(control, topic, 2);
            Member m = joinAll(g, group, topic, id);
            TopicPartition p0 = new TopicPartition(topic, 0);
            TopicPartition p1 = new TopicPartition(topic, 1);
            Map<String, Uuid> ids = Map.of(topic, id);
            Map<TopicPartition, OffsetToCommit> both =
                    Map.of(p0, new OffsetToCommit(1, -1, ""), p1, new OffsetToCommit(1, -1, ""));

            for (int wrong : new int[] {m.epoch() + 1, m.epoch() - 1}) {
                assertThat(commit(g, m, wrong, both, ids).values())
                        .as("commit with epoch %d, the member's is %d", wrong, m.epoch())
                        .extracting(WireError::name)
                        .containsOnly("STALE_MEMBER_EPOCH");
            }
            GroupOffsets stale = fetch(g, m, m.epoch() + 1, List.of(p0), ids);
            assertThat(stale.error().name()).isEqualTo("STALE_MEMBER_EPOCH");

            Map<TopicPartition, WireError> r =
                    commit(
                            g,
                            m,
                            m.epoch(),
                            Map.of(
                                    p0, new OffsetToCommit(3, -1, "x".repeat(4097)),
                                    p1, new OffsetToCommit(4, -1, "y".repeat(4096))),
                            ids);
            assertThat(r.get(p0).name()).isEqualTo("OFFSET_METADATA_TOO_LARGE");
            assertThat(r.get(p1).isNone()).as("4096 chars is the limit, allowed").isTrue();
            GroupOffsets got = fetch(g, m, m.epoch(), List.of(p0, p1), ids);
            assertThat(got.partitions().get(p0).offset()).as("never committed").isEqualTo(-1);
            assertThat(got.partitions().get(p1).offset()).isEqualTo(4);
            assertThat(got.partitions().get(p1).metadata()).isEqualTo("y".repeat(4096));
        }
    }

    @Test
    void aLongPollFetch_doesNotHoldUpACommitOnAnotherChannelToTheSameNode(
            @UniqueTopic String topic) {
        String group = topic + "-group";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, group)) {
            Uuid id = topic(control, topic, 1);
            PartitionLeader p = created(control, topic).partitions().get(0);
            assertThat(p.leader().id())
                    .as("one node: leader and coordinator")
                    .isEqualTo(g.channel().node().id());
            Member m = joinAll(g, group, topic, id);
            try (NetworkNodeChannel fetchChannel = open(p.leader(), "fetch")) {
                TopicPartition tp = new TopicPartition(topic, 0);
                LiveChannels.awaitServed(fetchChannel, FetchPartition.of(tp, id, 0, -1, 1 << 20));
                AtomicReference<Outcome<FetchResult>> fetched = new AtomicReference<>();
                long sentMs = System.currentTimeMillis();
                fetchChannel.send(
                        WireRequest.Fetch.sessionless(
                                List.of(FetchPartition.of(tp, id, 0, p.leaderEpoch(), 1 << 20)),
                                8_000,
                                1 << 20, // never reached: the broker waits the whole 8 s
                                1 << 20,
                                IsolationLevel.READ_UNCOMMITTED),
                        sentMs,
                        fetched::set);
                fetchChannel.poll(100, System.currentTimeMillis()); // written to the socket

                Map<TopicPartition, WireError> r =
                        commit(
                                g,
                                m,
                                m.epoch(),
                                Map.of(tp, new OffsetToCommit(0, -1, "")),
                                Map.of(topic, id));
                assertThat(r.get(tp).isNone()).isTrue();
                assertThat(fetched.get()).as("the long poll is still waiting").isNull();

                Outcome<FetchResult> o = LiveChannels.await(fetchChannel, fetched, 30_000);
                assertThat(o.succeeded()).as(String.valueOf(o.failure())).isTrue();
                assertThat(System.currentTimeMillis() - sentMs)
                        .as("the fetch did wait for its bytes")
                        .isGreaterThanOrEqualTo(7_000);
            }
        }
    }

    private static Map<TopicPartition, WireError> commit(
            GroupChannel g,
            Member m,
            int epoch,
            Map<TopicPartition, OffsetToCommit> offsets,
            Map<String, Uuid> ids) {
        return g.call(
                new WireRequest.OffsetCommit(m.group(), m.id(), epoch, offsets, ids),
                r -> r.values().stream().findFirst().orElse(WireError.NONE));
    }

    private static GroupOffsets fetch(
            GroupChannel g,
            Member m,
            int epoch,
            List<TopicPartition> partitions,
            Map<String, Uuid> ids) {
        return g.call(
                new WireRequest.OffsetFetch(m.group(), m.id(), epoch, true, partitions, ids),
                GroupOffsets::error);
    }
}
