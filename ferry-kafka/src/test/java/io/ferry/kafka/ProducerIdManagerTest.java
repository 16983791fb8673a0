package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.WireRequest;
import org.junit.jupiter.api.Test;

/** The idempotent producer id: refusals surface, and are asked again. */
class ProducerIdManagerTest {
    private long initProducerIdRequests(FakeKafka kafka) {
        return kafka.opened().stream()
                .flatMap(c -> c.history().stream())
                .filter(r -> r instanceof WireRequest.InitProducerId)
                .count();
    }

    /**
     * Issue 11: a non-retriable InitProducerId error was ignored: workers asked again every round
     * and records ended as a misleading timeout after 120 s, with a WARN line per attempt.
     */
    @Test
    void aRefusal_raisesARefusingCondition_withKafkasError_andIsAskedAgainEveryFiveSeconds() {
        FakeKafka kafka = FakeKafka.withNodes(1).producerIdAnswers("CLUSTER_AUTHORIZATION_FAILED");
        try (EngineRig rig = new EngineRig(kafka)) {
            rig.steps(2);
            ClusterStatus s = rig.cluster.status();
            assertThat(s.state()).isEqualTo(ClusterStatus.State.REFUSED);
            assertThat(s.refusal().kind()).isEqualTo(ClusterCondition.Kind.AUTHORIZATION);
            assertThat(s.reason())
                    .contains("CLUSTER_AUTHORIZATION_FAILED")
                    .contains("InitProducerId");
            long asked = initProducerIdRequests(kafka);
            rig.advance(1_000);
            rig.steps(2);
            assertThat(initProducerIdRequests(kafka)).as("not hammered").isEqualTo(asked);
            kafka.producerIdAnswers("NONE"); // the operator fixed the ACL
            rig.advance(ProducerIdManager.REFUSED_RETRY_MS);
            rig.steps(2);
            assertThat(initProducerIdRequests(kafka)).isEqualTo(asked + 1);
            assertThat(rig.engine.identity().idempotent()).isTrue();
            assertThat(rig.cluster.status().ready()).isTrue();
            assertThat(rig.engine.ready()).isDone();
        }
    }

    @Test
    void aRetriableAnswer_isAskedAgainOnTheNextTick_withoutACondition() {
        FakeKafka kafka = FakeKafka.withNodes(1).producerIdAnswers("COORDINATOR_LOAD_IN_PROGRESS");
        try (EngineRig rig = new EngineRig(kafka)) {
            rig.steps(2);
            assertThat(rig.cluster.status().state()).isEqualTo(ClusterStatus.State.READY);
            assertThat(rig.engine.identity().idempotent()).isFalse();
            kafka.producerIdAnswers("NONE");
            rig.advance(1_000);
            rig.steps(2);
            assertThat(rig.engine.identity().idempotent()).isTrue();
        }
    }

    @Test
    void aReset_isAskedOncePerGeneration() {
        FakeKafka kafka = FakeKafka.withNodes(1);
        try (EngineRig rig = new EngineRig(kafka)) {
            rig.steps(2);
            ProducerIdentity first = rig.engine.identity();
            rig.engine.resetIdentity(first.generation(), "test");
            rig.engine.resetIdentity(first.generation(), "test again");
            rig.steps(2);
            rig.engine.resetIdentity(first.generation(), "late: already replaced");
            rig.steps(2);
            assertThat(initProducerIdRequests(kafka)).isEqualTo(2);
            assertThat(rig.engine.identity().generation()).isEqualTo(first.generation() + 1);
            assertThat(rig.engine.identity().producerId()).isNotEqualTo(first.producerId());
        }
    }
}
