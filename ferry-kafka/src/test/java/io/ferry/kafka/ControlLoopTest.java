package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control loop and the cluster's health, stepped over a fake cluster and clock. */
class ControlLoopTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 1).topic("u", 1);
    private KafkaCluster cluster = start(EngineRig.settings());

    private KafkaCluster start(KafkaSettings s) {
        return KafkaCluster.builder(s).clock(clock::get).channels(kafka).stepped().start();
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    private List<WireRequest.Metadata> metadataRequests() {
        return kafka.opened().stream()
                .flatMap(c -> c.history().stream())
                .filter(r -> r instanceof WireRequest.Metadata)
                .map(r -> (WireRequest.Metadata) r)
                .toList();
    }

    @Test
    void startsConnecting_thenIsReady_afterTheFirstAnswer() {
        assertThat(cluster.status().state()).isEqualTo(ClusterStatus.State.CONNECTING);
        cluster.control().runOnce();
        assertThat(cluster.status().state()).isEqualTo(ClusterStatus.State.READY);
        assertThat(cluster.nodeCount()).isEqualTo(2);
    }

    @Test
    void refreshes_areCoalesced_intoOneRequestForEveryTopicAsked() {
        cluster.control().runOnce(); // the first refresh
        CompletableFuture<Void> a = cluster.control().refresh(Set.of("t"));
        CompletableFuture<Void> b = cluster.control().refresh(Set.of("u"));
        int before = metadataRequests().size();
        cluster.control().runOnce();
        assertThat(metadataRequests()).hasSize(before + 1);
        assertThat(metadataRequests().get(before).topics()).containsExactlyInAnyOrder("t", "u");
        assertThat(a).isDone();
        assertThat(b).isDone();
    }

    /** Issue 11: no topic is created through metadata requests unless a setting says so. */
    @Test
    void metadataRequests_neverAskToCreateTopics_byDefault() {
        cluster.refreshTopic("typo");
        cluster.control().runOnce();
        cluster.control().runOnce();
        assertThat(metadataRequests())
                .allSatisfy(m -> assertThat(m.allowAutoTopicCreation()).isFalse());
        assertThat(cluster.topic("typo").state()).isEqualTo(TopicInfo.State.MISSING);
    }

    /** Issue 11: every topic ever named stayed in every metadata request forever. */
    @Test
    void aTopicNotUsedFor_metadataMaxIdle_isDroppedFromTheRefreshes() {
        cluster.close();
        cluster = start(EngineRig.settings().withMetadataAges(60_000, 10_000));
        cluster.refreshTopic("typo");
        cluster.control().runOnce();
        clock.addAndGet(10_000);
        cluster.control().runOnce(); // the tick expires it
        clock.addAndGet(60_000);
        cluster.control().runOnce(); // the periodic refresh
        WireRequest.Metadata last = metadataRequests().get(metadataRequests().size() - 1);
        assertThat(last.topics()).doesNotContain("typo");
        assertThat(cluster.topic("typo").state())
                .as("and from the cache")
                .isEqualTo(TopicInfo.State.UNKNOWN);
    }

    @Test
    void aHeldTopic_staysInTheRefreshes() {
        cluster.close();
        cluster = start(EngineRig.settings().withMetadataAges(60_000, 10_000));
        cluster.holdTopic("t");
        clock.addAndGet(70_000);
        cluster.control().runOnce();
        clock.addAndGet(70_000);
        cluster.control().runOnce();
        WireRequest.Metadata last = metadataRequests().get(metadataRequests().size() - 1);
        assertThat(last.topics()).contains("t");
    }

    /** Issue 11: partition growth is picked up within metadata.max.age.ms. */
    @Test
    void addedPartitions_areSeenAtTheNextPeriodicRefresh() {
        cluster.holdTopic("t"); // in use (a router touches it every second)
        cluster.control().runOnce();
        cluster.control().runOnce();
        assertThat(cluster.topic("t").partitionCount()).isEqualTo(2);
        kafka.addPartitions("t", 0, 1, 0);
        clock.addAndGet(cluster.settings().metadataMaxAgeMs());
        cluster.control().runOnce();
        assertThat(cluster.topic("t").partitionCount()).isEqualTo(5);
    }

    @Test
    void aFailedRequest_failsItsWaiters_andIsRetriedWithABackoffThatDoubles() {
        cluster.control().runOnce();
        FakeNodeChannel first = kafka.control();
        first.stopAutoResponding(WireRequest.Metadata.class);
        CompletableFuture<Void> f = cluster.control().refresh(Set.of("t"));
        cluster.control().runOnce();
        first.fail(first.next(WireRequest.Metadata.class), WireFailure.disconnected("gone"));
        cluster.control().runOnce();
        assertThat(f).isCompletedExceptionally();
        assertThat(first.closed()).as("rotated to another node").isTrue();
        kafka.connectOnOpen(false);
        int opened = kafka.opened().size();
        cluster.control().runOnce();
        FakeNodeChannel next = kafka.control();
        next.failConnection(WireFailure.disconnected("cannot connect to localhost:9001"));
        cluster.control().runOnce();
        assertThat(cluster.status().state()).isEqualTo(ClusterStatus.State.UNAVAILABLE);
        assertThat(cluster.status().reason()).contains("no node of localhost:9000 answers");
        int attempts = kafka.opened().size();
        assertThat(attempts).isGreaterThan(opened);
        cluster.control().runOnce();
        assertThat(kafka.opened()).as("backing off: no attempt at once").hasSize(attempts + 1);
        assertThat(kafka.control().readyCalls()).isZero();
    }

    /** Issue 11: an authentication failure is not an ordinary disconnect retried silently. */
    @Test
    void anAuthenticationFailure_raisesARefusingCondition_withKafkasReason() {
        kafka.connectOnOpen(false);
        cluster.control().runOnce();
        kafka.control()
                .failConnection(
                        new WireFailure(
                                WireFailure.Kind.AUTHENTICATION,
                                "Authentication failed: invalid credentials with SASL mechanism PLAIN"));
        cluster.control().runOnce();
        ClusterStatus s = cluster.status();
        assertThat(s.state()).isEqualTo(ClusterStatus.State.REFUSED);
        assertThat(s.refusal().kind()).isEqualTo(ClusterCondition.Kind.AUTHENTICATION);
        assertThat(s.reason()).contains("invalid credentials");
    }

    @Test
    void aConditionClears_whenKafkaAnswersAgain() {
        kafka.connectOnOpen(false);
        cluster.control().runOnce();
        kafka.control().failConnection(WireFailure.disconnected("down"));
        cluster.control().runOnce();
        clock.addAndGet(1_000);
        cluster.control().runOnce();
        kafka.control().failConnection(WireFailure.disconnected("down"));
        cluster.control().runOnce();
        assertThat(cluster.status().conditions()).isNotEmpty();
        kafka.connectOnOpen(true);
        clock.addAndGet(1_000);
        cluster.control().runOnce();
        cluster.control().runOnce();
        assertThat(cluster.status().state()).isEqualTo(ClusterStatus.State.READY);
    }

    @Test
    void sends_goBeforeRefreshes() {
        cluster.control().runOnce();
        FakeNodeChannel c = kafka.control();
        c.stopAutoResponding(WireRequest.Metadata.class);
        c.stopAutoResponding(WireRequest.InitProducerId.class);
        cluster.control().refresh(Set.of("t"));
        cluster.control().send(new WireRequest.InitProducerId());
        cluster.control().runOnce();
        assertThat(c.inFlightRequests()).hasSize(1);
        assertThat(c.inFlightRequests().get(0).request())
                .isInstanceOf(WireRequest.InitProducerId.class);
    }

    @Test
    void coordinators_ofSeveralGroups_areFoundInOneRequest() {
        cluster.control().runOnce();
        var a = cluster.control().findCoordinators(Set.of("g1", "g2"));
        var b = cluster.control().findCoordinators(Set.of("g2"));
        cluster.control().runOnce();
        long finds =
                kafka.opened().stream()
                        .flatMap(c -> c.history().stream())
                        .filter(r -> r instanceof WireRequest.FindCoordinator)
                        .count();
        assertThat(finds).isEqualTo(1);
        assertThat(a.join()).containsOnlyKeys("g1", "g2");
        assertThat(b.join()).containsOnlyKeys("g2");
        assertThat(a.join().get("g1").node().id()).isZero();
    }

    @Test
    void theListing_ofEveryTopic_isKept_forWhenKafkaIsAway() {
        var names = cluster.listTopics();
        cluster.control().runOnce();
        cluster.control().runOnce();
        assertThat(names.join()).containsExactly("t", "u");
        assertThat(cluster.lastTopicListing()).containsExactly("t", "u");
    }

    @Test
    void closing_failsWhatWaits() {
        CompletableFuture<Void> f = cluster.control().refresh(Set.of("t"));
        cluster.close();
        assertThat(f).isCompletedExceptionally();
        cluster = start(EngineRig.settings()); // for @AfterEach
    }

    @Test
    void theStatusReason_namesNoExceptionClass() {
        ClusterHealth h = new ClusterHealth("c", clock::get);
        h.raise(
                ClusterCondition.Kind.UNREACHABLE,
                "control",
                "no node of x:1 answers (cannot connect to x:1)");
        assertThat(h.status().reason()).doesNotContain("Exception").contains("cannot connect");
        h.raise(
                ClusterCondition.Kind.UNREACHABLE,
                "control",
                "no node of x:1 answers (cannot connect to x:1)");
        assertThat(h.status().conditions()).as("the same condition again only counts").hasSize(1);
        h.clear("control");
        assertThat(h.status().conditions()).isEmpty();
    }
}
