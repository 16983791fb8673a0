package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.wire.HeartbeatResult;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The KIP-848 member state machine alone, stepped with a fake clock: the loop's part (coordinator
 * lookups, channels) is played by the test, one test per protocol rule of CONSUME-NOTES section 1
 * and per error the member handles.
 */
class GroupMemberTest {
    private static final Uuid T = Uuid.randomUuid();
    private static final Uuid U = Uuid.randomUuid();

    private final Map<Uuid, String> names = new HashMap<>(Map.of(T, "t"));
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger wakeups = new AtomicInteger();
    private final MembershipSettings settings = MembershipSettings.defaults();
    private final GroupMember m =
            new GroupMember(
                    "g", List.of("t"), settings, listener, names::get, wakeups::incrementAndGet);
    private long now = 1_000;

    @AfterEach
    void invariantsHold() {
        assertThat(m.invariantViolations()).isEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Starts the member and marks its coordinator found, as the loop does. */
    private void started() {
        m.start(now);
        m.coordinatorFound();
    }

    /** The heartbeat due now (fails the test when none is). */
    private WireRequest.ConsumerGroupHeartbeat send() {
        m.step(now);
        assertThat(m.invariantViolations()).isEmpty();
        assertThat(m.heartbeatDue(now)).as("a heartbeat is due at %d (%s)", now, m).isTrue();
        return m.heartbeat(now);
    }

    private void answer(
            WireRequest.ConsumerGroupHeartbeat h, int epoch, Map<Uuid, Set<Integer>> assignment) {
        m.onHeartbeat(
                h,
                Outcome.ok(
                        new HeartbeatResult(
                                WireError.NONE, m.memberId(), epoch, 1_000, assignment)),
                now);
        m.step(now);
        assertThat(m.invariantViolations()).isEmpty();
    }

    private void answerError(WireRequest.ConsumerGroupHeartbeat h, Errors e) {
        m.onHeartbeat(
                h,
                Outcome.ok(new HeartbeatResult(WireError.of(e.code(), null), null, -1, 0, null)),
                now);
        m.step(now);
        assertThat(m.invariantViolations()).isEmpty();
    }

    /** Joins and gets {@code t-0..t-(n-1)}, acknowledged: STABLE at epoch 1. */
    private void stableWith(int n) {
        started();
        answer(send(), 1, Map.of(T, range(n)));
        answer(send(), 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
    }

    private static Set<Integer> range(int n) {
        Set<Integer> s = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add(i);
        }
        return s;
    }

    private static Set<TopicPartition> tps(String topic, int... ps) {
        Set<TopicPartition> s = new java.util.LinkedHashSet<>();
        for (int p : ps) {
            s.add(new TopicPartition(topic, p));
        }
        return s;
    }

    // ---- join ----------------------------------------------------------------------------------

    @Test
    void join_sendsEpochZero_everyField_andAnEmptyOwnedList_underAUuidMemberId() {
        assertThat(m.state()).isEqualTo(MemberState.UNSUBSCRIBED);
        assertThat(m.heartbeatDue(now)).as("nothing before start").isFalse();
        started();
        WireRequest.ConsumerGroupHeartbeat h = send();
        assertThat(m.state()).isEqualTo(MemberState.JOINING);
        assertThat(h.memberEpoch()).isZero();
        assertThat(h.memberId()).isEqualTo(m.memberId());
        assertThat(Uuid.fromString(m.memberId())).as("a UUID the client made").isNotNull();
        assertThat(h.rebalanceTimeoutMs()).isEqualTo(60_000);
        assertThat(h.subscribedTopicNames()).containsExactly("t");
        assertThat(h.ownedPartitions()).as("an EMPTY list, never null, on join").isEmpty();
        assertThat(h.ownedPartitions()).isNotNull();
        assertThat(m.heartbeatDue(now)).as("one heartbeat in flight at a time").isFalse();
    }

    @Test
    void assignment_byTopicId_isReportedByName_acknowledged_thenStableHeartbeatsSendNulls() {
        started();
        answer(send(), 3, Map.of(T, Set.of(0, 1)));
        assertThat(listener.events).containsExactly("assigned t-0,t-1");
        assertThat(m.state()).isEqualTo(MemberState.ACKNOWLEDGING);
        assertThat(m.owned()).isEqualTo(tps("t", 0, 1));
        assertThat(m.memberEpoch()).as("the commit path needs it").isEqualTo(3);

        WireRequest.ConsumerGroupHeartbeat ack = send();
        assertThat(ack.memberEpoch()).isEqualTo(3);
        assertThat(ack.ownedPartitions()).isEqualTo(Map.of(T, Set.of(0, 1)));
        answer(ack, 3, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);

        assertThat(m.heartbeatDue(now + 999)).as("interval from the answer").isFalse();
        now += 1_000;
        WireRequest.ConsumerGroupHeartbeat steady = send();
        assertThat(steady.ownedPartitions()).as("unchanged: null").isNull();
        assertThat(steady.subscribedTopicNames()).isNull();
        assertThat(steady.rebalanceTimeoutMs()).isEqualTo(-1);
    }

    @Test
    void subscribe_sendsTheNewTopicsAtOnce_inTheNextHeartbeat_thenNullAgain() {
        stableWith(2);
        int woken = wakeups.get();
        m.subscribe(List.of("u", "t"));
        assertThat(wakeups.get()).as("the loop is woken").isGreaterThan(woken);
        assertThat(m.topics()).as("taken by the loop's step").containsExactly("t");
        WireRequest.ConsumerGroupHeartbeat h = send(); // no time passed: sent at once
        assertThat(h.subscribedTopicNames()).containsExactly("t", "u");
        assertThat(h.memberEpoch()).isEqualTo(1);
        assertThat(m.topics()).containsExactly("t", "u");
        names.put(U, "u");
        answer(h, 2, Map.of(T, range(2), U, Set.of(0)));
        assertThat(listener.events).contains("assigned u-0");
        WireRequest.ConsumerGroupHeartbeat ack = send();
        assertThat(ack.subscribedTopicNames()).as("received: not sent again").isNull();
        answer(ack, 2, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        m.subscribe(List.of("t", "u"));
        m.step(now);
        assertThat(m.heartbeatDue(now)).as("the same subscription: nothing to send").isFalse();
    }

    @Test
    void subscribe_whileAHeartbeatIsInFlight_isSentAfterIt_andAgainAfterALostAnswer() {
        stableWith(1);
        now += 1_000;
        WireRequest.ConsumerGroupHeartbeat steady = send();
        m.subscribe(List.of("t", "u"));
        m.step(now);
        assertThat(m.heartbeatDue(now)).as("one in flight at a time").isFalse();
        answer(steady, 1, null);
        WireRequest.ConsumerGroupHeartbeat h = send();
        assertThat(h.subscribedTopicNames()).containsExactly("t", "u");
        m.onHeartbeat(h, Outcome.failed(WireFailure.disconnected("gone")), now);
        m.coordinatorFound();
        now += settings.retryBackoffMs();
        WireRequest.ConsumerGroupHeartbeat again = send();
        assertThat(again.subscribedTopicNames()).containsExactly("t", "u");
    }

    @Test
    void subscribe_toNothing_isRefused() {
        assertThatThrownBy(() -> m.subscribe(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one topic");
    }

    @Test
    void assignment_ofATopicIdNotKnownYet_staysPending_andIsAssignedOnceKnown() {
        started();
        answer(send(), 1, Map.of(T, Set.of(0), U, Set.of(0, 1)));
        assertThat(listener.events).containsExactly("assigned t-0");
        assertThat(m.unresolvedTopicIds()).as("the loop refreshes metadata").containsExactly(U);
        answer(send(), 1, null); // acknowledges t-0
        assertThat(m.state())
                .as("not stable while partitions are pending")
                .isEqualTo(MemberState.RECONCILING);

        names.put(U, "u");
        m.step(now);
        assertThat(listener.events).containsExactly("assigned t-0", "assigned u-0,u-1");
        assertThat(m.unresolvedTopicIds()).isEmpty();
        WireRequest.ConsumerGroupHeartbeat ack = send();
        assertThat(ack.ownedPartitions()).isEqualTo(Map.of(T, Set.of(0), U, Set.of(0, 1)));
        answer(ack, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
    }

    // ---- revocation ----------------------------------------------------------------------------

    @Test
    void revocation_waitsForTheListener_keepsReportingTheOldSet_thenTheReducedOne_thenAssigns() {
        stableWith(3);
        now += 1_000;
        answer(send(), 2, Map.of(T, Set.of(0, 3)));
        assertThat(listener.events)
                .containsExactly("assigned t-0,t-1,t-2", "revoked t-1,t-2 grace 3000");
        assertThat(m.state()).isEqualTo(MemberState.RECONCILING);
        assertThat(m.owned())
                .as("owned until done: acks still commit")
                .isEqualTo(tps("t", 0, 1, 2));

        // acks pending: the listener waits its grace; heartbeats go on, never null meanwhile
        now += 1_000;
        WireRequest.ConsumerGroupHeartbeat during = send();
        assertThat(during.ownedPartitions())
                .as("explicit while revoking (null would mean 'still owns everything')")
                .isEqualTo(Map.of(T, Set.of(0, 1, 2)));
        answer(during, 2, null);
        assertThat(listener.events).hasSize(2);

        now += 2_000; // the grace ran out; the listener committed what was acked
        listener.completeRevocation();
        assertThat(wakeups.get()).as("done() wakes the loop").isPositive();
        m.step(now);
        assertThat(listener.events)
                .containsExactly(
                        "assigned t-0,t-1,t-2", "revoked t-1,t-2 grace 3000", "assigned t-3");
        assertThat(m.state()).isEqualTo(MemberState.ACKNOWLEDGING);
        WireRequest.ConsumerGroupHeartbeat ack = send();
        assertThat(ack.ownedPartitions()).isEqualTo(Map.of(T, Set.of(0, 3)));
        answer(ack, 2, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        assertThat(m.owned()).isEqualTo(tps("t", 0, 3));
    }

    @Test
    void revocation_toNothing_reportsAnEmptyOwnedList_notNull() {
        stableWith(2);
        now += 1_000;
        answer(send(), 2, Map.of());
        listener.completeRevocation();
        m.step(now);
        WireRequest.ConsumerGroupHeartbeat ack = send();
        assertThat(ack.ownedPartitions()).isNotNull().isEmpty();
    }

    @Test
    void aNewAssignmentDuringARevocation_isReconciledAfterIt() {
        stableWith(3);
        now += 1_000;
        answer(send(), 2, Map.of(T, Set.of(0)));
        now += 1_000;
        answer(send(), 3, Map.of(T, Set.of(1))); // t-1 comes back; t-0 goes too now
        assertThat(listener.revocations).as("one revocation at a time").hasSize(1);
        listener.completeRevocation();
        m.step(now);
        assertThat(listener.events)
                .containsExactly(
                        "assigned t-0,t-1,t-2",
                        "revoked t-1,t-2 grace 3000",
                        "revoked t-0 grace 3000");
        listener.completeRevocation();
        m.step(now);
        assertThat(listener.events).last().isEqualTo("assigned t-1");
        assertThat(m.owned()).isEqualTo(tps("t", 1));
    }

    @Test
    void revocationDone_fromAnotherThread_isTakenByTheNextStep() throws InterruptedException {
        stableWith(1);
        now += 1_000;
        answer(send(), 2, Map.of());
        Thread consumer = new Thread(listener::completeRevocation, "consumer");
        consumer.start();
        consumer.join();
        assertThat(m.owned()).as("the loop thread applies it, not the caller").hasSize(1);
        m.step(now);
        assertThat(m.owned()).isEmpty();
        assertThat(m.state()).isEqualTo(MemberState.ACKNOWLEDGING);
    }

    // ---- fencing -------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"FENCED_MEMBER_EPOCH", "UNKNOWN_MEMBER_ID"})
    void fenced_losesEverythingWithoutRevoking_andRejoinsWithEpochZeroAndTheSameId(Errors e) {
        stableWith(2);
        String id = m.memberId();
        now += 1_000;
        answerError(send(), e);
        assertThat(listener.events).containsExactly("assigned t-0,t-1", "lost t-0,t-1");
        assertThat(listener.revocations).as("no commit: lost, not revoked").isEmpty();
        assertThat(m.owned()).isEmpty();
        assertThat(m.state()).isEqualTo(MemberState.JOINING);
        WireRequest.ConsumerGroupHeartbeat rejoin = send();
        assertThat(rejoin.memberEpoch()).isZero();
        assertThat(rejoin.memberId()).isEqualTo(id);
        assertThat(rejoin.ownedPartitions()).isNotNull().isEmpty();
        assertThat(rejoin.subscribedTopicNames()).containsExactly("t");
        answer(rejoin, 5, Map.of(T, Set.of(1)));
        assertThat(listener.events).last().isEqualTo("assigned t-1");
        assertThat(m.memberEpoch()).isEqualTo(5);
    }

    @Test
    void fencedDuringARevocation_losesAll_andALateDoneIsIgnored() {
        stableWith(2);
        now += 1_000;
        answer(send(), 2, Map.of(T, Set.of(0)));
        MembershipListener.Revocation late = listener.revocations.get(0);
        now += 1_000;
        answerError(send(), Errors.FENCED_MEMBER_EPOCH);
        assertThat(listener.events).last().isEqualTo("lost t-0,t-1");
        answer(send(), 4, Map.of(T, Set.of(0, 1)));
        late.done();
        m.step(now);
        assertThat(m.owned()).as("the late done() changed nothing").isEqualTo(tps("t", 0, 1));
        assertThat(listener.events).last().isEqualTo("assigned t-0,t-1");
    }

    @Test
    void fencedAgainWhileJoining_backsOff_insteadOfRejoiningInALoop() {
        started();
        answerError(send(), Errors.UNKNOWN_MEMBER_ID);
        assertThat(m.state()).isEqualTo(MemberState.JOINING);
        assertThat(m.heartbeatDue(now)).as("a refused join waits a backoff").isFalse();
        now += settings.retryBackoffMs();
        assertThat(send().memberEpoch()).isZero();
    }

    // ---- lost answers, coordinator errors ------------------------------------------------------

    @Test
    void lostHeartbeatResponse_resendsEveryField_withTheSameEpochAndOwnedSet_afterABackoff() {
        stableWith(2);
        now += 1_000;
        WireRequest.ConsumerGroupHeartbeat h = send();
        m.onHeartbeat(
                h, Outcome.failed(new WireFailure(WireFailure.Kind.TIMEOUT, "timed out")), now);
        assertThat(m.needsCoordinator()).as("find the coordinator again").isTrue();
        m.coordinatorFound();
        assertThat(m.heartbeatDue(now)).as("backoff").isFalse();
        now += settings.retryBackoffMs();
        WireRequest.ConsumerGroupHeartbeat again = send();
        assertThat(again.memberEpoch()).as("same epoch: the coordinator accepts it").isEqualTo(1);
        assertThat(again.ownedPartitions()).isEqualTo(Map.of(T, Set.of(0, 1)));
        assertThat(again.subscribedTopicNames())
                .as("every field after an error")
                .containsExactly("t");
        assertThat(again.rebalanceTimeoutMs()).isEqualTo(60_000);
        assertThat(listener.events).as("nothing lost").containsExactly("assigned t-0,t-1");
    }

    @ParameterizedTest
    @CsvSource({"NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS"})
    void coordinatorError_findsTheCoordinatorAgain_withAGrowingBackoff(Errors e) {
        stableWith(1);
        now += 1_000;
        answerError(send(), e);
        assertThat(m.needsCoordinator()).isTrue();
        assertThat(m.coordinatorLookupDue(now)).isFalse();
        now += 100;
        assertThat(m.coordinatorLookupDue(now)).isTrue();
        m.coordinatorFound();
        answerError(send(), e);
        m.coordinatorFound();
        now += 100;
        assertThat(m.heartbeatDue(now)).as("second failure: 200 ms").isFalse();
        now += 100;
        WireRequest.ConsumerGroupHeartbeat h = send();
        assertThat(h.subscribedTopicNames()).isNotNull();
        answer(h, 1, null);
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        assertThat(listener.events).containsExactly("assigned t-0");
    }

    @Test
    void aRetriableErrorNotOfTheCoordinator_isRetriedOnTheSameCoordinator() {
        stableWith(1);
        now += 1_000;
        answerError(send(), Errors.REQUEST_TIMED_OUT);
        assertThat(m.needsCoordinator()).isFalse();
        assertThat(m.state()).isEqualTo(MemberState.STABLE);
        now += 100;
        assertThat(send().subscribedTopicNames()).as("every field again").isNotNull();
    }

    // ---- fatal ---------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "GROUP_AUTHORIZATION_FAILED, NOT_AUTHORIZED",
        "INVALID_REQUEST, INVALID_REQUEST",
        "UNSUPPORTED_ASSIGNOR, UNSUPPORTED_ASSIGNOR",
        "GROUP_MAX_SIZE_REACHED, GROUP_MAX_SIZE_REACHED",
        "UNSUPPORTED_VERSION, UNSUPPORTED_VERSION",
        "UNKNOWN_SERVER_ERROR, UNEXPECTED"
    })
    void fatalError_stopsTheMember_losesItsPartitions_andSaysWhy(
            Errors e, MembershipFailure.Code code) {
        stableWith(1);
        now += 1_000;
        answerError(send(), e);
        assertThat(m.state()).isEqualTo(MemberState.FATAL);
        assertThat(m.failure().code()).isEqualTo(code);
        assertThat(m.failure().kafkaError()).isEqualTo(e.name());
        assertThat(m.failure().message()).startsWith("group g: the coordinator refused");
        assertThat(listener.events).containsExactly("assigned t-0", "lost t-0", "failed " + code);
        assertThat(m.terminated()).isCompletedWithValue(MemberState.FATAL);
        now += 10_000;
        assertThat(m.heartbeatDue(now)).as("nothing more is sent").isFalse();
    }

    @Test
    void authenticationFailureOfTheCoordinatorConnection_isFatal() {
        started();
        m.connectionFailed(new WireFailure(WireFailure.Kind.AUTHENTICATION, "bad password"), now);
        assertThat(m.state()).isEqualTo(MemberState.FATAL);
        assertThat(m.failure().code()).isEqualTo(MembershipFailure.Code.AUTHENTICATION);
        assertThat(m.failure().message()).contains("bad password");
    }

    @Test
    void findCoordinatorRefusal_isFatal_butNotAvailableIsRetried() {
        started();
        m.coordinatorLookupFailed(WireError.of(Errors.COORDINATOR_NOT_AVAILABLE.code(), null), now);
        assertThat(m.state()).isEqualTo(MemberState.JOINING);
        m.coordinatorLookupFailed(
                WireError.of(Errors.GROUP_AUTHORIZATION_FAILED.code(), null), now);
        assertThat(m.state()).isEqualTo(MemberState.FATAL);
        assertThat(m.failure().code()).isEqualTo(MembershipFailure.Code.NOT_AUTHORIZED);
    }

    // ---- leave ---------------------------------------------------------------------------------

    @Test
    void leave_revokesEverything_thenSendsEpochMinusOne_thenLeft() {
        stableWith(2);
        m.leave(now);
        assertThat(m.state()).isEqualTo(MemberState.PREPARE_LEAVING);
        assertThat(listener.events).last().isEqualTo("revoked t-0,t-1 grace 3000");
        now += 1_000;
        WireRequest.ConsumerGroupHeartbeat during = send();
        assertThat(during.memberEpoch()).as("heartbeats go on while revoking").isEqualTo(1);
        answer(during, 1, null);
        listener.completeRevocation();
        m.step(now);
        assertThat(m.state()).isEqualTo(MemberState.LEAVING);
        WireRequest.ConsumerGroupHeartbeat leave = send();
        assertThat(leave.memberEpoch()).isEqualTo(-1);
        assertThat(leave.memberId()).isEqualTo(m.memberId());
        answer(leave, -1, null);
        assertThat(m.state()).isEqualTo(MemberState.LEFT);
        assertThat(m.memberEpoch()).isEqualTo(-1);
        assertThat(m.terminated()).isCompletedWithValue(MemberState.LEFT);
        assertThat(listener.events).doesNotContain("lost t-0,t-1");
    }

    @Test
    void leave_beforeAnyJoin_isLeftAtOnce() {
        started();
        m.leave(now);
        assertThat(m.state()).isEqualTo(MemberState.LEFT);
    }

    @Test
    void leave_whileTheJoinIsInFlight_sendsTheLeaveAfterItsAnswer() {
        started();
        WireRequest.ConsumerGroupHeartbeat join = send();
        m.leave(now);
        answer(join, 1, Map.of());
        WireRequest.ConsumerGroupHeartbeat leave = send();
        assertThat(leave.memberEpoch()).isEqualTo(-1);
    }

    @Test
    void leave_withTheCoordinatorAway_givesUpAfterTheLeaveTimeout() {
        stableWith(1);
        m.leave(now);
        listener.completeRevocation();
        m.step(now);
        answerError(send(), Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(m.state()).isEqualTo(MemberState.LEAVING);
        now += settings.leaveTimeoutMs();
        m.step(now);
        assertThat(m.state()).isEqualTo(MemberState.LEFT);
    }

    // ---- settings ------------------------------------------------------------------------------

    @Test
    void settings_aGraceOverHalfTheRebalanceTimeout_isRefused_withWhatIsAccepted() {
        assertThatThrownBy(() -> MembershipSettings.defaults().withRevokeGraceMs(40_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("revokeGraceMs is 40000")
                .hasMessageContaining("0 .. rebalanceTimeoutMs / 2 (30000)");
    }
}
