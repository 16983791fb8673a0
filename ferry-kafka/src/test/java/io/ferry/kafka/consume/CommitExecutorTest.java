package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.CommittedOffset;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.GroupOffsets;
import io.ferry.kafka.wire.OffsetToCommit;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commit executors and offset workers through a fake channel and a fake clock, in the manner of
 * Kafka's {@code SenderTest}: the test steps the mapper and every executor; one test per error the
 * executor handles (docs/consume.md).
 */
class CommitExecutorTest {
    private static final long INTERVAL_MS = 500;
    private static final long BACKOFF_MS = 100;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 0, 0).topic("u", 0);

    /** Where FindCoordinator says each group is (node 0 unless set). */
    private final Map<String, Integer> coordinatorOf = new ConcurrentHashMap<>();

    /** Every FindCoordinator asked, in order. */
    private final List<Set<String>> lookups = new ArrayList<>();

    /** When set, lookups wait here instead of being answered at once. */
    private final List<CompletableFuture<Map<String, Coordinator>>> heldLookups = new ArrayList<>();

    private boolean holdLookups;

    private final CommitEngine engine =
            CommitEngine.builder(
                            new CommitEngine.Services() {
                                @Override
                                public long nowMs() {
                                    return clock.get();
                                }

                                @Override
                                public ChannelFactory channels() {
                                    return kafka;
                                }

                                @Override
                                public CompletableFuture<Map<String, Coordinator>> findCoordinators(
                                        Set<String> groups) {
                                    lookups.add(groups);
                                    CompletableFuture<Map<String, Coordinator>> f =
                                            new CompletableFuture<>();
                                    if (holdLookups) {
                                        heldLookups.add(f);
                                    } else {
                                        f.complete(coordinators(groups));
                                    }
                                    return f;
                                }

                                @Override
                                public Uuid topicId(String topic) {
                                    return topic.equals("t") ? kafka.topicId("t") : null;
                                }
                            })
                    .commitIntervalMs(INTERVAL_MS)
                    .retryBackoffMs(BACKOFF_MS)
                    .maxMetadataChars(64)
                    .stepped()
                    .start();

    private final Member member = new Member();

    @AfterEach
    void close() {
        engine.close();
    }

    private Map<String, Coordinator> coordinators(Set<String> groups) {
        Map<String, Coordinator> m = new HashMap<>();
        for (String g : groups) {
            m.put(
                    g,
                    new Coordinator(
                            g, kafka.node(coordinatorOf.getOrDefault(g, 0)), WireError.NONE));
        }
        return m;
    }

    /** A member of every group here: id m-1, a settable epoch, owning what it is told. */
    private static final class Member implements CommitMember {
        final AtomicInteger epoch = new AtomicInteger(5);
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final List<String> told = new ArrayList<>();
        boolean ownsAll = true;

        @Override
        public String memberId() {
            return "m-1";
        }

        @Override
        public int memberEpoch() {
            return epoch.get();
        }

        @Override
        public boolean owns(TopicPartition tp) {
            return ownsAll || owned.contains(tp);
        }

        @Override
        public void staleEpoch(int usedEpoch) {
            told.add("stale " + usedEpoch);
        }

        @Override
        public void commitFenced(int usedEpoch, WireError error) {
            told.add("fenced " + usedEpoch + " " + error.name());
        }
    }

    /** A commit source whose point the test sets; metadata is cut to the cap it is asked with. */
    private static final class Source implements CommitSource {
        volatile long offset = -1;
        volatile String metadata = "";

        @Override
        public Point commitPoint(int maxMetadataChars) {
            if (offset < 0) {
                return null;
            }
            String m =
                    metadata.length() > maxMetadataChars
                            ? metadata.substring(0, maxMetadataChars)
                            : metadata;
            return new Point(offset, -1, m);
        }
    }

    private static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }

    private void steps(int n) {
        for (int i = 0; i < n; i++) {
            engine.step();
        }
    }

    private void advance(long ms) {
        clock.addAndGet(ms);
    }

    private FakeNodeChannel channel(int node) {
        return kafka.channel(node, "commit");
    }

    private FakeNodeChannel.Sent<Map<TopicPartition, WireError>> commit(int node) {
        FakeNodeChannel c = channel(node);
        return c == null ? null : c.next(WireRequest.OffsetCommit.class);
    }

    private FakeNodeChannel.Sent<GroupOffsets> fetch(int node) {
        FakeNodeChannel c = channel(node);
        return c == null ? null : c.next(WireRequest.OffsetFetch.class);
    }

    private static WireRequest.OffsetCommit request(FakeNodeChannel.Sent<?> s) {
        return (WireRequest.OffsetCommit) s.request();
    }

    /** Answers {@code s} with {@code error} for every partition it carries. */
    private void answer(
            int node, FakeNodeChannel.Sent<Map<TopicPartition, WireError>> s, Errors e) {
        Map<TopicPartition, WireError> r = new HashMap<>();
        request(s).offsets().keySet().forEach(tp -> r.put(tp, WireError.of(e.code(), null)));
        channel(node).respond(s, r);
    }

    /** Answers the OffsetFetch in flight: nothing committed, except {@code committed}. */
    private void answerFetch(int node, Map<TopicPartition, CommittedOffset> committed) {
        FakeNodeChannel.Sent<GroupOffsets> s = fetch(node);
        assertThat(s).as("an OffsetFetch in flight on node %d", node).isNotNull();
        WireRequest.OffsetFetch f = (WireRequest.OffsetFetch) s.request();
        Map<TopicPartition, CommittedOffset> out = new HashMap<>();
        for (TopicPartition tp : f.partitions()) {
            out.put(
                    tp,
                    committed.getOrDefault(tp, new CommittedOffset(-1, -1, "", WireError.NONE)));
        }
        channel(node).respond(s, new GroupOffsets(f.groupId(), WireError.NONE, out));
    }

    /** Adds workers for {@code tps} of {@code group} and steps until they have started. */
    private List<OffsetWorker> started(
            String group, int node, Source[] sources, TopicPartition... tps) {
        List<OffsetWorker> ws = new ArrayList<>();
        for (int i = 0; i < tps.length; i++) {
            ws.add(engine.addWorker(group, tps[i], member, sources[i]));
        }
        steps(3);
        answerFetch(node, Map.of());
        steps(1);
        for (OffsetWorker w : ws) {
            assertThat(w.committed()).as("%s started", w.partition()).isCompleted();
        }
        return ws;
    }

    private static Source[] sources(int n) {
        Source[] s = new Source[n];
        for (int i = 0; i < n; i++) {
            s[i] = new Source();
        }
        return s;
    }

    // ---- start --------------------------------------------------------------------------------

    @Test
    void start_readsTheCommittedOffsets_inOneOffsetFetchPerGroup_withTheMember() {
        Source[] src = sources(3);
        OffsetWorker a = engine.addWorker("g", tp("t", 0), member, src[0]);
        OffsetWorker b = engine.addWorker("g", tp("t", 1), member, src[1]);
        OffsetWorker c = engine.addWorker("g", tp("u", 0), member, src[2]);
        steps(3);
        assertThat(channel(0).inFlightRequests()).hasSize(1);
        WireRequest.OffsetFetch f = (WireRequest.OffsetFetch) fetch(0).request();
        assertThat(f.groupId()).isEqualTo("g");
        assertThat(f.memberId()).isEqualTo("m-1");
        assertThat(f.memberEpoch()).isEqualTo(5);
        assertThat(f.requireStable()).isTrue();
        assertThat(f.partitions()).containsExactlyInAnyOrder(tp("t", 0), tp("t", 1), tp("u", 0));
        assertThat(f.topicIds()).containsOnlyKeys("t");

        answerFetch(0, Map.of(tp("t", 1), new CommittedOffset(42, 3, "CCGB", WireError.NONE)));
        steps(1);
        assertThat(a.committed().join().offset()).as("none: -1").isEqualTo(-1);
        assertThat(b.committed().join())
                .isEqualTo(new CommittedOffset(42, 3, "CCGB", WireError.NONE));
        assertThat(c.committed().join().offset()).isEqualTo(-1);
        assertThat(b.lastCommitted()).isEqualTo(new CommitSource.Point(42, 3, "CCGB"));

        // the point found committed is not committed again
        src[1].offset = 42;
        src[1].metadata = "CCGB";
        advance(INTERVAL_MS);
        steps(1);
        assertThat(commit(0)).isNull();
    }

    @Test
    void start_unstableOffsets_areAskedAgainAfterTheBackoff() {
        OffsetWorker w = engine.addWorker("g", tp("t", 0), member, new Source());
        steps(3);
        FakeNodeChannel.Sent<GroupOffsets> s = fetch(0);
        channel(0)
                .respond(
                        s,
                        new GroupOffsets(
                                "g",
                                WireError.NONE,
                                Map.of(
                                        tp("t", 0),
                                        new CommittedOffset(
                                                -1,
                                                -1,
                                                "",
                                                WireError.of(
                                                        Errors.UNSTABLE_OFFSET_COMMIT.code(),
                                                        null)))));
        steps(1);
        assertThat(w.committed()).isNotDone();
        steps(1);
        assertThat(fetch(0)).as("not before the backoff").isNull();
        advance(BACKOFF_MS);
        steps(1);
        answerFetch(0, Map.of(tp("t", 0), new CommittedOffset(7, -1, "", WireError.NONE)));
        steps(1);
        assertThat(w.committed().join().offset()).isEqualTo(7);
    }

    // ---- batching -----------------------------------------------------------------------------

    @Test
    void aRound_sendsOneCommitPerGroup_carryingEveryChangedPartitionOfIt() {
        Source[] g = sources(3);
        Source[] h = sources(1);
        started("g", 0, g, tp("t", 0), tp("t", 1), tp("u", 0));
        started("h", 0, h, tp("t", 2));
        g[0].offset = 10;
        g[1].offset = 11;
        g[2].offset = 12;
        g[2].metadata = "CCGB";
        h[0].offset = 20;
        advance(INTERVAL_MS);
        steps(1);
        List<FakeNodeChannel.Sent<?>> sent = channel(0).inFlightRequests();
        assertThat(sent).hasSize(2);
        Map<String, WireRequest.OffsetCommit> byGroup = new HashMap<>();
        sent.forEach(s -> byGroup.put(request(s).groupId(), request(s)));
        WireRequest.OffsetCommit gc = byGroup.get("g");
        assertThat(gc.offsets())
                .containsOnly(
                        Map.entry(tp("t", 0), new OffsetToCommit(10, -1, "")),
                        Map.entry(tp("t", 1), new OffsetToCommit(11, -1, "")),
                        Map.entry(tp("u", 0), new OffsetToCommit(12, -1, "CCGB")));
        assertThat(gc.memberId()).isEqualTo("m-1");
        assertThat(gc.memberEpoch())
                .as("GenerationIdOrMemberEpoch = the member epoch")
                .isEqualTo(5);
        assertThat(gc.topicIds()).containsOnlyKeys("t");
        assertThat(byGroup.get("h").offsets()).containsOnlyKeys(tp("t", 2));
        assertThat(engine.commitsSent()).isEqualTo(2);
    }

    @Test
    void nothingIsSent_whenNothingChanged_andAChangeWaitsForTheInterval() {
        Source[] s = sources(2);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0), tp("t", 1));
        advance(INTERVAL_MS);
        steps(2);
        assertThat(commit(0)).as("no commit point yet").isNull();

        s[0].offset = 5;
        advance(INTERVAL_MS);
        steps(1);
        FakeNodeChannel.Sent<Map<TopicPartition, WireError>> c = commit(0);
        assertThat(request(c).offsets()).containsOnlyKeys(tp("t", 0));
        answer(0, c, Errors.NONE);
        steps(1);
        assertThat(ws.get(0).lastCommitted().offset()).isEqualTo(5);

        advance(INTERVAL_MS);
        steps(2);
        assertThat(commit(0)).as("the same point is not committed again").isNull();

        s[1].offset = 9;
        advance(INTERVAL_MS - 1);
        steps(1);
        assertThat(commit(0)).as("not before the interval").isNull();
        advance(1);
        steps(1);
        assertThat(request(commit(0)).offsets()).containsOnlyKeys(tp("t", 1));
    }

    @Test
    void onlyOwnedPartitions_areCommitted_andAFlushOfAnotherFailsAsNotOwned() {
        Source[] s = sources(2);
        started("g", 0, s, tp("t", 0), tp("t", 1));
        member.ownsAll = false;
        member.owned.add(tp("t", 0));
        s[0].offset = 1;
        s[1].offset = 2;
        CompletableFuture<Void> other = engine.flush("g", List.of(tp("t", 1)), 10_000);
        advance(INTERVAL_MS);
        steps(1);
        assertThat(request(commit(0)).offsets()).containsOnlyKeys(tp("t", 0));
        assertThat(other).isCompletedExceptionally();
        assertThat(reason(other)).isEqualTo(CommitEngine.CommitFailedException.Reason.NOT_OWNED);
    }

    // ---- flush --------------------------------------------------------------------------------

    @Test
    void flush_commitsAtOnce_andCompletesWhenKafkaAnswered() {
        Source[] s = sources(2);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0), tp("t", 1));
        s[0].offset = 3;
        s[1].offset = 4;
        CompletableFuture<Void> f = engine.flush("g", 10_000);
        steps(1);
        FakeNodeChannel.Sent<Map<TopicPartition, WireError>> c = commit(0);
        assertThat(c).as("sent without waiting for the interval").isNotNull();
        assertThat(request(c).offsets()).hasSize(2);
        assertThat(f).as("not before Kafka answered").isNotDone();
        answer(0, c, Errors.NONE);
        steps(1);
        assertThat(f).isCompleted();
        assertThat(ws.get(1).lastCommitted().offset()).isEqualTo(4);

        assertThat(engine.flush("g", 10_000)).as("nothing new: done at the next round").isNotDone();
        steps(1);
        assertThat(commit(0)).isNull();
    }

    @Test
    void flush_ofAPartitionWithoutAWorker_failsAsStopped() {
        CompletableFuture<Void> f = engine.flush("g", List.of(tp("t", 0)), 1_000);
        assertThat(reason(f)).isEqualTo(CommitEngine.CommitFailedException.Reason.STOPPED);
    }

    // ---- errors -------------------------------------------------------------------------------

    @Test
    void metadataTooLarge_retriesThatPartitionAtOnce_withAHalvedCap_downToEmpty() {
        Source[] s = sources(2);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0), tp("t", 1));
        s[0].offset = 100;
        s[0].metadata = "x".repeat(64);
        s[1].offset = 200;
        s[1].metadata = "y";
        CompletableFuture<Void> flushed = engine.flush("g", 10_000);
        steps(1);
        FakeNodeChannel.Sent<Map<TopicPartition, WireError>> c = commit(0);
        channel(0)
                .respond(
                        c,
                        Map.of(
                                tp("t", 0),
                                WireError.of(Errors.OFFSET_METADATA_TOO_LARGE.code(), null),
                                tp("t", 1),
                                WireError.NONE));
        steps(1);
        assertThat(ws.get(1).lastCommitted().offset())
                .as("the other partition committed")
                .isEqualTo(200);
        assertThat(ws.get(0).metadataCap()).isEqualTo(32);
        for (int expectedCap : new int[] {32, 16, 8, 4, 2, 1, 0}) {
            steps(1);
            c = commit(0);
            assertThat(c).as("retried at once with cap %d", expectedCap).isNotNull();
            OffsetToCommit o = request(c).offsets().get(tp("t", 0));
            assertThat(request(c).offsets()).containsOnlyKeys(tp("t", 0));
            assertThat(o.offset()).isEqualTo(100);
            assertThat(o.metadata()).hasSize(expectedCap);
            if (expectedCap > 0) {
                answer(0, c, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                answer(0, c, Errors.NONE);
            }
            steps(1);
        }
        assertThat(ws.get(0).lastCommitted()).isEqualTo(new CommitSource.Point(100, -1, ""));
        assertThat(flushed).isCompleted();
    }

    @Test
    void staleMemberEpoch_tellsTheMember_andRetriesAfterTheBackoffWithItsNewEpoch() {
        Source[] s = sources(1);
        started("g", 0, s, tp("t", 0));
        s[0].offset = 8;
        advance(INTERVAL_MS);
        steps(1);
        answer(0, commit(0), Errors.STALE_MEMBER_EPOCH);
        member.epoch.set(6);
        steps(1);
        assertThat(member.told).containsExactly("stale 5");
        steps(1);
        assertThat(commit(0)).as("not before the backoff").isNull();
        advance(BACKOFF_MS);
        steps(1);
        assertThat(request(commit(0)).memberEpoch()).isEqualTo(6);
        assertThat(request(commit(0)).offsets().get(tp("t", 0)).offset()).isEqualTo(8);
    }

    @Test
    void fencedMember_stopsCommittingForTheGroup_reports_andFailsFlushes_untilANewEpoch() {
        Source[] s = sources(1);
        started("g", 0, s, tp("t", 0));
        s[0].offset = 8;
        advance(INTERVAL_MS);
        steps(1);
        answer(0, commit(0), Errors.FENCED_MEMBER_EPOCH);
        steps(1);
        assertThat(member.told).containsExactly("fenced 5 FENCED_MEMBER_EPOCH");

        s[0].offset = 9;
        CompletableFuture<Void> f = engine.flush("g", 10_000);
        advance(INTERVAL_MS);
        steps(2);
        assertThat(commit(0)).as("nothing more at the fenced epoch").isNull();
        assertThat(reason(f)).isEqualTo(CommitEngine.CommitFailedException.Reason.FENCED);

        member.epoch.set(7); // rejoined
        advance(INTERVAL_MS);
        steps(1);
        assertThat(request(commit(0)).memberEpoch()).isEqualTo(7);
    }

    @Test
    void unknownMemberId_isFencingToo() {
        Source[] s = sources(1);
        started("g", 0, s, tp("t", 0));
        s[0].offset = 8;
        advance(INTERVAL_MS);
        steps(1);
        answer(0, commit(0), Errors.UNKNOWN_MEMBER_ID);
        steps(1);
        assertThat(member.told).containsExactly("fenced 5 UNKNOWN_MEMBER_ID");
    }

    @Test
    void notCoordinator_findsTheCoordinatorAgain_andCommitsThere() {
        Source[] s = sources(1);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0));
        int lookupsBefore = lookups.size();
        s[0].offset = 8;
        advance(INTERVAL_MS);
        steps(1);
        coordinatorOf.put("g", 1); // the coordinator moved
        answer(0, commit(0), Errors.NOT_COORDINATOR);
        steps(3);
        advance(BACKOFF_MS);
        steps(3);
        assertThat(lookups.size()).isGreaterThan(lookupsBefore);
        assertThat(ws.get(0).assignedExecutor().node().id()).isEqualTo(1);
        assertThat(commit(1)).as("committed on the new coordinator").isNotNull();
        assertThat(request(commit(1)).offsets().get(tp("t", 0)).offset()).isEqualTo(8);
    }

    @Test
    void coordinatorNotAvailable_onTheStartFetch_movesTheWorkerToo() {
        OffsetWorker w = engine.addWorker("g", tp("t", 0), member, new Source());
        steps(3);
        coordinatorOf.put("g", 1);
        channel(0)
                .respond(
                        fetch(0),
                        new GroupOffsets(
                                "g",
                                WireError.of(Errors.COORDINATOR_NOT_AVAILABLE.code(), null),
                                Map.of()));
        steps(2);
        advance(BACKOFF_MS);
        steps(3);
        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
        answerFetch(1, Map.of(tp("t", 0), new CommittedOffset(3, -1, "", WireError.NONE)));
        steps(1);
        assertThat(w.committed().join().offset()).isEqualTo(3);
    }

    @Test
    void aDisconnect_failsTheNode_findsTheCoordinatorAgain_andRetriesAfterTheBackoff() {
        Source[] s = sources(1);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0));
        int lookupsBefore = lookups.size();
        s[0].offset = 8;
        CompletableFuture<Void> f = engine.flush("g", 10_000);
        steps(1);
        channel(0).fail(commit(0), WireFailure.disconnected("gone"));
        steps(1);
        assertThat(commit(0)).isNull();
        advance(BACKOFF_MS);
        steps(3);
        assertThat(lookups.size())
                .as("the coordinator is found again")
                .isGreaterThan(lookupsBefore);
        assertThat(ws.get(0).assignedExecutor().node().id()).isEqualTo(0);
        FakeNodeChannel.Sent<Map<TopicPartition, WireError>> again = commit(0);
        assertThat(again).as("retried").isNotNull();
        assertThat(f).isNotDone();
        answer(0, again, Errors.NONE);
        steps(1);
        assertThat(f).as("the flush survives the disconnect").isCompleted();
    }

    @Test
    void aFlush_timesOut_whenKafkaDoesNotAnswer() {
        Source[] s = sources(1);
        started("g", 0, s, tp("t", 0));
        s[0].offset = 8;
        CompletableFuture<Void> f = engine.flush("g", 50);
        steps(1);
        assertThat(commit(0)).isNotNull();
        CommitEngine.CommitFailedException e =
                (CommitEngine.CommitFailedException)
                        org.assertj.core.api.Assertions.catchThrowable(f::join).getCause();
        assertThat(e.reason()).isEqualTo(CommitEngine.CommitFailedException.Reason.TIMED_OUT);
    }

    // ---- coordinators and administration ------------------------------------------------------

    @Test
    void aFreshGroup_asksForItsOffsets_whenFindCoordinatorAnswers_notAfterTheBackoff() {
        holdLookups = true; // as over a network: the resolve that starts the lookup finds nothing
        OffsetWorker w = engine.addWorker("fresh", tp("t", 0), member, new Source());
        steps(1);
        assertThat(lookups).hasSize(1);
        assertThat(channel(0)).as("no coordinator known: nothing sent").isNull();

        heldLookups.get(0).complete(coordinators(lookups.get(0)));
        steps(2); // the clock stands still: no backoff waited out
        answerFetch(0, Map.of());
        steps(1);

        assertThat(w.committed()).isCompleted();
        assertThat(w.committed().join().offset()).isEqualTo(-1);
        assertThat(lookups).as("one lookup").hasSize(1);
    }

    @Test
    void findCoordinator_isBatched_forTheGroupsWantedWhileOneIsInFlight() {
        holdLookups = true;
        engine.addWorker("a", tp("t", 0), member, new Source());
        engine.addWorker("b", tp("t", 1), member, new Source());
        engine.addWorker("c", tp("t", 2), member, new Source());
        steps(1);
        assertThat(lookups).hasSize(1);
        heldLookups.get(0).complete(coordinators(lookups.get(0)));
        steps(1);
        assertThat(lookups).hasSize(2);
        Set<String> all = new java.util.HashSet<>(lookups.get(0));
        all.addAll(lookups.get(1));
        assertThat(all).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(lookups.get(1)).as("the groups wanted meanwhile, in one request").hasSize(2);
    }

    @Test
    void readAndSetOffsets_goToTheCoordinator_outsideAnyMembership() {
        CompletableFuture<GroupOffsets> read = engine.readOffsets("g", List.of(tp("t", 0)), 10_000);
        steps(3);
        WireRequest.OffsetFetch f = (WireRequest.OffsetFetch) fetch(0).request();
        assertThat(f.memberId()).isNull();
        assertThat(f.memberEpoch()).isEqualTo(-1);
        answerFetch(0, Map.of(tp("t", 0), new CommittedOffset(5, -1, "m", WireError.NONE)));
        steps(1);
        assertThat(read.join().partitions().get(tp("t", 0)).metadata()).isEqualTo("m");

        CompletableFuture<Map<TopicPartition, WireError>> set =
                engine.setOffsets(
                        "g", Map.of(tp("t", 0), new OffsetToCommit(9, -1, "")), null, 10_000);
        steps(3);
        WireRequest.OffsetCommit c = request(commit(0));
        assertThat(c.memberId()).isEmpty();
        assertThat(c.memberEpoch()).isEqualTo(-1);
        answer(0, commit(0), Errors.NONE);
        steps(1);
        assertThat(set.join()).containsExactly(Map.entry(tp("t", 0), WireError.NONE));
    }

    @Test
    void removeWorker_stopsItsCommits_andFailsItsFlushes() {
        Source[] s = sources(1);
        List<OffsetWorker> ws = started("g", 0, s, tp("t", 0));
        s[0].offset = 1;
        CompletableFuture<Void> f = ws.get(0).flush();
        engine.removeWorker(ws.get(0));
        assertThat(reason(f)).isEqualTo(CommitEngine.CommitFailedException.Reason.STOPPED);
        advance(INTERVAL_MS);
        steps(2);
        assertThat(commit(0)).isNull();
        assertThat(engine.worker("g", tp("t", 0))).isNull();
    }

    private static CommitEngine.CommitFailedException.Reason reason(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(f::join);
        Throwable c = t.getCause() == null ? t : t.getCause();
        assertThat(c).isInstanceOf(CommitEngine.CommitFailedException.class);
        return ((CommitEngine.CommitFailedException) c).reason();
    }
}
