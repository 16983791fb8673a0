package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link ClusterQueries} through fake clusters and a stepped caller's thread. */
class ClusterQueriesTest {
    private final FakeCluster a = new FakeCluster("a").known("orders", 2, false);
    private final FakeCluster b = new FakeCluster("b");
    private final FakeCluster.Loop loop = new FakeCluster.Loop();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final ClusterQueries queries;

    ClusterQueriesTest() {
        Map<String, FakeCluster> clusters = new LinkedHashMap<>();
        clusters.put("a", a);
        clusters.put("b", b);
        queries = new ClusterQueries(clusters, shuttingDown::get);
    }

    private <T> ClusterQueries.Answer<T> get(
            java.util.concurrent.CompletionStage<ClusterQueries.Answer<T>> s) {
        loop.runAll();
        return s.toCompletableFuture().getNow(null);
    }

    @Test
    void readiness_isEveryClustersStatus_andNotReadyWhileShuttingDown() {
        b.status =
                new ClusterStatus(
                        ClusterStatus.State.UNAVAILABLE,
                        List.of(
                                new ClusterCondition(
                                        ClusterCondition.Kind.UNREACHABLE, "control", "gone", 0)));
        ClusterQueries.Readiness all = queries.readiness(null).value();
        assertThat(all.ready()).isFalse();
        assertThat(all.clusters())
                .extracting(ClusterQueries.ClusterReadiness::cluster)
                .containsExactly("a", "b");
        assertThat(queries.readiness("a").value().ready()).isTrue();
        assertThat(queries.readiness("zz").refusal().code())
                .isEqualTo(ProduceRefusal.Code.UNKNOWN_CLUSTER);
        shuttingDown.set(true);
        assertThat(queries.readiness("a").value().ready()).isFalse();
        assertThat(queries.readiness("a").value().shuttingDown()).isTrue();
    }

    /** Issue 12: /readyz degrades before the broker is full, and while a topic is parked. */
    @Test
    void readiness_degradesWhileEventsAreHeldBack_butStaysReady() {
        assertThat(queries.readiness("a").value().clusters().get(0).degraded()).isNull();
        a.fill = 0.85;
        ClusterQueries.ClusterReadiness r = queries.readiness("a").value().clusters().get(0);
        assertThat(queries.readiness("a").value().ready()).isTrue();
        assertThat(r.degraded()).contains("85% full");
        a.fill = 0.1;
        a.status =
                new ClusterStatus(
                        ClusterStatus.State.READY,
                        List.of(
                                new ClusterCondition(
                                        ClusterCondition.Kind.PARKED,
                                        "produce:t",
                                        "Kafka refuses writes to topic 't'",
                                        0)));
        assertThat(queries.readiness("a").value().ready()).isTrue();
        assertThat(queries.readiness("a").value().clusters().get(0).degraded())
                .contains("topic 't'");
    }

    @Test
    void describe_answersKnownTopics_andRefusesMissingInvalidAndUnknownClusters() {
        ClusterQueries.Answer<ClusterQueries.TopicDescription> d =
                get(queries.describeTopic(loop.caller, "a", "orders"));
        assertThat(d.value().topic().partitions()).hasSize(2);
        assertThat(d.value().stale()).isFalse();
        a.missing("gone", 0);
        assertThat(get(queries.describeTopic(loop.caller, "a", "gone")).refusal().code())
                .isEqualTo(ProduceRefusal.Code.UNKNOWN_TOPIC);
        assertThat(get(queries.describeTopic(loop.caller, "a", "no/pe")).refusal().code())
                .isEqualTo(ProduceRefusal.Code.INVALID_TOPIC);
        assertThat(get(queries.describeTopic(loop.caller, "zz", "orders")).refusal().code())
                .isEqualTo(ProduceRefusal.Code.UNKNOWN_CLUSTER);
        assertThat(get(queries.describeTopic(loop.caller, "b", "never")).refusal().code())
                .isEqualTo(ProduceRefusal.Code.KAFKA_UNAVAILABLE);
    }

    @Test
    void describe_whenKafkaDoesNotAnswer_isFromTheCache_markedStale() {
        a.refresh = CompletableFuture.failedFuture(new IllegalStateException("frozen"));
        ClusterQueries.Answer<ClusterQueries.TopicDescription> d =
                get(queries.describeTopic(loop.caller, "a", "orders"));
        assertThat(d.value().stale()).isTrue();
        assertThat(d.value().topic().name()).isEqualTo("orders");
    }

    @Test
    void listTopics_isKafkasListing_onTheCallersThread() {
        var stage = queries.listTopics(loop.caller, "a");
        assertThat(stage.toCompletableFuture().isDone())
                .as("completes on the caller's thread")
                .isFalse();
        ClusterQueries.Answer<ClusterQueries.TopicListing> l = get(stage);
        assertThat(l.value().topics()).containsExactly("orders");
        assertThat(l.value().stale()).isFalse();
    }

    /** Issue 15: a list shows only the topics the caller may describe. */
    @Test
    void listTopics_showsOnlyWhatTheCallerMayDescribe() {
        a.known("payments", 1, false).known("logs.web", 1, false);
        ClusterQueries q = new ClusterQueries(Map.of("a", a), shuttingDown::get, rules());
        CallContext alice = CallContext.authenticated("alice", loop.caller.executor());
        assertThat(get(q.listTopics(alice, "a")).value().topics())
                .containsExactlyInAnyOrder("orders", "logs.web");
        assertThat(get(q.listTopics(loop.caller, "a")).value().topics())
                .as("an anonymous caller: the listener does not authenticate")
                .containsExactlyInAnyOrder("orders", "payments", "logs.web");
    }

    /** Issue 15: a refused caller gets the same answer for an existing and a missing topic. */
    @Test
    void describe_refusedTopic_isTheSameAnswerWhetherItExistsOrNot() {
        a.known("payments", 1, false);
        ClusterQueries q = new ClusterQueries(Map.of("a", a), shuttingDown::get, rules());
        CallContext alice = CallContext.authenticated("alice", loop.caller.executor());
        int refreshes = a.refreshes;
        ProduceRefusal existing = get(q.describeTopic(alice, "a", "payments")).refusal();
        ProduceRefusal missing = get(q.describeTopic(alice, "a", "no-such-topic")).refusal();
        assertThat(existing.code()).isEqualTo(ProduceRefusal.Code.NOT_AUTHORIZED);
        assertThat(existing.message())
                .isEqualTo("principal 'alice' may not describe topic 'payments' of cluster 'a'");
        assertThat(missing.code()).isEqualTo(existing.code());
        assertThat(missing.message())
                .isEqualTo(existing.message().replace("payments", "no-such-topic"));
        assertThat(a.refreshes).as("Kafka is not asked").isEqualTo(refreshes);
        assertThat(get(q.describeTopic(alice, "a", "orders")).value().topic().name())
                .isEqualTo("orders");
    }

    private static Authorizer rules() {
        io.ferry.gateway.security.SecurityConfig s =
                io.ferry.gateway.security.SecurityConfig.OFF.withApi(
                        io.ferry.gateway.security.ListenerSecurity.OFF.withAuthorization(
                                new io.ferry.gateway.security.AccessConfig(
                                        List.of(
                                                io.ferry.gateway.security.AccessConfig.Rule
                                                        .forPrincipals("alice")
                                                        .produce("orders")
                                                        .describe("logs.*")))));
        return new RuleAuthorizer(
                s,
                new RefusalAudit(
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                        s,
                        () -> 0L,
                        line -> {}));
    }
}
