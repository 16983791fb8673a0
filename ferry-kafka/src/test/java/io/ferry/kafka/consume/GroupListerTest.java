package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.DescribedGroup;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.ListedGroups;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The group lister stepped by the test over {@link FakeKafka} with a fake clock: every request it
 * sends is seen and answered (or failed) by the test; one test per error it handles.
 */
class GroupListerTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final FakeKafka kafka = FakeKafka.withNodes(3);

    /** Where FindCoordinator says each group is (node 0 unless set), or its error. */
    private final Map<String, Integer> coordinatorOf = new HashMap<>();

    private final Map<String, Errors> coordinatorError = new HashMap<>();

    /** Every FindCoordinator asked, in order. */
    private final List<Set<String>> lookups = new ArrayList<>();

    private final GroupLister lister =
            new GroupLister(
                    new GroupLister.Cluster() {
                        @Override
                        public long nowMs() {
                            return clock.get();
                        }

                        @Override
                        public List<Node> nodes() {
                            return List.of(kafka.node(0), kafka.node(1), kafka.node(2));
                        }

                        @Override
                        public CompletableFuture<Map<String, Coordinator>> findCoordinators(
                                Set<String> groups) {
                            lookups.add(new TreeSet<>(groups));
                            Map<String, Coordinator> m = new HashMap<>();
                            for (String g : groups) {
                                Errors e = coordinatorError.get(g);
                                m.put(
                                        g,
                                        e == null
                                                ? new Coordinator(
                                                        g,
                                                        kafka.node(
                                                                coordinatorOf.getOrDefault(g, 0)),
                                                        WireError.NONE)
                                                : new Coordinator(g, null, error(e)));
                            }
                            return CompletableFuture.completedFuture(m);
                        }

                        @Override
                        public NodeChannel open(Node node, String purpose, int maxInFlight) {
                            return kafka.open(node, purpose, maxInFlight);
                        }
                    },
                    "test",
                    false);

    @AfterEach
    void close() {
        lister.close();
    }

    // ---- scripting ----------------------------------------------------------------------------

    private FakeNodeChannel groups(int node) {
        return kafka.channel(node, "groups");
    }

    /** Runs the lister until nothing changes (answers are taken on the poll after a respond). */
    private void settle() {
        for (int i = 0; i < 4; i++) {
            lister.runOnce();
        }
    }

    /** Answers the Metadata in flight on node {@code asked}: the live brokers are {@code live}. */
    private void brokers(int asked, int... live) {
        Map<Integer, Node> nodes = new HashMap<>();
        Arrays.stream(live).forEach(id -> nodes.put(id, kafka.node(id)));
        FakeNodeChannel c = groups(asked);
        FakeNodeChannel.Sent<ClusterView> s = c.next(WireRequest.Metadata.class);
        assertThat(((WireRequest.Metadata) s.request()).topics()).as("no topics").isEmpty();
        c.respond(s, new ClusterView(nodes, Map.of(), false));
        settle();
    }

    private void listed(int node, ListedGroups.Group... gs) {
        FakeNodeChannel c = groups(node);
        c.respond(
                c.next(WireRequest.ListGroups.class),
                new ListedGroups(WireError.NONE, List.of(gs)));
    }

    private static ListedGroups.Group kip848(String id) {
        return new ListedGroups.Group(id, "consumer", "Stable", "consumer");
    }

    private static ListedGroups.Group classic(String id) {
        return new ListedGroups.Group(id, "consumer", "Stable", "classic");
    }

    /** The ConsumerGroupDescribe (or DescribeGroups) in flight to {@code node}, answered. */
    private List<String> describe(int node, boolean kip848, DescribedGroup... answers) {
        FakeNodeChannel c = groups(node);
        FakeNodeChannel.Sent<Map<String, DescribedGroup>> s =
                kip848
                        ? c.next(WireRequest.ConsumerGroupDescribe.class)
                        : c.next(WireRequest.DescribeGroups.class);
        assertThat(s).as("a describe in flight to node %d", node).isNotNull();
        List<String> asked =
                kip848
                        ? ((WireRequest.ConsumerGroupDescribe) s.request()).groups()
                        : ((WireRequest.DescribeGroups) s.request()).groups();
        Map<String, DescribedGroup> m = new HashMap<>();
        for (DescribedGroup d : answers) {
            m.put(d.groupId(), d);
        }
        c.respond(s, m);
        settle();
        return asked;
    }

    private static DescribedGroup group(String id, DescribedGroup.Member... members) {
        return new DescribedGroup(id, WireError.NONE, "Stable", "consumer", List.of(members));
    }

    private static DescribedGroup failed(String id, Errors e) {
        return new DescribedGroup(id, error(e), "", "", List.of());
    }

    /** A member assigned {@code partitions} ("t-0", "u-1" ...). */
    private static DescribedGroup.Member member(String client, String id, String... partitions) {
        List<TopicPartition> tps = new ArrayList<>();
        for (String p : partitions) {
            int dash = p.lastIndexOf('-');
            tps.add(
                    new TopicPartition(
                            p.substring(0, dash), Integer.parseInt(p.substring(dash + 1))));
        }
        return new DescribedGroup.Member(id, client, "/127.0.0.1", tps);
    }

    private static WireError error(Errors e) {
        return WireError.of(e.code(), null);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static long count(FakeNodeChannel c, Class<?> type) {
        return c == null ? 0 : c.history().stream().filter(type::isInstance).count();
    }

    // ---- every group --------------------------------------------------------------------------

    @Test
    void everyGroup_isListedOnEveryLiveBroker_locatedInOneLookup_andDescribedPerCoordinator() {
        coordinatorOf.put("classic", 1);
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", null, 5_000);
        settle();
        brokers(0, 0, 1); // node 2 is known but gone: never asked
        listed(
                0,
                kip848("k848"),
                kip848("other-topic"),
                new ListedGroups.Group("empty", "consumer", "Empty", "consumer"),
                new ListedGroups.Group("connect", "connect", "Stable", "classic"),
                new ListedGroups.Group("share", "share", "Stable", "share"));
        listed(1, classic("classic"));
        settle();
        assertThat(lookups)
                .as("one FindCoordinator for every group of the listing worth describing")
                .containsExactly(new TreeSet<>(Set.of("classic", "k848", "other-topic")));

        assertThat(
                        describe(
                                0,
                                true,
                                group(
                                        "k848",
                                        member("ferry-a", "m1", "t-2", "t-0", "u-1"),
                                        member("ferry-b", "m2", "t-1"),
                                        member("idle", "m3", "u-0")),
                                group("other-topic", member("x", "m4", "u-1"))))
                .containsExactlyInAnyOrder("k848", "other-topic");
        assertThat(f).isNotDone();
        assertThat(describe(1, false, group("classic", member("k-1", "k-1-x", "t-3"))))
                .containsExactly("classic");

        assertThat(f)
                .isCompletedWithValue(
                        Map.of(
                                "k848",
                                        Map.of(
                                                "ferry-a/m1",
                                                List.of(0, 2),
                                                "ferry-b/m2",
                                                List.of(1)),
                                "classic", Map.of("k-1/k-1-x", List.of(3))));
        assertThat(f.join().keySet()).as("sorted").containsExactly("classic", "k848");
        assertThat(groups(2)).as("no connection to the node gone").isNull();
    }

    @Test
    void aFailedMetadata_asksTheNextKnownNode() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", null, 5_000);
        settle();
        groups(0).fail(groups(0).next(WireRequest.Metadata.class), WireFailure.disconnected("x"));
        settle();
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        brokers(1, 1);
        listed(1);
        settle();
        assertThat(f).isCompletedWithValue(Map.of());
    }

    @Test
    void aBrokerFailingListGroups_isAskedAgain_andPastTheDeadlineTheCallTimesOutNamingIt() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", null, 1_000);
        settle();
        brokers(0, 0, 1);
        listed(0, kip848("g"));
        groups(1).fail(groups(1).next(WireRequest.ListGroups.class), WireFailure.disconnected("x"));
        settle();
        describe(0, true, group("g", member("c", "m", "t-0")));
        assertThat(count(groups(1), WireRequest.ListGroups.class)).isEqualTo(1);
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        assertThat(count(groups(1), WireRequest.ListGroups.class)).as("asked again").isEqualTo(2);
        assertThat(f).as("not answered as if complete").isNotDone();

        clock.addAndGet(1_000);
        settle();
        assertThat(failure(f))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("ListGroups of nodes [1]")
                .hasMessageContaining("DISCONNECTED");
    }

    @Test
    void aRetriableListGroupsError_isAskedAgain_andAnotherFailsTheCallRefused() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", null, 5_000);
        settle();
        brokers(0, 0);
        groups(0)
                .respond(
                        groups(0).next(WireRequest.ListGroups.class),
                        new ListedGroups(error(Errors.COORDINATOR_LOAD_IN_PROGRESS), List.of()));
        settle();
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        groups(0)
                .respond(
                        groups(0).next(WireRequest.ListGroups.class),
                        new ListedGroups(error(Errors.CLUSTER_AUTHORIZATION_FAILED), List.of()));
        settle();
        Throwable e = failure(f);
        assertThat(e).isInstanceOf(ConsumeException.class).hasMessageContaining("ListGroups");
        assertThat(e).hasMessageContaining("CLUSTER_AUTHORIZATION_FAILED");
        assertThat(((ConsumeException) e).reason()).isEqualTo(ConsumeException.Reason.REFUSED);
    }

    @Test
    void groupAuthorizationFailed_skipsAListedGroup() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", null, 5_000);
        settle();
        brokers(0, 0);
        listed(0, kip848("secret"), kip848("open"));
        settle();
        describe(
                0,
                true,
                failed("secret", Errors.GROUP_AUTHORIZATION_FAILED),
                group("open", member("c", "m", "t-0")));
        assertThat(f).isCompletedWithValue(Map.of("open", Map.of("c/m", List.of(0))));
    }

    // ---- one group ----------------------------------------------------------------------------

    @Test
    void aNamedGroup_skipsTheListing_andAClassicOneIsDescribedAfterGroupIdNotFound() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", "c1", 5_000);
        settle();
        assertThat(lookups).containsExactly(Set.of("c1"));
        describe(0, true, failed("c1", Errors.GROUP_ID_NOT_FOUND));
        assertThat(describe(0, false, group("c1", member("k", "k-1", "t-1", "t-0"))))
                .containsExactly("c1");
        assertThat(f).isCompletedWithValue(Map.of("c1", Map.of("k/k-1", List.of(0, 1))));
        assertThat(count(groups(0), WireRequest.Metadata.class)).isZero();
        assertThat(count(groups(0), WireRequest.ListGroups.class)).isZero();
    }

    @Test
    void aNamedGroupKafkaDoesNotKnow_isAnEmptyMap_asKafka4AndEarlierAnswerIt() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f =
                lister.list("t", "nobody", 5_000);
        settle();
        describe(0, true, failed("nobody", Errors.GROUP_ID_NOT_FOUND));
        describe(0, false, failed("nobody", Errors.GROUP_ID_NOT_FOUND)); // DescribeGroups v6
        assertThat(f).isCompletedWithValue(Map.of());

        CompletableFuture<Map<String, Map<String, List<Integer>>>> before =
                lister.list("t", "nobody", 5_000);
        settle();
        describe(0, true, failed("nobody", Errors.GROUP_ID_NOT_FOUND));
        describe(0, false, new DescribedGroup("nobody", WireError.NONE, "Dead", "", List.of()));
        assertThat(before).isCompletedWithValue(Map.of());
    }

    @Test
    void aNamedGroupWithNothingOfTheTopic_isAnEmptyMap() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        describe(0, true, group("g", member("c", "m", "u-0")));
        assertThat(f).isCompletedWithValue(Map.of());
    }

    @Test
    void aCoordinatorMove_findsTheCoordinatorAgainAfterTheBackoff_andDescribesThere() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        coordinatorOf.put("g", 1);
        describe(0, true, failed("g", Errors.NOT_COORDINATOR));
        assertThat(lookups).hasSize(1);
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        assertThat(lookups).hasSize(2);
        describe(1, true, group("g", member("c", "m", "t-0")));
        assertThat(f).isCompletedWithValue(Map.of("g", Map.of("c/m", List.of(0))));
    }

    @Test
    void aDisconnectedDescribe_findsTheCoordinatorAgain() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        groups(0)
                .fail(
                        groups(0).next(WireRequest.ConsumerGroupDescribe.class),
                        WireFailure.disconnected("x"));
        settle();
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        assertThat(lookups).hasSize(2);
        describe(0, true, group("g", member("c", "m", "t-0")));
        assertThat(f).isCompletedWithValue(Map.of("g", Map.of("c/m", List.of(0))));
    }

    @Test
    void groupAuthorizationFailed_refusesANamedGroup() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        describe(0, true, failed("g", Errors.GROUP_AUTHORIZATION_FAILED));
        Throwable e = failure(f);
        assertThat(e).hasMessageContaining("group 'g'").hasMessageContaining("AUTHORIZATION");
        assertThat(((ConsumeException) e).reason()).isEqualTo(ConsumeException.Reason.REFUSED);
    }

    @Test
    void aCoordinatorNotAvailable_isLookedUpAgainAfterTheBackoff() {
        coordinatorError.put("g", Errors.COORDINATOR_NOT_AVAILABLE);
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        assertThat(lookups).hasSize(1);
        coordinatorError.clear();
        clock.addAndGet(GroupLister.RETRY_BACKOFF_MS);
        settle();
        assertThat(lookups).hasSize(2);
        describe(0, true, group("g", member("c", "m", "t-0")));
        assertThat(f).isCompletedWithValue(Map.of("g", Map.of("c/m", List.of(0))));
    }

    @Test
    void close_failsWhatIsWaiting_andClosesTheConnections() {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f = lister.list("t", "g", 5_000);
        settle();
        lister.close();
        assertThat(((ConsumeException) failure(f)).reason())
                .isEqualTo(ConsumeException.Reason.CLOSED);
        assertThat(groups(0).closed()).isTrue();
        assertThat(((ConsumeException) failure(lister.list("t", null, 5_000))).reason())
                .isEqualTo(ConsumeException.Reason.CLOSED);
    }
}
