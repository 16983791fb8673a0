package io.ferry.kafka;

import static io.ferry.kafka.EngineRig.error;
import static io.ferry.kafka.EngineRig.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Event;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.PartitionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Head-of-line parking (issue 12), stepped through a fake channel and an injected clock: a
 * partition that cannot be written has its events parked aside in order, so its broker batches
 * settle and the other partitions keep flowing; once it heals they go, in order, under their main
 * broker sequences, and the partition is written directly again.
 */
class ParkingLotTest {
    private final FakeKafka kafka = FakeKafka.withNodes(1).topic("t", 0, 0);
    private final EngineRig rig = new EngineRig(kafka);
    private final Router router = new Router(rig.engine);
    private final List<String> droppedAtClose = new CopyOnWriteArrayList<>();
    private ParkingLot lot =
            new ParkingLot(
                    rig.engine,
                    router,
                    ParkingSpace.like(
                            BrokerConfig.of("memory", Map.of("events", 8)),
                            (e, seq) -> droppedAtClose.add(new String(e.value()) + "#" + seq)));
    private long nextSequence = 100;

    @AfterEach
    void close() {
        lot.close();
        rig.close();
    }

    /** Routes one broker batch: {@code p:value} entries; returns it to watch its ack. */
    private EngineRig.FakeBatch publish(String... entries) {
        List<Event> events = new ArrayList<>();
        for (String s : entries) {
            int colon = s.indexOf(':');
            events.add(
                    Event.builder("t")
                            .partition(Integer.parseInt(s.substring(0, colon)))
                            .value(s.substring(colon + 1).getBytes())
                            .build());
        }
        EngineRig.FakeBatch b = new EngineRig.FakeBatch(events.size());
        b.baseSequence = nextSequence;
        nextSequence += events.size();
        List<Router.Failed> failed =
                router.route(events, b, new DeliveryTracker(b, () -> {}), rig.clock.get());
        assertThat(failed).isEmpty();
        return b;
    }

    private void readyBoth() {
        rig.worker("t", 0);
        rig.worker("t", 1);
        for (int i = 0; i < 20 && rig.engine.assignedNode("t", 1) < 0; i++) {
            rig.step();
            rig.advance(100);
        }
        assertThat(rig.engine.assignedNode("t", 0)).isZero();
        assertThat(rig.cluster.status().ready()).isTrue();
    }

    /** Answers node 0's produce requests: partition 0 with {@code p0}, partition 1 succeeds. */
    private void answer(Errors p0) {
        long[] offset = {0};
        while (rig.produce(0) != null) {
            rig.answer(
                    0,
                    tp -> {
                        PartitionResult r =
                                tp.partition() == 0 && p0 != Errors.NONE
                                        ? error(p0)
                                        : ok(offset[0]);
                        offset[0] += 10;
                        return r;
                    });
        }
        rig.step();
    }

    /** A second of time: steps, the output's tick and the lanes. */
    private void second(Errors p0) {
        rig.advance(1_000);
        rig.steps(2);
        answer(p0);
        assertThat(router.sweep(rig.clock.get())).isEmpty(); // the output's tick: router, then lot
        lot.tick(rig.clock.get());
        lot.step();
        rig.steps(2);
        answer(p0);
    }

    private List<String> delivered(int partition) {
        List<String> out = new ArrayList<>();
        for (String o : rig.outcomes) {
            if (o.startsWith("d t-" + partition + "@")) {
                out.add(o.substring(o.indexOf(' ', 2) + 1));
            }
        }
        return out;
    }

    @Test
    void aPartitionKafkaRefuses_isParkedAside_soItsBatchSettles_andTheRestFlows() {
        readyBoth();
        EngineRig.FakeBatch b1 = publish("0:a0", "1:b0", "0:a1", "1:b1", "0:a2");
        for (int i = 0; i < 3; i++) {
            second(Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        assertThat(delivered(1)).containsExactly("b0", "b1");
        assertThat(delivered(0)).as("refused: kept, not dropped").isEmpty();
        assertThat(b1.acked)
                .as("the batch left the broker: its refused events wait in a lane")
                .isTrue();
        assertThat(lot.parkedEvents()).isEqualTo(3);
        assertThat(rig.cluster.status().degraded()).as("said loudly").isTrue();

        // later events of the refused partition queue behind the parked ones; the other flows
        EngineRig.FakeBatch b2 = publish("0:a3", "1:b2", "0:a4");
        for (int i = 0; i < 30; i++) { // long past delivery.timeout.ms (10 s here)
            second(Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        assertThat(b2.acked).isTrue();
        assertThat(delivered(1)).containsExactly("b0", "b1", "b2");
        assertThat(delivered(0)).isEmpty();
        assertThat(rig.outcomes).as("nothing failed or expired").allMatch(o -> o.startsWith("d"));

        // the operator grants the ACL: the parked events go, in order, under their own sequences
        for (int i = 0; i < 10 && delivered(0).size() < 5; i++) {
            second(Errors.NONE);
        }
        assertThat(delivered(0)).containsExactly("a0", "a1", "a2", "a3", "a4");
        assertThat(rig.sequenced)
                .contains("d a0#100", "d a1#102", "d a2#104", "d a3#105", "d a4#107");
        second(Errors.NONE);
        assertThat(lot.parkedEvents()).isZero();
        assertThat(lot.parkedByPartition()).as("the lane closed").isEmpty();
        assertThat(rig.cluster.status().degraded()).isFalse();

        // written directly again
        EngineRig.FakeBatch b3 = publish("0:a5");
        second(Errors.NONE);
        assertThat(b3.acked).isTrue();
        assertThat(delivered(0)).endsWith("a5");
        assertThat(rig.sequenced).contains("d a5#108");
    }

    @Test
    void aPartitionWithoutALeader_isParkedOnlyAfterNoProgress_whileTheClusterAnswers() {
        readyBoth();
        kafka.moveLeader("t", 0, -1);
        rig.engine.metadata.invalidate(new TopicPartition("t", 0));
        rig.steps(3);
        EngineRig.FakeBatch b1 = publish("0:a0", "1:b0");
        for (int i = 0; i < 5; i++) {
            second(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        assertThat(delivered(1)).containsExactly("b0");
        assertThat(b1.acked).as("not parked before " + ParkingLot.PARK_AFTER_MS + " ms").isFalse();
        for (int i = 0; i < 8; i++) {
            second(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        assertThat(b1.acked).as("parked once it made no progress").isTrue();
        assertThat(lot.parkedEvents()).isEqualTo(1);

        kafka.moveLeader("t", 0, 0);
        rig.engine.metadata.invalidate(new TopicPartition("t", 0));
        for (int i = 0; i < 10 && delivered(0).isEmpty(); i++) {
            second(Errors.NONE);
        }
        assertThat(delivered(0)).containsExactly("a0");
        assertThat(rig.sequenced).contains("d a0#100");
    }

    @Test
    void aFullLane_holdsLaterEventsInOrder_andTheirBatchUntilThereIsRoom() {
        readyBoth();
        publish("0:a0");
        for (int i = 0; i < 2; i++) {
            second(Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        assertThat(lot.parkedEvents()).isEqualTo(1);
        // the lane holds 8 events: these 9 do not all fit, the last waits in the router
        EngineRig.FakeBatch b2 =
                publish("0:a1", "0:a2", "0:a3", "0:a4", "0:a5", "0:a6", "0:a7", "0:a8", "1:b0");
        second(Errors.TOPIC_AUTHORIZATION_FAILED);
        assertThat(lot.parkedEvents()).isEqualTo(8);
        assertThat(b2.acked).as("an event of it waits for room: the batch stays").isFalse();
        assertThat(delivered(1)).as("held behind it, in its topic's order").isEmpty();

        for (int i = 0; i < 15 && delivered(0).size() < 9; i++) {
            second(Errors.NONE);
        }
        assertThat(delivered(0))
                .containsExactly("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8");
        assertThat(delivered(1)).containsExactly("b0");
        assertThat(b2.acked).isTrue();
    }

    @Test
    void kafkaAwayAltogether_parksNothing_theBrokerHoldsIt() {
        readyBoth();
        EngineRig.FakeBatch b1 = publish("0:a0", "1:b0");
        kafka.connectOnOpen(false);
        rig.channel(0).disconnect();
        kafka.control().disconnect();
        for (int i = 0; i < 40; i++) {
            rig.advance(1_000);
            rig.steps(2);
            lot.tick(rig.clock.get());
        }
        assertThat(rig.cluster.status().ready()).isFalse();
        assertThat(lot.parkedEvents()).isZero();
        assertThat(b1.acked).isFalse();
    }

    @Test
    void memoryParkedEventsLeftAtClose_goToTheDropListener_underTheirMainSequences() {
        readyBoth();
        publish("0:a0", "0:a1");
        for (int i = 0; i < 3; i++) {
            second(Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        assertThat(lot.parkedEvents()).isEqualTo(2);
        lot.close();
        assertThat(droppedAtClose).containsExactlyInAnyOrder("a0#100", "a1#101");
    }
}
