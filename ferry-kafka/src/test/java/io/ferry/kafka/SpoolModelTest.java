package io.ferry.kafka;

import static io.ferry.kafka.EngineRig.error;
import static io.ferry.kafka.EngineRig.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine as a spool (issue 12), stepped through a fake channel and an injected clock: what can
 * heal is kept, what cannot goes to the dead letter, and an event leaves its broker batch only once
 * it is in Kafka or in the dead letter.
 */
class SpoolModelTest {
    private final FakeKafka kafka = FakeKafka.withNodes(1).topic("t", 0);
    private final EngineRig rig = new EngineRig(kafka);

    @AfterEach
    void close() {
        rig.close();
    }

    private PartitionWorker ready(String topic, int p) {
        PartitionWorker w = rig.worker(topic, p);
        for (int i = 0; i < 20 && w.assignedExecutor() == null; i++) {
            rig.step();
            rig.advance(100);
        }
        assertThat(w.assignedExecutor()).as("assigned").isNotNull();
        return w;
    }

    /** Answers every produce request in flight on node 0 with {@code e}; steps once. */
    private void answerAll(Errors e) {
        while (rig.produce(0) != null) {
            rig.answer(0, tp -> error(e));
        }
        rig.step();
    }

    @Test
    void aTopicDeletedWhileItsRecordsWait_failsThemIntoTheDeadLetter_afterTheGrace() {
        PartitionWorker w = ready("t", 0);
        EngineRig.FakeBatch b = rig.append(w, "x");
        rig.step();
        kafka.topicError("t", "UNKNOWN_TOPIC_OR_PARTITION"); // deleted
        for (int i = 0; i < 3; i++) {
            answerAll(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            rig.advance(1_000);
            rig.steps(2);
        }
        assertThat(rig.outcomes).as("within the grace: kept").isEmpty();
        for (int i = 0; i < 10 && rig.outcomes.isEmpty(); i++) {
            answerAll(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            rig.advance(1_000);
            rig.steps(2);
        }
        assertThat(rig.outcomes).containsExactly("f UNKNOWN_TOPIC x");
        assertThat(rig.deadLettered)
                .hasSize(1)
                .first()
                .asString()
                .startsWith("UNKNOWN_TOPIC x p=0");
        assertThat(b.acked).as("it left the broker only once dead-lettered").isTrue();
    }

    @Test
    void aTopicThisClientMayNotWriteTo_isParkedLoudly_notDropped_andGoesOnceGranted() {
        PartitionWorker w = ready("t", 0);
        EngineRig.FakeBatch b = rig.append(w, "x");
        rig.step();
        for (int i = 0; i < 30; i++) { // far past delivery.timeout.ms (10 s here)
            answerAll(Errors.TOPIC_AUTHORIZATION_FAILED);
            rig.advance(1_000);
            rig.steps(2);
        }
        assertThat(rig.outcomes).as("kept: an operator can grant the ACL").isEmpty();
        assertThat(b.acked).isFalse();
        assertThat(rig.engine.parkedPartitions()).isEqualTo(1);
        assertThat(rig.engine.parkedEvents()).isEqualTo(1);
        ClusterStatus s = rig.cluster.status();
        assertThat(s.degraded()).isTrue();
        assertThat(s.refusal()).as("other topics still flow: not a refusal").isNull();
        assertThat(s.reason()).contains("topic 't'").contains("TOPIC_AUTHORIZATION_FAILED");
        for (int i = 0; i < 10 && rig.produce(0) == null; i++) {
            rig.advance(1_000);
            rig.steps(2);
        }
        rig.answer(0, tp -> ok(4)); // granted
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@4 x");
        assertThat(b.acked).isTrue();
        assertThat(rig.engine.parkedPartitions()).isZero();
        assertThat(rig.cluster.status().degraded()).isFalse();
    }

    @Test
    void aDeadLetterThatCannotStore_keepsTheEventInItsBatch_andIsAskedAgain() {
        PartitionWorker w = ready("t", 0);
        rig.deadLetterAccepts = false;
        EngineRig.FakeBatch b = rig.append(w, "bad");
        rig.step();
        answerAll(Errors.INVALID_RECORD);
        assertThat(rig.outcomes).containsExactly("f INVALID_RECORD bad");
        assertThat(b.acked).as("not in the dead letter yet: it stays").isFalse();
        assertThat(rig.engine.awaitingDeadLetter()).isEqualTo(1);
        rig.advance(1_000);
        rig.steps(2);
        assertThat(b.acked).isFalse();
        rig.deadLetterAccepts = true;
        rig.advance(1_000);
        rig.steps(2);
        assertThat(b.acked).isTrue();
        assertThat(rig.deadLettered).containsExactly("INVALID_RECORD bad p=0 attempts=1");
        assertThat(rig.engine.awaitingDeadLetter()).isZero();
        assertThat(rig.outcomes).as("the listener is told once").hasSize(1);
    }
}
