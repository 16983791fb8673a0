package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.HeartbeatResult;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The membership loop stepped over {@link FakeKafka} with a fake clock: batched coordinator
 * lookups, one coordinator channel per node (never the control one), topic ids through metadata,
 * coordinator moves and failures, leave.
 */
class MembershipLoopTest {
    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 0, 0, 0).topic("u", 1);
    private long now = 10_000;
    private final MembershipLoop loop =
            MembershipLoop.builder(MembershipSettings.defaults())
                    .name("test")
                    .channels(kafka)
                    .bootstrap(
                            List.of(
                                    new Node(-1, "localhost", 9000),
                                    new Node(-2, "localhost", 9001)))
                    .clock(() -> now)
                    .stepped()
                    .start();
    private final Map<String, RecordingListener> listeners = new HashMap<>();

    @AfterEach
    void close() {
        loop.close();
    }

    private GroupMember join(String group, String... topics) {
        RecordingListener l = new RecordingListener();
        listeners.put(group, l);
        return loop.join(group, List.of(topics), l);
    }

    /** Steps a few times at the same instant (answers arrive on the step after the send). */
    private void steps() {
        for (int i = 0; i < 4; i++) {
            loop.step(now);
            for (String g : listeners.keySet()) {
                GroupMember m = loop.member(g);
                if (m != null) {
                    assertThat(m.invariantViolations()).as(g).isEmpty();
                }
            }
        }
    }

    private FakeNodeChannel group(int node) {
        return kafka.channel(node, "group");
    }

    /** The heartbeat of {@code groupId} in flight on {@code c} (fails when there is none). */
    private static FakeNodeChannel.Sent<HeartbeatResult> heartbeat(
            FakeNodeChannel c, String groupId) {
        for (FakeNodeChannel.Sent<?> s : c.inFlightRequests()) {
            if (s.request() instanceof WireRequest.ConsumerGroupHeartbeat h
                    && h.groupId().equals(groupId)) {
                @SuppressWarnings("unchecked")
                FakeNodeChannel.Sent<HeartbeatResult> hs =
                        (FakeNodeChannel.Sent<HeartbeatResult>) s;
                return hs;
            }
        }
        throw new AssertionError("no heartbeat of " + groupId + " in flight on " + c);
    }

    private static WireRequest.ConsumerGroupHeartbeat request(
            FakeNodeChannel.Sent<HeartbeatResult> s) {
        return (WireRequest.ConsumerGroupHeartbeat) s.request();
    }

    private void ok(FakeNodeChannel c, GroupMember m, int epoch, Map<Uuid, Set<Integer>> a) {
        c.respond(
                heartbeat(c, m.groupId()),
                new HeartbeatResult(WireError.NONE, m.memberId(), epoch, 1_000, a));
        steps();
    }

    private void error(FakeNodeChannel c, GroupMember m, Errors e) {
        c.respond(
                heartbeat(c, m.groupId()),
                new HeartbeatResult(WireError.of(e.code(), null), null, -1, 0, null));
        steps();
    }

    private long findCoordinators() {
        return kafka.opened().stream()
                .filter(c -> c.purpose().equals("control"))
                .flatMap(c -> c.history().stream())
                .filter(r -> r instanceof WireRequest.FindCoordinator)
                .count();
    }

    /** Joins {@code g} on t and gets {@code partitions}, acknowledged. */
    private GroupMember stable(String g, Set<Integer> partitions) {
        GroupMember m = join(g, "t");
        steps();
        ok(group(0), m, 1, Map.of(kafka.topicId("t"), partitions));
        ok(group(0), m, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        return m;
    }

    @Test
    void manyGroups_shareOneFindCoordinator_andOneCoordinatorChannel_neverTheControlOne() {
        join("g1", "t");
        join("g2", "t");
        join("g3", "u");
        steps();
        assertThat(findCoordinators()).as("one lookup for three groups").isEqualTo(1);
        WireRequest.FindCoordinator f =
                (WireRequest.FindCoordinator) kafka.control().history().get(0);
        assertThat(f.groups()).containsExactlyInAnyOrder("g1", "g2", "g3");
        assertThat(group(0).inFlightRequests())
                .as("three joins on node 0's group channel")
                .hasSize(3);
        assertThat(kafka.control().history())
                .noneMatch(r -> r instanceof WireRequest.ConsumerGroupHeartbeat);
        assertThat(kafka.opened())
                .extracting(FakeNodeChannel::purpose)
                .containsExactly("control", "group");
    }

    @Test
    void assignmentByTopicId_isMappedThroughMetadata_thenAcknowledged() {
        GroupMember m = join("g", "t");
        steps();
        ok(group(0), m, 1, Map.of(kafka.topicId("t"), Set.of(0, 2)));
        assertThat(kafka.control().history())
                .as("the id was not known: metadata of the subscribed topics")
                .anyMatch(
                        r ->
                                r instanceof WireRequest.Metadata md
                                        && md.topics().equals(List.of("t")));
        assertThat(listeners.get("g").events).containsExactly("assigned t-0,t-2");
        WireRequest.ConsumerGroupHeartbeat ack = request(heartbeat(group(0), "g"));
        assertThat(ack.ownedPartitions()).isEqualTo(Map.of(kafka.topicId("t"), Set.of(0, 2)));
        ok(group(0), m, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        assertThat(loop.step(now)).as("next heartbeat after the interval").isEqualTo(now + 1_000);
    }

    @Test
    void notCoordinatorRightAfterFindCoordinator_findsItAgain_andJoinsThen() {
        GroupMember m = join("g", "t");
        steps();
        error(group(0), m, Errors.NOT_COORDINATOR); // a fresh cluster still loading the group
        assertThat(findCoordinators()).isEqualTo(1);
        now += 100;
        steps();
        assertThat(findCoordinators()).as("found again after the backoff").isEqualTo(2);
        WireRequest.ConsumerGroupHeartbeat again = request(heartbeat(group(0), "g"));
        assertThat(again.memberEpoch()).isZero();
        assertThat(again.memberId()).isEqualTo(m.memberId());
        ok(group(0), m, 1, Map.of(kafka.topicId("t"), Set.of(0)));
        assertThat(listeners.get("g").events).containsExactly("assigned t-0");
    }

    @Test
    void coordinatorMoved_heartbeatsGoToTheNewNode_andTheOldChannelIsClosed() {
        GroupMember m = stable("g", Set.of(0, 1));
        kafka.control()
                .autoRespond(
                        WireRequest.FindCoordinator.class,
                        f -> Map.of("g", new Coordinator("g", kafka.node(1), WireError.NONE)));
        FakeNodeChannel old = group(0);
        now += 1_000;
        steps();
        error(old, m, Errors.NOT_COORDINATOR);
        now += 100;
        steps();
        assertThat(old.closed()).as("no group uses node 0 now").isTrue();
        WireRequest.ConsumerGroupHeartbeat h = request(heartbeat(group(1), "g"));
        assertThat(h.memberEpoch()).isEqualTo(1);
        assertThat(h.ownedPartitions())
                .as("every field to the new coordinator")
                .isEqualTo(Map.of(kafka.topicId("t"), Set.of(0, 1)));
        ok(group(1), m, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        assertThat(listeners.get("g").events).containsExactly("assigned t-0,t-1");
    }

    @Test
    void coordinatorConnectionLost_withAHeartbeatInFlight_findsItAgain_andResends() {
        GroupMember m = stable("g", Set.of(0));
        now += 1_000;
        steps();
        FakeNodeChannel first = group(0);
        first.failConnection(WireFailure.disconnected("connection reset"));
        steps();
        assertThat(findCoordinators()).isEqualTo(1);
        now += 100;
        steps(); // found again, but the node is still down: the channel goes, found again later
        assertThat(first.closed()).isTrue();
        now += 200;
        steps();
        assertThat(findCoordinators()).isEqualTo(3);
        assertThat(group(0)).as("a new connection").isNotSameAs(first);
        WireRequest.ConsumerGroupHeartbeat h = request(heartbeat(group(0), "g"));
        assertThat(h.subscribedTopicNames())
                .as("every field after a lost answer")
                .containsExactly("t");
        assertThat(h.memberEpoch()).isEqualTo(1);
        ok(group(0), m, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
    }

    @Test
    void controlConnectionFailure_triesTheNextBootstrapNode_afterABackoff() {
        kafka.connectOnOpen(false);
        join("g", "t");
        steps();
        kafka.control().failConnection(WireFailure.disconnected("refused"));
        steps();
        assertThat(kafka.control().node().port()).isEqualTo(9000);
        now += 100;
        steps();
        assertThat(kafka.control().node().port()).as("the second bootstrap node").isEqualTo(9001);
        kafka.control().connect();
        steps();
        assertThat(findCoordinators()).isEqualTo(1);
    }

    @Test
    void aFindCoordinatorWithoutAnswer_closesTheControlChannelAfterItsPoll_andTriesTheNextNode() {
        kafka.connectOnOpen(false);
        join("g", "t");
        loop.step(now); // opens the control channel, not connected yet
        FakeNodeChannel first = kafka.control();
        first.stopAutoResponding(WireRequest.FindCoordinator.class).connect();
        kafka.connectOnOpen(true);
        steps();
        FakeNodeChannel.Sent<Map<String, Coordinator>> lookup =
                first.next(WireRequest.FindCoordinator.class);
        first.fail(lookup, WireFailure.disconnected("connection reset"));
        steps();
        assertThat(first.closed()).isTrue();
        now += 100;
        steps();
        assertThat(kafka.control()).isNotSameAs(first);
        assertThat(kafka.control().node().port()).isEqualTo(9001);
        assertThat(findCoordinators()).isEqualTo(2);
        assertThat(group(0).inFlightRequests()).as("the join went out").hasSize(1);
    }

    @Test
    void leave_revokesEverything_sendsTheLeave_thenForgetsTheMember_andClosesItsChannel() {
        GroupMember m = stable("g", Set.of(0, 1));
        CompletableFuture<MemberState> left = loop.leave("g");
        steps();
        RecordingListener l = listeners.get("g");
        assertThat(l.events).last().isEqualTo("revoked t-0,t-1 grace 3000");
        assertThat(left).isNotDone();
        l.completeRevocation();
        steps();
        WireRequest.ConsumerGroupHeartbeat leave = request(heartbeat(group(0), "g"));
        assertThat(leave.memberEpoch()).isEqualTo(-1);
        ok(group(0), m, -1, null);
        assertThat(left).isCompletedWithValue(MemberState.LEFT);
        assertThat(loop.member("g")).isNull();
        assertThat(group(0).closed()).isTrue();
        assertThat(loop.leave("g"))
                .as("leaving again: nothing to do")
                .isCompletedWithValue(MemberState.LEFT);
    }

    @Test
    void join_rightAfterALeaveCompleted_isANewMember_butASecondLiveOneIsRefused() {
        GroupMember first = join("g", "t");
        assertThatThrownBy(() -> join("g", "t"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("group g already has a member in this process");
        CompletableFuture<MemberState> left = loop.leave("g");
        loop.step(now); // never joined: LEFT at once
        assertThat(left).isCompletedWithValue(MemberState.LEFT);
        GroupMember second = join("g", "t");
        assertThat(second.memberId()).isNotEqualTo(first.memberId());
        steps();
        assertThat(request(heartbeat(group(0), "g")).memberId()).isEqualTo(second.memberId());
    }

    @Test
    void close_withoutLeaving_losesThePartitions_andEndsTheMembers() {
        GroupMember m = stable("g", Set.of(0, 1));
        GroupMember pending = join("h", "t"); // joined, not yet stepped
        FakeNodeChannel coordinator = group(0);
        loop.close();
        assertThat(listeners.get("g").events).last().isEqualTo("lost t-0,t-1");
        assertThat(m.terminated()).isCompletedWithValue(MemberState.LEFT);
        assertThat(pending.terminated()).isCompletedWithValue(MemberState.LEFT);
        assertThat(coordinator.closed()).isTrue();
        assertThat(coordinator.history())
                .as("no leave heartbeat: a close is not a leave")
                .noneMatch(
                        r ->
                                r instanceof WireRequest.ConsumerGroupHeartbeat h
                                        && h.memberEpoch() == -1);
    }

    @Test
    void aFencedMember_rejoinsThroughTheLoop_withTheSameId() {
        GroupMember m = stable("g", Set.of(0));
        now += 1_000;
        steps();
        error(group(0), m, Errors.FENCED_MEMBER_EPOCH);
        WireRequest.ConsumerGroupHeartbeat rejoin = request(heartbeat(group(0), "g"));
        assertThat(rejoin.memberEpoch()).isZero();
        assertThat(rejoin.memberId()).isEqualTo(m.memberId());
        assertThat(listeners.get("g").events).containsExactly("assigned t-0", "lost t-0");
    }
}
