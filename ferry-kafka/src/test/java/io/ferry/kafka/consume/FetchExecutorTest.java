package io.ferry.kafka.consume;

import static io.ferry.kafka.consume.FetchRig.answer;
import static io.ferry.kafka.consume.FetchRig.batch;
import static io.ferry.kafka.consume.FetchRig.marker;
import static io.ferry.kafka.consume.FetchRig.parts;
import static io.ferry.kafka.consume.FetchRig.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.AbortedTransaction;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.FetchPartition;
import io.ferry.kafka.wire.FetchResult;
import io.ferry.kafka.wire.FetchedBatch;
import io.ferry.kafka.wire.ListedOffset;
import io.ferry.kafka.wire.OffsetQuery;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fetch executors and workers through a fake channel and a fake clock: one request per lane per
 * round, incremental sessions, read_committed filtering, and one test per error the executor
 * handles.
 */
class FetchExecutorTest {
    private static final FetchLane G1 = new FetchLane("g1", FetchLane.OffsetReset.EARLIEST);
    private static final FetchLane G2 = new FetchLane("g2", FetchLane.OffsetReset.LATEST);

    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 0, 0, 1);
    private final FetchRig rig = new FetchRig(kafka);
    private final TopicPartition t0 = new TopicPartition("t", 0);
    private final TopicPartition t1 = new TopicPartition("t", 1);
    private final TopicPartition t2 = new TopicPartition("t", 2);
    private final TopicPartition t3 = new TopicPartition("t", 3);

    @AfterEach
    void close() {
        rig.close();
    }

    private FetchWorker add(FetchLane lane, TopicPartition tp, long at, FetchRig.Sink sink) {
        FetchWorker w = rig.engine.add(lane, tp, at, sink);
        rig.step();
        assertThat(w.assignedExecutor()).as("assigned").isNotNull();
        return w;
    }

    private static List<TopicPartition> partitionsOf(WireRequest.Fetch f) {
        return f.partitions().stream().map(FetchPartition::partition).toList();
    }

    private static long offsetOf(WireRequest.Fetch f, TopicPartition tp) {
        return f.partitions().stream()
                .filter(p -> p.partition().equals(tp))
                .findFirst()
                .orElseThrow()
                .fetchOffset();
    }

    @Test
    void aRound_sendsOneFetchPerNode_withEveryPartitionOfTheLaneOnIt() {
        FetchRig.Sink s = new FetchRig.Sink();
        rig.engine.add(G1, t0, 0, s);
        rig.engine.add(G1, t1, 5, s);
        rig.engine.add(G1, t2, 7, s);
        rig.engine.add(G1, t3, 9, s);
        rig.step();

        assertThat(rig.fetches(0)).hasSize(1);
        WireRequest.Fetch f = request(rig.fetches(0).get(0));
        assertThat(partitionsOf(f)).containsExactlyInAnyOrder(t0, t1, t2);
        assertThat(offsetOf(f, t1)).isEqualTo(5);
        assertThat(f.isolation()).isEqualTo(IsolationLevel.READ_COMMITTED);
        assertThat(f.maxWaitMs()).isEqualTo(500);
        assertThat(f.minBytes()).isEqualTo(1);
        assertThat(f.maxBytes()).isEqualTo(50 * 1024 * 1024);
        assertThat(f.partitions().get(0).maxBytes()).isEqualTo(1024 * 1024);
        assertThat(rig.fetches(1)).hasSize(1);
        assertThat(partitionsOf(request(rig.fetches(1).get(0)))).containsExactly(t3);
        assertThat(rig.engine.nodeStats().get(0).lastRoundRequests()).isEqualTo(1);
    }

    @Test
    void theNextRound_waitsForTheAnswer_andIsIncremental() {
        FetchRig.Sink s = new FetchRig.Sink();
        rig.engine.add(G1, t0, 0, s);
        rig.engine.add(G1, t1, 0, s);
        rig.step();
        FakeNodeChannel.Sent<FetchResult> first = rig.fetch(0);
        assertThat(request(first).session().isFull()).isTrue();
        rig.step();
        assertThat(rig.fetches(0)).as("no second round before the answer").hasSize(1);

        rig.channel(0)
                .respond(
                        first,
                        answer(
                                42,
                                parts(
                                        t0, rig.data("t", 2, batch(0, -1, "a", "b")),
                                        t1, rig.data("t", 0))));
        rig.step();

        assertThat(s.calls).containsExactly("a,b@2");
        assertThat(rig.fetches(0)).hasSize(1);
        WireRequest.Fetch second = request(rig.fetch(0));
        assertThat(second.session().isFull()).isFalse();
        assertThat(second.session().id()).isEqualTo(42);
        assertThat(second.session().epoch()).isEqualTo(1);
        assertThat(partitionsOf(second)).as("only what changed").containsExactly(t0);
        assertThat(offsetOf(second, t0)).isEqualTo(2);
        assertThat(rig.engine.nodeStats().get(0).rounds()).isEqualTo(2);
        assertThat(rig.engine.nodeStats().get(0).fetchRequests()).isEqualTo(2);
    }

    @Test
    void twoLanesOnOnePartition_atDifferentOffsets_sendOneFetchEach_inOneRound() {
        FetchRig.Sink s1 = new FetchRig.Sink();
        FetchRig.Sink s2 = new FetchRig.Sink();
        rig.engine.add(G1, t0, 3, s1);
        rig.engine.add(G2, t0, 10, s2);
        rig.step();

        List<FakeNodeChannel.Sent<?>> sent = rig.fetches(0);
        assertThat(sent).hasSize(2);
        assertThat(offsetOf(request(sent.get(0)), t0)).isEqualTo(3);
        assertThat(offsetOf(request(sent.get(1)), t0)).isEqualTo(10);
        assertThat(rig.engine.executors()).hasSize(1);
        assertThat(rig.engine.nodeStats().get(0).lastRoundRequests()).isEqualTo(2);

        @SuppressWarnings("unchecked")
        FakeNodeChannel.Sent<FetchResult> a = (FakeNodeChannel.Sent<FetchResult>) sent.get(0);
        @SuppressWarnings("unchecked")
        FakeNodeChannel.Sent<FetchResult> b = (FakeNodeChannel.Sent<FetchResult>) sent.get(1);
        rig.channel(0).respond(a, answer(1, parts(t0, rig.data("t", 12, batch(3, -1, "x")))));
        rig.channel(0).respond(b, answer(2, parts(t0, rig.data("t", 12, batch(10, -1, "y", "z")))));
        rig.step();

        assertThat(s1.calls).containsExactly("x@4");
        assertThat(s2.calls).containsExactly("y,z@12");
        assertThat(rig.engine.worker(G1, t0).position()).isEqualTo(4);
        assertThat(rig.engine.worker(G2, t0).position()).isEqualTo(12);
    }

    /** Regression: a connection that took one request at a time starved the second lane. */
    @Test
    void aConnectionTakingOneRequestAtATime_stillServesEveryLaneEachRound() {
        rig.channelInFlight = 1;
        FetchRig.Sink s1 = new FetchRig.Sink();
        FetchRig.Sink s2 = new FetchRig.Sink();
        rig.engine.add(G1, t0, 0, s1);
        rig.engine.add(G2, t0, 10, s2);
        for (int round = 0; round < 2; round++) {
            rig.step();
            rig.channel(0).respond(rig.fetch(0), answer(1, parts(t0, rig.data("t", 20))));
            rig.step();
            rig.channel(0).respond(rig.fetch(0), answer(2, parts(t0, rig.data("t", 20))));
        }
        rig.step();
        List<Long> asked =
                rig.channel(0).history().subList(0, 2).stream()
                        .map(r -> offsetOf((WireRequest.Fetch) r, t0))
                        .toList();
        assertThat(asked.subList(0, 2))
                .as("both lanes in the first round")
                .containsExactly(0L, 10L);
        assertThat(rig.engine.nodeStats().get(0).lastRoundRequests()).isEqualTo(2);
        assertThat(rig.engine.nodeStats().get(0).rounds()).isEqualTo(3);
    }

    @Test
    void readCommitted_skipsAbortedTransactions_andMarkers() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 0, s);
        // 0-1 committed txn of pid 7, 2 its COMMIT; 3-4 aborted txn of pid 8, 5 its ABORT;
        // 6 plain; 7 txn of pid 8 again (committed later: not aborted), 8 COMMIT
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(
                                1,
                                parts(
                                        t0,
                                        rig.data(
                                                "t",
                                                9,
                                                List.of(new AbortedTransaction(8, 3)),
                                                batch(0, 7, "c0", "c1"),
                                                marker(2, 7, FetchedBatch.Control.COMMIT),
                                                batch(3, 8, "a3", "a4"),
                                                marker(5, 8, FetchedBatch.Control.ABORT),
                                                batch(6, -1, "p6"),
                                                batch(7, 8, "c7"),
                                                marker(8, 8, FetchedBatch.Control.COMMIT)))));
        rig.step();
        assertThat(s.calls).containsExactly("c0,c1,p6,c7@9");
        assertThat(s.highWatermark).isEqualTo(9);
    }

    @Test
    void readUncommitted_deliversAbortedRecords_butNeverMarkers() {
        FetchRig rig2 =
                new FetchRig(
                        kafka,
                        FetchSettings.defaults().withIsolation(IsolationLevel.READ_UNCOMMITTED));
        try {
            FetchRig.Sink s = new FetchRig.Sink();
            rig2.engine.add(G1, t0, 0, s);
            rig2.step();
            assertThat(request(rig2.fetch(0)).isolation())
                    .isEqualTo(IsolationLevel.READ_UNCOMMITTED);
            rig2.channel(0)
                    .respond(
                            rig2.fetch(0),
                            answer(
                                    1,
                                    parts(
                                            t0,
                                            rig2.data(
                                                    "t",
                                                    3,
                                                    List.of(new AbortedTransaction(8, 0)),
                                                    batch(0, 8, "a0", "a1"),
                                                    marker(2, 8, FetchedBatch.Control.ABORT)))));
            rig2.step();
            assertThat(s.calls).containsExactly("a0,a1@3");
        } finally {
            rig2.close();
        }
    }

    @Test
    void aPartitionEndingInAMarker_stepsThePositionPastIt_withNoRecords() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 5, s);
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(
                                1,
                                parts(
                                        t0,
                                        rig.data(
                                                "t",
                                                6,
                                                marker(5, 7, FetchedBatch.Control.COMMIT)))));
        rig.step();
        assertThat(s.calls).containsExactly("@6");
        assertThat(offsetOf(request(rig.fetch(0)), t0)).isEqualTo(6);
    }

    @Test
    void anAnswerWithNothingNew_movesNothing_andCallsNoSink() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 5, s);
        rig.channel(0).respond(rig.fetch(0), answer(1, parts(t0, rig.data("t", 5))));
        rig.step();
        assertThat(s.calls).isEmpty();
        assertThat(rig.engine.worker(G1, t0).position()).isEqualTo(5);
    }

    @Test
    void recordsBelowTheFetchOffset_areSkipped() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 2, s);
        // a compressed batch starts before the offset asked for; one wholly before it moves nothing
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(
                                1,
                                parts(
                                        t0,
                                        rig.data(
                                                "t",
                                                5,
                                                batch(0, -1, "r0", "r1"),
                                                batch(0, -1, "r0", "r1", "r2", "r3")))));
        rig.step();
        assertThat(s.calls).containsExactly("r2,r3@4");
    }

    @Test
    void notLeader_refreshesMetadata_andMovesTheWorkerToTheNewLeader_atItsPosition() {
        FetchRig.Sink s = new FetchRig.Sink();
        FetchWorker w = add(G1, t0, 7, s);
        kafka.moveLeader("t", 0, 1);
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.NOT_LEADER_OR_FOLLOWER))));
        rig.step();
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.LEADER_MOVED);
        assertThat(rig.refreshes).contains("t");
        rig.advance(100); // the mapper's backoff since the worker's last resolve
        rig.step();
        rig.step();

        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
        assertThat(w.leaderEpoch()).isEqualTo(kafka.epoch("t", 0));
        WireRequest.Fetch f = request(rig.fetch(1));
        assertThat(offsetOf(f, t0)).isEqualTo(7);
        assertThat(f.partitions().get(0).currentLeaderEpoch()).isEqualTo(1);
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
        // node 0 forgets it: its next Fetch for the lane leaves it out
        assertThat(rig.fetches(0))
                .allSatisfy(x -> assertThat(partitionsOf(request(x))).doesNotContain(t0));
    }

    @Test
    void aLeaderMoveInTheMetadata_movesTheWorker_beforeAnyFetchError() {
        FetchRig.Sink s = new FetchRig.Sink();
        FetchWorker w = add(G1, t0, 7, s);
        FetchWorker other = add(G1, t1, 3, new FetchRig.Sink());
        assertThat(rig.fetch(0)).as("a Fetch in flight on the old leader").isNotNull();
        kafka.moveLeader("t", 0, 1);
        rig.metadataChanged(); // the cache took the new leader; the old one said nothing yet
        assertThat(rig.engine.leaderMovesFollowed()).isEqualTo(1);
        rig.advance(100); // the mapper's backoff since the worker's last resolve
        rig.step();
        rig.step();

        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
        assertThat(w.leaderEpoch()).isEqualTo(kafka.epoch("t", 0));
        assertThat(offsetOf(request(rig.fetch(1)), t0)).isEqualTo(7);
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
        assertThat(other.assignedExecutor().node().id()).as("not moved").isZero();
    }

    @Test
    void aLeaderAppearingInTheMetadata_startsAnUnassignedWorker_atOnce_notAfterTheBackoff() {
        kafka.topic("nl", -1);
        TopicPartition nl = new TopicPartition("nl", 0);
        FetchWorker w = rig.engine.add(G1, nl, 3, new FetchRig.Sink());
        rig.step();
        assertThat(w.assignedExecutor()).as("no leader: unassigned").isNull();
        assertThat(rig.refreshes).contains("nl");
        rig.advance(5);

        kafka.moveLeader("nl", 0, 1);
        rig.metadataChanged(); // the refresh the failed resolve asked for is answered
        rig.step();

        assertThat(w.assignedExecutor()).as("assigned without the clock moving").isNotNull();
        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
        assertThat(offsetOf(request(rig.fetch(1)), nl)).isEqualTo(3);
    }

    @Test
    void aMetadataChangeThatMovesNoLeader_movesNothing() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        FetchExecutor before = w.assignedExecutor();
        rig.metadataChanged();
        rig.step();
        assertThat(rig.engine.leaderMovesFollowed()).isZero();
        assertThat(w.assignedExecutor()).isSameAs(before);
    }

    @Test
    void aNewerLeaderEpochInTheMetadata_onTheSameNode_fetchesWithIt() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        kafka.moveLeader("t", 0, 0); // same node, new epoch
        rig.metadataChanged();
        rig.advance(100);
        rig.step();
        rig.step();
        assertThat(rig.engine.leaderMovesFollowed()).isEqualTo(1);
        assertThat(w.leaderEpoch()).isEqualTo(1);
    }

    @Test
    void aClosedEngine_stopsListeningToTheMetadata() {
        assertThat(rig.metadataListeners).hasSize(1);
        rig.engine.close();
        assertThat(rig.metadataListeners).isEmpty();
    }

    @Test
    void fencedLeaderEpoch_refetchesWithTheNewerEpoch_fromTheSameNode() {
        FetchRig.Sink s = new FetchRig.Sink();
        FetchWorker w = add(G1, t0, 0, s);
        assertThat(request(rig.fetch(0)).partitions().get(0).currentLeaderEpoch()).isZero();
        kafka.moveLeader("t", 0, 0); // same node, new epoch
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.FENCED_LEADER_EPOCH))));
        rig.step();
        rig.advance(100);
        rig.step();
        rig.step();
        assertThat(w.leaderEpoch()).isEqualTo(1);
        assertThat(request(rig.fetch(0)).partitions().get(0).currentLeaderEpoch()).isEqualTo(1);
    }

    @Test
    void unknownLeaderEpoch_reassigns() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.UNKNOWN_LEADER_EPOCH))));
        rig.step();
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.LEADER_MOVED);
        rig.advance(100);
        rig.step();
        rig.step();
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
        assertThat(rig.fetch(0)).isNotNull();
    }

    @Test
    void aDisconnect_reportsTheNode_andTheNextRoundIsAFullFetch() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 0, s);
        rig.channel(0)
                .respond(rig.fetch(0), answer(42, parts(t0, rig.data("t", 1, batch(0, -1, "a")))));
        rig.step();
        assertThat(request(rig.fetch(0)).session().isFull()).isFalse();

        rig.channel(0).fail(rig.fetch(0), WireFailure.disconnected("connection reset"));
        rig.step();
        assertThat(rig.refreshes).as("nodeFailed refreshes the topics").contains("t");
        WireRequest.Fetch again = request(rig.fetch(0));
        assertThat(again.session().epoch()).as("a new session").isZero();
        assertThat(offsetOf(again, t0)).isEqualTo(1);
        assertThat(s.calls).containsExactly("a@1");
    }

    @Test
    void aNodeThatCannotBeReached_isReportedFailed_andNothingIsSent() {
        kafka.connectOnOpen(false);
        rig.engine.add(G1, t0, 0, new FetchRig.Sink());
        rig.step();
        rig.channel(0).failConnection(WireFailure.disconnected("refused"));
        rig.step();
        assertThat(rig.channel(0).history()).isEmpty();
        assertThat(rig.refreshes).contains("t");
        rig.channel(0).connect();
        rig.step();
        assertThat(rig.fetch(0)).isNotNull();
    }

    @Test
    void outOfRange_resetsByTheLanesPolicy_throughListOffsets() {
        FetchRig.Sink s = new FetchRig.Sink();
        FetchWorker w = add(G1, t0, 10, s);
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.OFFSET_OUT_OF_RANGE))));
        rig.step();

        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> lo =
                rig.channel(0).next(WireRequest.ListOffsets.class);
        assertThat(lo).isNotNull();
        WireRequest.ListOffsets q = (WireRequest.ListOffsets) lo.request();
        assertThat(q.queries().get(t0).timestamp()).isEqualTo(OffsetQuery.EARLIEST);
        assertThat(q.isolation()).isEqualTo(IsolationLevel.READ_COMMITTED);
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.RESETTING);
        assertThat(rig.fetches(0)).as("the partition waits for its new position").isEmpty();

        rig.channel(0).respond(lo, Map.of(t0, new ListedOffset(WireError.NONE, 40, -1, 0)));
        rig.step();
        assertThat(s.calls).containsExactly("reset 10->40");
        assertThat(offsetOf(request(rig.fetch(0)), t0)).isEqualTo(40);
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
    }

    @Test
    void anUnknownPosition_startsWhereTheLaneSays_latest() {
        FetchRig.Sink s = new FetchRig.Sink();
        rig.engine.add(G2, t0, FetchWorker.UNKNOWN_POSITION, s);
        rig.step();
        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> lo =
                rig.channel(0).next(WireRequest.ListOffsets.class);
        assertThat(((WireRequest.ListOffsets) lo.request()).queries().get(t0).timestamp())
                .isEqualTo(OffsetQuery.LATEST);
        rig.channel(0).respond(lo, Map.of(t0, new ListedOffset(WireError.NONE, 99, -1, 0)));
        rig.step();
        assertThat(s.calls).containsExactly("reset -1->99");
        assertThat(offsetOf(request(rig.fetch(0)), t0)).isEqualTo(99);
    }

    @Test
    void aFailedReset_isRetriedAfterTheBackoff() {
        FetchWorker w = rig.engine.add(G1, t0, FetchWorker.UNKNOWN_POSITION, new FetchRig.Sink());
        rig.step();
        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> lo =
                rig.channel(0).next(WireRequest.ListOffsets.class);
        rig.channel(0)
                .respond(
                        lo,
                        Map.of(
                                t0,
                                new ListedOffset(
                                        WireError.of(Errors.OFFSET_NOT_AVAILABLE.code(), null),
                                        -1,
                                        -1,
                                        -1)));
        rig.step();
        assertThat(rig.channel(0).next(WireRequest.ListOffsets.class)).as("not in a spin").isNull();
        assertThat(w.status().message()).contains("OFFSET_NOT_AVAILABLE");
        rig.advance(FetchExecutor.ERROR_BACKOFF_MS);
        rig.step();
        assertThat(rig.channel(0).next(WireRequest.ListOffsets.class)).isNotNull();
    }

    @Test
    void aPausedPartition_isLeftOutOfTheRequest_untilItWantsMore() {
        FetchRig.Sink full = new FetchRig.Sink();
        FetchRig.Sink other = new FetchRig.Sink();
        rig.engine.add(G1, t0, 0, full);
        rig.engine.add(G1, t1, 0, other);
        rig.step();
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(
                                1,
                                parts(
                                        t0,
                                        rig.data("t", 1, batch(0, -1, "a")),
                                        t1,
                                        rig.data("t", 0))));
        full.wants = false;
        rig.step();

        WireRequest.Fetch f = request(rig.fetch(0));
        assertThat(partitionsOf(f)).doesNotContain(t0);
        assertThat(f.session().forgotten()).extracting(p -> p.topicPartition()).containsExactly(t0);
        assertThat(rig.engine.worker(G1, t0).status().code()).isEqualTo(FetchStatus.Code.PAUSED);

        full.wants = true;
        rig.engine.worker(G1, t0).wakeup();
        rig.channel(0).respond(rig.fetch(0), answer(1, parts()));
        rig.step();
        WireRequest.Fetch resumed = request(rig.fetch(0));
        assertThat(partitionsOf(resumed)).containsExactly(t0);
        assertThat(offsetOf(resumed, t0)).isEqualTo(1);
        assertThat(rig.engine.worker(G1, t0).status()).isEqualTo(FetchStatus.FETCHING);
    }

    @Test
    void aLaneWithEveryPartitionPaused_sendsNothing() {
        FetchRig.Sink s = new FetchRig.Sink();
        s.wants = false;
        rig.engine.add(G1, t0, 0, s);
        rig.step();
        assertThat(rig.channel(0).history()).isEmpty();
    }

    @Test
    void aRemovedWorker_isNeverCalledAgain_andTheAnswerInFlightIsDropped() {
        FetchRig.Sink s = new FetchRig.Sink();
        FetchWorker w = rig.engine.add(G1, t0, 0, s);
        FetchRig.Sink stays = new FetchRig.Sink();
        rig.engine.add(G1, t1, 0, stays);
        rig.step();
        FakeNodeChannel.Sent<FetchResult> inFlight = rig.fetch(0);
        assertThat(partitionsOf(request(inFlight))).containsExactly(t0, t1);
        rig.engine.remove(w);
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.STOPPED);
        rig.channel(0)
                .respond(
                        inFlight,
                        answer(
                                1,
                                parts(
                                        t0,
                                        rig.data("t", 1, batch(0, -1, "a")),
                                        t1,
                                        rig.data("t", 1, batch(0, -1, "b")))));
        rig.step();
        assertThat(stays.calls).as("the answer was taken").containsExactly("b@1");
        assertThat(s.calls).isEmpty();
        assertThat(partitionsOf(request(rig.fetch(0)))).doesNotContain(t0);
        assertThat(rig.engine.worker(G1, t0)).isNull();
    }

    @Test
    void theLastWorkerOfALane_leaving_closesItsSession_andTheExecutorStops() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        rig.channel(0).respond(rig.fetch(0), answer(42, parts(t0, rig.data("t", 0))));
        rig.step();
        FakeNodeChannel.Sent<FetchResult> next = rig.fetch(0);
        rig.engine.remove(w);
        rig.channel(0).respond(next, answer(42, parts()));
        rig.step();
        assertThat(rig.engine.executor(0)).as("no worker left: the mapper stopped it").isNull();
        assertThat(rig.channel(0).closed()).isTrue();
    }

    @Test
    void addingTheSamePartitionTwiceToALane_isRefused() {
        rig.engine.add(G1, t0, 0, new FetchRig.Sink());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> rig.engine.add(G1, t0, 5, new FetchRig.Sink()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already fetches t-0");
    }

    @Test
    void unknownTopicOrPartition_refreshesMetadata_andSaysSoWhenTheTopicIsGone() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        kafka.topicError("t", "UNKNOWN_TOPIC_OR_PARTITION");
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.UNKNOWN_TOPIC_OR_PARTITION))));
        rig.step();
        assertThat(rig.refreshes).contains("t");
        rig.advance(100);
        rig.step();
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.TOPIC_MISSING);
        assertThat(w.status().message()).contains("topic 't' does not exist");
        assertThat(rig.fetches(0))
                .allSatisfy(x -> assertThat(partitionsOf(request(x))).doesNotContain(t0));
    }

    @Test
    void anotherPartitionError_backsThePartitionOff() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.KAFKA_STORAGE_ERROR))));
        rig.step();
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.ERROR);
        assertThat(rig.channel(0).next(WireRequest.Fetch.class))
                .as("waits out the backoff")
                .isNull();
        rig.advance(FetchExecutor.ERROR_BACKOFF_MS);
        rig.step();
        WireRequest.Fetch again = request(rig.fetch(0));
        assertThat(again.session().forgotten())
                .as("still in the session (no round went out meanwhile), at its position")
                .isEmpty();
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
    }

    @Test
    void topicAuthorizationFailed_saysSo_andRetriesAfterTheBackoff() {
        FetchWorker w = add(G1, t0, 0, new FetchRig.Sink());
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        answer(1, parts(t0, rig.error("t", Errors.TOPIC_AUTHORIZATION_FAILED))));
        rig.step();
        assertThat(w.status().code()).isEqualTo(FetchStatus.Code.NOT_AUTHORIZED);
        assertThat(w.status().message()).contains("refuses to let this client read 't'");
        assertThat(rig.fetch(0)).isNull();
        rig.advance(FetchExecutor.ERROR_BACKOFF_MS);
        rig.step();
        assertThat(rig.fetch(0)).isNotNull();
        assertThat(w.status()).isEqualTo(FetchStatus.FETCHING);
    }

    @Test
    void aThrottledAnswer_holdsTheLanesNextFetch() {
        add(G1, t0, 0, new FetchRig.Sink());
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        new FetchResult(
                                WireError.NONE, 1, 300, (short) 18, parts(t0, rig.data("t", 0))));
        rig.step();
        assertThat(rig.fetch(0)).as("throttled").isNull();
        rig.advance(299);
        rig.step();
        assertThat(rig.fetch(0)).isNull();
        rig.advance(1);
        rig.step();
        assertThat(rig.fetch(0)).isNotNull();
    }

    @Test
    void aSessionError_ignoresTheAnswer_andTheNextRoundIsFull() {
        FetchRig.Sink s = new FetchRig.Sink();
        add(G1, t0, 0, s);
        rig.channel(0).respond(rig.fetch(0), answer(42, parts(t0, rig.data("t", 0))));
        rig.step();
        rig.channel(0)
                .respond(
                        rig.fetch(0),
                        new FetchResult(
                                WireError.of(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), null),
                                0,
                                0,
                                (short) 18,
                                Map.of()));
        rig.step();
        assertThat(request(rig.fetch(0)).session().isFull()).isTrue();
        assertThat(s.calls).isEmpty();
    }
}
