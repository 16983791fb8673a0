package io.ferry.kafka;

import static io.ferry.kafka.EngineRig.error;
import static io.ferry.kafka.EngineRig.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import io.ferry.mapper.Mapper;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The produce executors and partition workers through a fake channel and a fake clock: one test per
 * row of docs/kafka-engine.md's error table and per engine fix in CHANGELOG.md.
 */
class ProduceExecutorTest {
    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 1).topic("u", 0);
    private final EngineRig rig = new EngineRig(kafka);

    @AfterEach
    void close() {
        rig.close();
    }

    /** Spawns the worker and steps until it is assigned to its leader's executor. */
    private PartitionWorker ready(String topic, int p) {
        PartitionWorker w = rig.worker(topic, p);
        for (int i = 0; i < 20 && w.assignedExecutor() == null; i++) {
            rig.step();
            rig.advance(100); // the mapper retries a worker it could not resolve after its backoff
        }
        assertThat(w.assignedExecutor()).as("assigned").isNotNull();
        assertThat(rig.engine.identity().idempotent()).as("producer id").isTrue();
        return w;
    }

    @Test
    void aRound_carriesEveryReadyPartitionOfTheNode_inOneRequest() {
        kafka.topic("v", 0, 0, 0);
        PartitionWorker a = ready("v", 0);
        PartitionWorker b = ready("v", 1);
        PartitionWorker c = ready("v", 2);
        rig.append(a, "a");
        rig.append(b, "b");
        rig.append(c, "c");
        rig.step();
        assertThat(rig.channel(0).inFlightRequests()).hasSize(1);
        assertThat(((WireRequest.Produce) rig.produce(0).request()).batches()).hasSize(3);
        rig.answer(0, tp -> ok(10));
        rig.step();
        assertThat(rig.outcomes)
                .containsExactlyInAnyOrder("d v-0@10 a", "d v-1@10 b", "d v-2@10 c");
    }

    @Test
    void success_reportsEachRecordsOffset_andAcksTheBrokerBatch() {
        PartitionWorker w = ready("t", 0);
        EngineRig.FakeBatch batch = rig.append(w, "x", "y");
        rig.step();
        rig.answer(0, tp -> ok(41));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@41 x", "d t-0@42 y");
        assertThat(batch.acked).isTrue();
        assertThat(rig.engine.ackedRecords()).isEqualTo(2);
    }

    /** Row: NOT_LEADER_OR_FOLLOWER with a leader hint. */
    @Test
    void notLeader_withAHint_takesTheHint_retriesAtOnce_andMovesTheWorker() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step();
        kafka.moveLeader("t", 0, 1);
        FakeNodeChannel.Sent<Map<TopicPartition, PartitionResult>> s = rig.produce(0);
        rig.channel(0)
                .respond(
                        s,
                        Map.of(
                                new TopicPartition("t", 0),
                                new PartitionResult(
                                        WireError.of(Errors.NOT_LEADER_OR_FOLLOWER.code(), null),
                                        -1,
                                        kafka.node(1),
                                        kafka.epoch("t", 0))));
        rig.steps(3);
        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
        assertThat(rig.produce(1)).as("resent to the new leader without waiting").isNotNull();
        rig.answer(1, tp -> ok(7));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@7 x");
    }

    /** Row: a leader change seen in a metadata response. */
    @Test
    void aLeaderChangeInMetadata_movesTheWorker() {
        PartitionWorker w = ready("t", 0);
        kafka.moveLeader("t", 0, 1);
        rig.cluster.control().refresh(java.util.Set.of("t"));
        rig.steps(3);
        assertThat(w.assignedExecutor().node().id()).isEqualTo(1);
    }

    /** Row: disconnect or request timeout. */
    @Test
    void aDisconnect_retriesAfterTheBackoff_withTheSameSequence() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step();
        int[] first = EngineRig.sequences(rig.produce(0)).get(new TopicPartition("t", 0));
        rig.channel(0).fail(rig.produce(0), WireFailure.disconnected("gone"));
        rig.step();
        assertThat(rig.produce(0)).as("not before retry.backoff.ms").isNull();
        rig.advance(100);
        rig.step();
        int[] again = EngineRig.sequences(rig.produce(0)).get(new TopicPartition("t", 0));
        assertThat(again).as("same sequence: the broker de-duplicates a resend").isEqualTo(first);
        rig.answer(0, tp -> ok(3));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@3 x");
    }

    /**
     * Row: other retriable errors, past delivery.timeout.ms, until delivered (issue 12: the engine
     * is a spool; the old rule failed the record as DELIVERY_TIMEOUT).
     */
    @Test
    void aRetriableError_retriesWithBackoff_pastTheDeliveryTimeout_untilDelivered() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step();
        for (int i = 0; i < 5; i++) {
            rig.answer(0, tp -> error(Errors.NOT_ENOUGH_REPLICAS));
            rig.step(); // the answer arrives
            assertThat(rig.produce(0)).as("not resent before retry.backoff.ms").isNull();
            rig.advance(100);
            rig.step(); // resent
        }
        assertThat(rig.outcomes).isEmpty();
        rig.answer(0, tp -> error(Errors.NOT_ENOUGH_REPLICAS));
        rig.step();
        rig.advance(rig.settings.deliveryTimeoutMs() * 3L);
        rig.step();
        assertThat(rig.outcomes).as("kept past delivery.timeout.ms").isEmpty();
        rig.answer(0, tp -> ok(7));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@7 x");
    }

    /** Row: MESSAGE_TOO_LARGE for a batch of several records. */
    @Test
    void messageTooLarge_forABatchOfSeveral_splitsIt_andOnlyTheLargeRecordFails() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "a", "BIG", "c");
        rig.step();
        rig.answer(0, tp -> error(Errors.MESSAGE_TOO_LARGE));
        for (int i = 0; i < 10 && rig.outcomes.size() < 3; i++) {
            rig.advance(100);
            rig.step();
            FakeNodeChannel.Sent<Map<TopicPartition, PartitionResult>> s = rig.produce(0);
            if (s != null) {
                int[] seq = EngineRig.sequences(s).get(new TopicPartition("t", 0));
                assertThat(seq[1]).as("split into single records").isEqualTo(1);
                boolean big = rig.outcomes.size() == 1;
                rig.answer(0, tp -> big ? error(Errors.MESSAGE_TOO_LARGE) : ok(seq[0]));
            }
        }
        rig.step();
        assertThat(rig.outcomes)
                .containsExactly("d t-0@0 a", "f RECORD_TOO_LARGE BIG", "d t-0@1 c");
        assertThat(rig.failures.get("BIG").kafkaError()).isEqualTo("MESSAGE_TOO_LARGE");
    }

    /** Row: acks=0 settles a sent batch as delivered, offset -1. */
    @Test
    void acksZero_settlesWhenSent() {
        try (EngineRig r =
                new EngineRig(
                        FakeKafka.withNodes(1).topic("t", 0),
                        KafkaSettings.from(
                                Map.of(
                                        "bootstrap.servers", "localhost:9000",
                                        "acks", "0",
                                        "linger.ms", 0)))) {
            PartitionWorker w = r.engine.worker(new TopicPartition("t", 0));
            for (int i = 0; i < 10 && w.assignedExecutor() == null; i++) {
                r.step();
                r.advance(100);
            }
            EngineRig.FakeBatch b = r.append(w, "x");
            r.step();
            r.channel(0).respond(r.produce(0), Map.of()); // acks=0: no body
            r.step();
            assertThat(r.outcomes).containsExactly("d t-0@-1 x");
            assertThat(b.acked).isTrue();
        }
    }

    /**
     * Row: not acknowledged while the node cannot be reached; kept for longer than
     * delivery.timeout.ms and sent when the node is back (issue 12: lost before).
     */
    @Test
    void aNodeThatCannotBeReached_reportsItEverySecond_andItsEventsWaitForIt() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.channel(0).failConnection(WireFailure.disconnected("cannot connect to localhost:9000"));
        rig.steps(2);
        int refreshes = metadataRequests();
        rig.advance(1_000);
        rig.steps(2);
        assertThat(metadataRequests()).as("nodeFailed refreshes metadata").isGreaterThan(refreshes);
        rig.advance(rig.settings.deliveryTimeoutMs() * 3L);
        rig.steps(2);
        assertThat(rig.outcomes).as("kept past delivery.timeout.ms").isEmpty();
        rig.channel(0).connect();
        rig.advance(1_000);
        rig.steps(3);
        rig.answer(0, tp -> ok(0));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d t-0@0 x");
    }

    private int metadataRequests() {
        int n = 0;
        for (FakeNodeChannel c : kafka.opened()) {
            n += (int) c.history().stream().filter(r -> r instanceof WireRequest.Metadata).count();
        }
        return n;
    }

    /**
     * The worker of partition 0 of a new {@code topic} whose partition has no leader: unassigned.
     */
    private PartitionWorker leaderless(String topic) {
        kafka.topic(topic, -1);
        PartitionWorker w = rig.worker(topic, 0);
        rig.steps(3);
        assertThat(w.assignedExecutor()).isNull();
        return w;
    }

    /**
     * Row: no leader known: the events wait, past delivery.timeout.ms, until a leader appears
     * (issue 12: they expired before).
     */
    @Test
    void aPartitionWithoutALeader_keepsItsEvents_untilALeaderAppears() {
        PartitionWorker w = leaderless("nl");
        EngineRig.FakeBatch b = rig.append(w, "x");
        for (int i = 0; i < 30; i++) {
            rig.advance(1_000);
            rig.steps(2);
        }
        assertThat(rig.settings.deliveryTimeoutMs()).isLessThan(30_000);
        assertThat(rig.outcomes).as("kept").isEmpty();
        assertThat(b.acked).isFalse();
        kafka.moveLeader("nl", 0, 0);
        for (int i = 0; i < 10 && rig.produce(0) == null; i++) {
            rig.advance(1_000);
            rig.steps(2);
        }
        rig.answer(0, tp -> ok(0));
        rig.step();
        assertThat(rig.outcomes).containsExactly("d nl-0@0 x");
        assertThat(b.acked).isTrue();
    }

    /**
     * A leader that appears in a refresh moves the worker at once: the refresh is answered just
     * after the failed resolve that asked for it, and a reassign then was deferred to the end of
     * the mapper's backoff (100 ms more before the first produce).
     */
    @Test
    void aLeaderAppearingInTheMetadata_resolvesTheWorkerAtOnce_notAfterTheBackoff() {
        PartitionWorker w = leaderless("nl");
        rig.append(w, "x");
        kafka.moveLeader("nl", 0, 0);

        rig.advance(Mapper.DEFAULT_RETRY_BACKOFF_MS); // the failed resolve's retry is due
        rig.steps(4); // it fails on the old metadata and asks for a refresh, which is answered

        assertThat(w.assignedExecutor()).as("assigned without the clock moving").isNotNull();
        assertThat(rig.produce(0)).isNotNull();
    }

    /** Row: an unexpected exception in an executor. Fix: it backs off instead of a hot loop. */
    @Test
    void anUnexpectedException_failsInFlightBack_andBacksOffDoubling() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step();
        ProduceExecutor e = w.assignedExecutor();
        e.onUnexpected(new IllegalStateException("bug"));
        assertThat(e.errorBackoffMs()).isEqualTo(100);
        e.onUnexpected(new IllegalStateException("bug"));
        assertThat(e.errorBackoffMs()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            e.onUnexpected(new IllegalStateException("bug"));
        }
        assertThat(e.errorBackoffMs()).isEqualTo(ProduceExecutor.MAX_ERROR_BACKOFF_MS);
        rig.channel(0).connect();
        rig.advance(100);
        rig.steps(2);
        assertThat(rig.produce(0)).as("the batch is retried").isNotNull();
    }

    /** Fix: a listener that throws does not leave the batch sent forever. */
    @Test
    void aThrowingListener_doesNotStopTheExecutor() {
        FakeKafka k = FakeKafka.withNodes(1).topic("t", 0);
        java.util.concurrent.atomic.AtomicInteger calls =
                new java.util.concurrent.atomic.AtomicInteger();
        KafkaCluster c =
                KafkaCluster.builder(EngineRig.settings())
                        .clock(rig.clock::get)
                        .channels(k)
                        .stepped()
                        .start();
        ProduceEngine e =
                ProduceEngine.start(
                        c,
                        new DeliveryListener() {
                            @Override
                            public void onDelivered(io.ferry.broker.Event event, int p, long o) {
                                calls.incrementAndGet();
                                throw new IllegalStateException("listener bug");
                            }

                            @Override
                            public void onFailure(io.ferry.broker.Event event, DeliveryFailure f) {}
                        });
        try {
            PartitionWorker w = e.worker(new TopicPartition("t", 0));
            for (int i = 0; i < 10 && w.assignedExecutor() == null; i++) {
                c.control().runOnce();
                e.mapper().doWork();
                rig.advance(100);
            }
            EngineRig.FakeBatch b = new EngineRig.FakeBatch(1);
            w.append(
                    io.ferry.broker.Event.of("t", "x".getBytes()),
                    new DeliveryTracker(b, () -> {}),
                    rig.clock.get());
            ProduceExecutor ex = w.assignedExecutor();
            ex.runOnce();
            FakeNodeChannel ch = k.channel(0, "produce");
            ch.respond(
                    ch.next(WireRequest.Produce.class), Map.of(new TopicPartition("t", 0), ok(0)));
            ex.runOnce();
            assertThat(calls.get()).isEqualTo(1);
            assertThat(b.acked).as("the batch settles although the listener threw").isTrue();
        } finally {
            e.close();
            c.close();
        }
    }

    /** Fix: no busy spin: a worker blocked on answers reports only its expiry. */
    @Test
    void aWorkerWaitingForAnswers_reportsOnlyItsExpiry() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step(); // sent: the first batch goes alone until acknowledged
        rig.append(w, "y");
        long now = rig.clock.get();
        assertThat(w.nextDeadlineMs(now))
                .as("blocked: nothing to do before the answer but expire")
                .isGreaterThan(now + 9_000);
    }

    /**
     * Fix: events are expired while the node is unreachable (also covered above), acks=0 settles.
     */
    @Test
    void requestsAndPartitionsSent_areCounted() {
        PartitionWorker a = ready("t", 0);
        rig.append(a, "x");
        rig.step();
        assertThat(rig.engine.requestsAndPartitionsSent()).containsExactly(1, 1);
    }

    /**
     * Stop: the executor fails its in-flight requests back to the workers, which retry elsewhere.
     */
    @Test
    void stop_failsInFlightBackToTheWorkers() {
        PartitionWorker w = ready("t", 0);
        rig.append(w, "x");
        rig.step();
        ProduceExecutor e = w.assignedExecutor();
        e.stop();
        assertThat(rig.channel(0).closed()).isTrue();
        assertThat(w.outstanding()).as("still the worker's, to retry").isEqualTo(1);
        assertThat(rig.outcomes).isEmpty();
    }
}
