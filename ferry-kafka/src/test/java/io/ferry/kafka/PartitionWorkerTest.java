package io.ferry.kafka;

import static io.ferry.kafka.EngineRig.error;
import static io.ferry.kafka.EngineRig.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The idempotent sequencing of one partition worker, through a fake channel and clock. */
class PartitionWorkerTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private final FakeKafka kafka = FakeKafka.withNodes(1).topic("t", 0);
    private final EngineRig rig = new EngineRig(kafka);

    @AfterEach
    void close() {
        rig.close();
    }

    private PartitionWorker ready() {
        PartitionWorker w = rig.worker("t", 0);
        for (int i = 0; i < 20 && w.assignedExecutor() == null; i++) {
            rig.step();
            rig.advance(100);
        }
        assertThat(w.assignedExecutor()).isNotNull();
        return w;
    }

    /** The base sequences of the produce requests in flight, oldest first. */
    private List<Integer> inFlightSequences() {
        return rig.channel(0).inFlightRequests().stream()
                .map(s -> EngineRig.sequences(s).get(T0)[0])
                .toList();
    }

    private long initProducerIdRequests() {
        return kafka.opened().stream()
                .flatMap(c -> c.history().stream())
                .filter(r -> r instanceof WireRequest.InitProducerId)
                .count();
    }

    private void answerOldest(PartitionResult r) {
        FakeNodeChannel.Sent<Map<TopicPartition, PartitionResult>> s = rig.produce(0);
        rig.channel(0).respond(s, Map.of(T0, r));
    }

    /** Opens the pipeline: one batch acknowledged at sequence 0. */
    private void firstBatchAcked(PartitionWorker w) {
        rig.append(w, "first");
        rig.step();
        answerOldest(ok(0));
        rig.step();
    }

    /** Regression: a pipelined second batch overtook a failed first one on a fresh topic. */
    @Test
    void theFirstBatch_goesAlone_untilKafkaAcknowledgesIt() {
        PartitionWorker w = ready();
        rig.append(w, "a");
        rig.step();
        rig.append(w, "b");
        rig.step();
        assertThat(inFlightSequences()).as("b waits for a's answer").containsExactly(0);
        answerOldest(ok(0));
        rig.steps(2); // the answer arrives, then b goes
        rig.append(w, "c");
        rig.step();
        assertThat(inFlightSequences()).as("the pipeline is open now").containsExactly(1, 2);
    }

    @Test
    void aRetriableFailure_resendsTheFailedBatches_oneAtATime_inSequenceOrder() {
        PartitionWorker w = ready();
        firstBatchAcked(w);
        rig.append(w, "b");
        rig.step();
        rig.append(w, "c");
        rig.step();
        assertThat(inFlightSequences()).containsExactly(1, 2);
        answerOldest(error(Errors.NOT_ENOUGH_REPLICAS));
        answerOldest(error(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER)); // c: b is unresolved
        rig.step();
        rig.advance(100);
        rig.step();
        assertThat(inFlightSequences()).as("b alone").containsExactly(1);
        answerOldest(ok(1));
        rig.steps(2);
        assertThat(inFlightSequences()).as("then c").containsExactly(2);
        answerOldest(ok(2));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@0 first", "d t-0@1 b", "d t-0@2 c");
        assertThat(initProducerIdRequests()).as("no new producer id").isEqualTo(1);
    }

    @Test
    void aBatchFailingForGood_thatKafkaSurelyDidNotWrite_renumbersTheRestUnderTheSameId() {
        PartitionWorker w = ready();
        firstBatchAcked(w);
        rig.append(w, "bad");
        rig.step();
        rig.append(w, "next");
        rig.step();
        assertThat(inFlightSequences()).containsExactly(1, 2);
        answerOldest(error(Errors.INVALID_RECORD)); // refused: not written
        answerOldest(error(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
        rig.step();
        rig.advance(100);
        rig.step();
        assertThat(inFlightSequences()).as("renumbered into the hole").containsExactly(1);
        answerOldest(ok(1));
        rig.step();
        assertThat(rig.outcomes)
                .containsExactly("d t-0@0 first", "f INVALID_RECORD bad", "d t-0@1 next");
        assertThat(initProducerIdRequests()).isEqualTo(1);
    }

    /** CHANGELOG fix: a batch Kafka may have written that fails for good resets the producer id. */
    @Test
    void aBatchKafkaMayHaveWritten_failingForGood_takesANewProducerId_notARenumber() {
        PartitionWorker w = ready();
        firstBatchAcked(w);
        rig.append(w, "maybe");
        rig.step();
        rig.channel(0).fail(rig.produce(0), WireFailure.disconnected("gone")); // outcome unknown
        rig.step();
        rig.advance(100);
        rig.steps(2); // resent, now refused for good: "maybe" may be in the log
        rig.answer(0, tp -> error(Errors.INVALID_RECORD));
        rig.steps(2);
        assertThat(rig.outcomes).contains("f INVALID_RECORD maybe");
        rig.steps(3);
        assertThat(initProducerIdRequests()).as("a new producer id, not a renumber").isEqualTo(2);
        rig.append(w, "fresh");
        rig.advance(100);
        rig.steps(3);
        assertThat(inFlightSequences()).as("a new generation starts at 0").containsExactly(0);
    }

    @Test
    void outOfOrder_forTheBatchTheBrokerExpectsNext_meansItLostOurState_newProducerId() {
        PartitionWorker w = ready();
        firstBatchAcked(w);
        rig.append(w, "b");
        rig.step();
        answerOldest(error(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER)); // b is seq 1, the expected next
        rig.steps(3);
        assertThat(initProducerIdRequests()).isEqualTo(2);
        rig.advance(100);
        rig.steps(3);
        assertThat(inFlightSequences()).as("renumbered from 0 under the new id").containsExactly(0);
    }

    @Test
    void unknownProducerId_takesANewProducerId() {
        PartitionWorker w = ready();
        firstBatchAcked(w);
        rig.append(w, "b");
        rig.step();
        answerOldest(error(Errors.UNKNOWN_PRODUCER_ID));
        rig.steps(3);
        assertThat(initProducerIdRequests()).isEqualTo(2);
    }

    /** A duplicate answer means the broker already has the batch: a success. */
    @Test
    void duplicateSequence_isASuccess() {
        PartitionWorker w = ready();
        rig.append(w, "a");
        rig.step();
        answerOldest(error(Errors.DUPLICATE_SEQUENCE_NUMBER));
        rig.step();
        assertThat(rig.outcomes).hasSize(1).first().asString().startsWith("d t-0@");
    }

    /** CHANGELOG fix: a batch is full when another event like the last would not fit. */
    @Test
    void aBatchIsFull_whenAnotherEventLikeTheLastWouldNotFit_andLeavesWithoutLinger() {
        try (EngineRig r =
                new EngineRig(
                        FakeKafka.withNodes(1).topic("t", 0),
                        EngineRig.settings().withLingerMs(5_000).withBatchSizeBytes(100))) {
            PartitionWorker w = r.engine.worker(T0);
            for (int i = 0; i < 20 && w.assignedExecutor() == null; i++) {
                r.step();
                r.advance(100);
            }
            int one = io.ferry.broker.Event.of("t", "0123456789".getBytes()).sizeBytes();
            int fit = 100 / one;
            r.append(w, "first");
            r.advance(5_000); // its linger
            r.step();
            r.channel(0).respond(r.produce(0), Map.of(T0, ok(0)));
            r.step(); // the pipeline is open; linger is 5 s from here
            for (int i = 0; i < fit - 1; i++) {
                r.append(w, "0123456789");
            }
            r.step();
            assertThat(r.produce(0)).as("not full: waits for linger.ms").isNull();
            r.append(w, "0123456789");
            r.step();
            assertThat(r.produce(0)).as("another would not fit: full, sent at once").isNotNull();
            assertThat(EngineRig.sequences(r.produce(0)).get(T0)[1]).isEqualTo(fit);
        }
    }

    @Test
    void sendsNothing_untilThereIsAProducerId() {
        kafka.producerIdAnswers("COORDINATOR_LOAD_IN_PROGRESS");
        try (EngineRig r = new EngineRig(kafka)) {
            PartitionWorker w = r.engine.worker(T0);
            for (int i = 0; i < 20 && w.assignedExecutor() == null; i++) {
                r.step();
                r.advance(100);
            }
            r.append(w, "a");
            r.steps(3);
            assertThat(r.produce(0)).isNull();
            kafka.producerIdAnswers("NONE");
            r.advance(1_000); // retried on the next control tick
            r.steps(3);
            assertThat(r.produce(0)).isNotNull();
        }
    }

    @Test
    void theSameBytes_goOutOnEveryResend() {
        PartitionWorker w = ready();
        rig.append(w, "a");
        rig.step();
        var first = ((WireRequest.Produce) rig.produce(0).request()).batches().get(T0);
        rig.channel(0).fail(rig.produce(0), new WireFailure(WireFailure.Kind.TIMEOUT, "slow"));
        rig.step();
        rig.advance(100);
        rig.step();
        var again = ((WireRequest.Produce) rig.produce(0).request()).batches().get(T0);
        assertThat(again).as("the same encoded batch object, same sequence").isSameAs(first);
        assertThat(initProducerIdRequests()).as("a timeout is no reason for a new id").isEqualTo(1);
    }
}
