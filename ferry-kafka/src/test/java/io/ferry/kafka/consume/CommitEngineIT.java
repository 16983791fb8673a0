package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.GroupOffsets;
import io.ferry.kafka.wire.HeartbeatResult;
import io.ferry.kafka.wire.NetworkNodeChannel;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.OffsetToCommit;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The commit engine on a real 1-node Kafka 4.2 cluster in production parity: a KIP-848 member
 * (joined with raw ConsumerGroupHeartbeats, as GroupWireIT does) commits through it, and the
 * offsets and metadata are read back intact; close flushes.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CommitEngineIT {
    private static final long WAIT_MS = 30_000;
    private static InProcessKafka cluster;
    private static NetworkNodeChannel control;

    /** The engine's cluster core, as in production: its channels, lookups and metadata. */
    private static io.ferry.kafka.KafkaCluster core;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
        String[] hp = kafka.bootstrap().split(",")[0].split(":");
        control = open(new Node(-1, hp[0], Integer.parseInt(hp[1])), "control", 1);
        core =
                io.ferry.kafka.KafkaCluster.start(
                        io.ferry.kafka.KafkaSettings.defaults(kafka.bootstrap()));
    }

    @AfterAll
    static void stop() {
        core.close();
        control.close();
    }

    private static NetworkNodeChannel open(Node node, String purpose, int maxInFlight) {
        return NetworkNodeChannel.open(Map.of(), "commit-it", purpose, node, 30_000, maxInFlight);
    }

    /** Sends on {@code c} and waits for the answer (30 s at most). */
    private static synchronized <R> R call(NodeChannel c, WireRequest<R> request) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!c.ready(System.currentTimeMillis())) {
            assertThat(System.currentTimeMillis()).as("ready").isLessThan(deadline);
            c.poll(50, System.currentTimeMillis());
        }
        AtomicReference<Outcome<R>> got = new AtomicReference<>();
        c.send(request, System.currentTimeMillis(), got::set);
        while (got.get() == null) {
            assertThat(System.currentTimeMillis()).as("answered").isLessThan(deadline);
            c.poll(100, System.currentTimeMillis());
        }
        assertThat(got.get().succeeded()).as(String.valueOf(got.get().failure())).isTrue();
        return got.get().response();
    }

    /** A member with a fixed id and epoch, owning everything. */
    private record Member(String memberId, int memberEpoch) implements CommitMember {
        @Override
        public boolean owns(TopicPartition tp) {
            return true;
        }
    }

    /** A source whose point the test sets; metadata is cut to the cap asked. */
    private static final class Source implements CommitSource {
        volatile Point point;

        @Override
        public Point commitPoint(int maxMetadataChars) {
            Point p = point;
            if (p == null || p.metadata().length() <= maxMetadataChars) {
                return p;
            }
            return new Point(
                    p.offset(), p.leaderEpoch(), p.metadata().substring(0, maxMetadataChars));
        }
    }

    private static Node coordinator(String group) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            Coordinator c =
                    call(control, new WireRequest.FindCoordinator(List.of(group))).get(group);
            if (c.error().isNone()) {
                return c.node();
            }
            assertThat(System.currentTimeMillis()).as(c.error().toString()).isLessThan(deadline);
        }
    }

    /** Joins {@code group} on {@code topic} and heartbeats until it owns every partition. */
    private static Member join(String group, String topic, int partitions) {
        Uuid id = awaitTopic(topic, partitions);
        String memberId = Uuid.randomUuid().toString();
        Set<Integer> all = new TreeSet<>();
        for (int i = 0; i < partitions; i++) {
            all.add(i);
        }
        long deadline = System.currentTimeMillis() + WAIT_MS;
        try (NetworkNodeChannel g = open(coordinator(group), "group", 1)) {
            Map<Uuid, Set<Integer>> owned = Map.of();
            int epoch = 0;
            while (true) {
                WireRequest.ConsumerGroupHeartbeat hb =
                        epoch == 0
                                ? new WireRequest.ConsumerGroupHeartbeat(
                                        group,
                                        memberId,
                                        0,
                                        null,
                                        null,
                                        30_000,
                                        List.of(topic),
                                        null,
                                        Map.of())
                                : new WireRequest.ConsumerGroupHeartbeat(
                                        group, memberId, epoch, null, null, -1, null, null, owned);
                HeartbeatResult r = call(g, hb);
                assertThat(System.currentTimeMillis())
                        .as("joined with every partition: %s", r.error())
                        .isLessThan(deadline);
                if (!r.error().isNone()) {
                    assertThat(r.error().isCoordinatorError()).as(r.error().toString()).isTrue();
                    continue;
                }
                epoch = r.memberEpoch();
                owned = r.assignment() == null ? owned : r.assignment();
                if (owned.equals(Map.of(id, all))) {
                    // acknowledge the assignment; the epoch it answers is the one to commit with
                    HeartbeatResult acked =
                            call(
                                    g,
                                    new WireRequest.ConsumerGroupHeartbeat(
                                            group, memberId, epoch, null, null, -1, null, null,
                                            owned));
                    assertThat(acked.error().isNone()).as(acked.error().toString()).isTrue();
                    return new Member(memberId, acked.memberEpoch());
                }
            }
        }
    }

    private static Uuid awaitTopic(String topic, int partitions) {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            var t =
                    call(control, new WireRequest.Metadata(List.of(topic), false))
                            .topics()
                            .get(topic);
            if (t.partitions().size() == partitions
                    && t.partitions().stream().allMatch(p -> p.leader() != null)) {
                return t.topicId();
            }
            assertThat(System.currentTimeMillis()).as("%s online", topic).isLessThan(deadline);
        }
    }

    private static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new TopicPartition(topic, i));
        }
        return out;
    }

    @Test
    void aMembersCommits_areReadBackIntact_andTooLongMetadataIsShortenedNotLost(
            @UniqueTopic String topic) throws Exception {
        String group = topic + "-group";
        cluster.createTopic(topic, 3, 1);
        Member member = join(group, topic, 3);
        List<TopicPartition> tps = partitions(topic, 3);
        try (CommitEngine engine =
                CommitEngine.builder(core)
                        .commitIntervalMs(100)
                        .maxMetadataChars(8_192) // above the broker's 4096: the fallback is real
                        .start()) {
            Source[] src = {new Source(), new Source(), new Source()};
            List<OffsetWorker> ws = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ws.add(engine.addWorker(group, tps.get(i), member, src[i]));
            }
            for (OffsetWorker w : ws) {
                CommittedOffset c = w.committed().get(30, TimeUnit.SECONDS);
                assertThat(c.error().isNone()).as(c.error().toString()).isTrue();
                assertThat(c.offset()).as("nothing committed yet").isEqualTo(-1);
            }
            src[0].point = new CommitSource.Point(10, -1, "CCGB");
            src[1].point = new CommitSource.Point(20, -1, "");
            src[2].point = new CommitSource.Point(30, -1, "z".repeat(5_000));
            engine.flush(group, 30_000).get(35, TimeUnit.SECONDS);

            GroupOffsets got = engine.readOffsets(group, tps, 30_000).get(35, TimeUnit.SECONDS);
            assertThat(got.error().isNone()).as(got.error().toString()).isTrue();
            assertThat(got.partitions().get(tps.get(0)))
                    .isEqualTo(new CommittedOffset(10, -1, "CCGB", WireError.NONE));
            assertThat(got.partitions().get(tps.get(1)).offset()).isEqualTo(20);
            CommittedOffset shortened = got.partitions().get(tps.get(2));
            assertThat(shortened.offset()).as("the offset is committed anyway").isEqualTo(30);
            assertThat(shortened.metadata()).isEqualTo("z".repeat(2_500));
            assertThat(ws.get(2).metadataCap()).isEqualTo(2_500);

            // the periodic commit (no flush) carries a later point
            src[1].point = new CommitSource.Point(21, -1, "later");
            org.awaitility.Awaitility.await("committed by the interval")
                    .atMost(30, TimeUnit.SECONDS)
                    .until(() -> ws.get(1).lastCommitted().offset() == 21);
            assertThat(
                            engine.readOffsets(group, List.of(tps.get(1)), 30_000)
                                    .get(35, TimeUnit.SECONDS)
                                    .partitions()
                                    .get(tps.get(1)))
                    .isEqualTo(new CommittedOffset(21, -1, "later", WireError.NONE));
        }
    }

    @Test
    void close_flushesWhatChanged(@UniqueTopic String topic) throws Exception {
        String group = topic + "-group";
        cluster.createTopic(topic, 2, 1);
        Member member = join(group, topic, 2);
        List<TopicPartition> tps = partitions(topic, 2);
        Source[] src = {new Source(), new Source()};
        CommitEngine engine = CommitEngine.builder(core).commitIntervalMs(600_000).start();
        List<OffsetWorker> ws = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ws.add(engine.addWorker(group, tps.get(i), member, src[i]));
        }
        for (OffsetWorker w : ws) {
            w.committed().get(30, TimeUnit.SECONDS);
        }
        // the first round ran at start with nothing to commit; the next is 10 minutes away
        src[0].point = new CommitSource.Point(40, -1, "a");
        src[1].point = new CommitSource.Point(50, -1, "b");
        engine.close();

        try (CommitEngine reader = CommitEngine.builder(core).start()) {
            GroupOffsets got = reader.readOffsets(group, tps, 30_000).get(35, TimeUnit.SECONDS);
            assertThat(got.partitions().get(tps.get(0)))
                    .isEqualTo(new CommittedOffset(40, -1, "a", WireError.NONE));
            assertThat(got.partitions().get(tps.get(1)))
                    .isEqualTo(new CommittedOffset(50, -1, "b", WireError.NONE));
        }
    }

    @Test
    void setOffsets_outsideAnyMembership_onAnEmptyGroup_areReadBack(@UniqueTopic String topic)
            throws Exception {
        String group = topic + "-group";
        cluster.createTopic(topic, 1, 1);
        awaitTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (CommitEngine engine = CommitEngine.builder(core).start()) {
            Map<TopicPartition, WireError> set =
                    engine.setOffsets(
                                    group,
                                    Map.of(tp, new OffsetToCommit(7, -1, "set")),
                                    null,
                                    30_000)
                            .get(35, TimeUnit.SECONDS);
            assertThat(set).containsExactly(Map.entry(tp, WireError.NONE));
            assertThat(
                            engine.readOffsets(group, List.of(tp), 30_000)
                                    .get(35, TimeUnit.SECONDS)
                                    .partitions())
                    .containsEntry(tp, new CommittedOffset(7, -1, "set", WireError.NONE));
        }
    }
}
