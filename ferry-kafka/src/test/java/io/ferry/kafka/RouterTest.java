package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.kafka.wire.FakeKafka;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router: its table follows the metadata, and nothing waits for Kafka. */
class RouterTest {
    private final FakeKafka kafka =
            FakeKafka.withNodes(2).topic("t", 0, 1).topic("other", 0).topic("half", 0, -1, 1);
    private final EngineRig rig = new EngineRig(kafka);
    private final Router router = new Router(rig.engine);

    @AfterEach
    void close() {
        rig.close();
    }

    private void route(Event... events) {
        EngineRig.FakeBatch b = new EngineRig.FakeBatch(events.length);
        report(router.route(List.of(events), new DeliveryTracker(b, () -> {}), rig.clock.get()));
    }

    private void report(List<Router.Failed> failed) {
        failed.forEach(f -> rig.engine.fail(f.pending(), f.failure()));
    }

    /** Steps the control loop and lets the metadata listener release what waits. */
    private void refreshed() {
        rig.step();
        rig.step();
        report(router.onMetadata(rig.engine.metadata.snapshot()));
    }

    private List<Integer> queuedPartitions(String topic) {
        List<Integer> out = new ArrayList<>();
        for (PartitionWorker w : rig.engine.workers()) {
            if (w.tp.topic().equals(topic) && w.outstanding() > 0) {
                out.add(w.tp.partition());
            }
        }
        out.sort(null);
        return out;
    }

    private static Event keyed(String topic, String key) {
        return Event.of(topic, key.getBytes(), "v".getBytes());
    }

    private static Event to(String topic, int partition, String value) {
        return Event.builder(topic).partition(partition).value(value.getBytes()).build();
    }

    @Test
    void aTopicWithoutMetadataYet_isHeld_notWaitedFor_thenRouted() {
        route(keyed("t", "k"));
        assertThat(router.held()).as("held, the router went on").isEqualTo(1);
        refreshed();
        assertThat(router.held()).isZero();
        assertThat(queuedPartitions("t"))
                .containsExactly(Utils.toPositive(Utils.murmur2("k".getBytes())) % 2);
    }

    /** Issue 11: added partitions were never picked up (the table was sized once). */
    @Test
    void addedPartitions_growTheTable_andKeysHashOverTheNewCount() {
        route(keyed("t", "warm"));
        refreshed();
        kafka.addPartitions("t", 0, 1, 0, 1, 0);
        rig.cluster.control().refresh(java.util.Set.of("t"));
        refreshed();
        String key = null;
        for (int i = 0; key == null; i++) { // a key whose partition differs between 2 and 7
            String k = "key-" + i;
            int p7 = Utils.toPositive(Utils.murmur2(k.getBytes())) % 7;
            if (p7 >= 2) {
                key = k;
            }
        }
        route(keyed("t", key));
        int expected = Utils.toPositive(Utils.murmur2(key.getBytes())) % 7;
        assertThat(queuedPartitions("t")).contains(expected);
    }

    /** Issue 11: a partition beyond the cached count asks Kafka before it is refused. */
    @Test
    void aPartitionBeyondTheCachedCount_waitsForARefresh_andGoesWhenItExists() {
        route(keyed("t", "warm"));
        refreshed();
        kafka.addPartitions("t", 0, 1, 0);
        route(to("t", 4, "p4"));
        assertThat(router.held()).isEqualTo(1);
        refreshed();
        assertThat(router.held()).isZero();
        assertThat(queuedPartitions("t")).contains(4);
    }

    @Test
    void aPartitionStillMissingInFresherMetadata_failsAsUnknownPartition() {
        route(keyed("t", "warm"));
        refreshed();
        rig.advance(1);
        route(to("t", 9, "p9"));
        rig.advance(1);
        refreshed();
        assertThat(rig.outcomes).containsExactly("f UNKNOWN_PARTITION p9");
        assertThat(rig.failures.get("p9").message()).contains("topic 't' has 2 partitions");
    }

    /** CHANGELOG fix: a new topic gets up to 5 s to appear; then its events fail; others flow. */
    @Test
    void aMissingTopic_getsFiveSecondsToAppear_thenFails_andLaterEventsFailAtOnce() {
        route(Event.of("nope", "a".getBytes()));
        refreshed();
        assertThat(rig.outcomes).as("not yet: it may have just been created").isEmpty();
        route(keyed("other", "x"));
        refreshed();
        assertThat(queuedPartitions("other")).as("other topics flow meanwhile").containsExactly(0);
        rig.advance(Router.UNKNOWN_TOPIC_WAIT_MS);
        report(router.sweep(rig.clock.get()));
        assertThat(rig.outcomes).containsExactly("f UNKNOWN_TOPIC a");
        assertThat(rig.failures.get("a").message())
                .contains("does not exist")
                .doesNotContain("Exception");
        route(Event.of("nope", "b".getBytes()));
        assertThat(rig.outcomes)
                .as("within the recheck window: at once")
                .contains("f UNKNOWN_TOPIC b");
    }

    @Test
    void aTopicThatAppearsWithinTheGrace_isDelivered() {
        route(Event.of("late", "a".getBytes()));
        refreshed();
        kafka.topic("late", 1);
        rig.advance(1_000);
        report(router.sweep(rig.clock.get()));
        refreshed();
        assertThat(rig.outcomes).isEmpty();
        assertThat(queuedPartitions("late")).containsExactly(0);
    }

    @Test
    void heldEvents_keepTheirOrder_behindEachOther() {
        route(to("t", 1, "a"), to("t", 1, "b"));
        route(to("t", 1, "c"));
        refreshed();
        PartitionWorker w = rig.worker("t", 1);
        assertThat(w.outstanding()).isEqualTo(3);
    }

    /** Row: a record over max.request.size fails before it is sent. */
    @Test
    void aRecordOverMaxRequestSize_failsBeforeItIsSent() {
        route(Event.of("t", new byte[rig.settings.maxRequestSizeBytes() + 1]));
        assertThat(rig.outcomes).hasSize(1).first().asString().startsWith("f RECORD_TOO_LARGE");
    }

    /** Issue 12: held events failed as DELIVERY_TIMEOUT before; a spool keeps them. */
    @Test
    void heldEventsPastTheDeliveryTimeout_areKept() {
        kafka.connectOnOpen(false);
        try (EngineRig r = new EngineRig(FakeKafka.withNodes(1).connectOnOpen(false))) {
            Router rr = new Router(r.engine);
            EngineRig.FakeBatch b = new EngineRig.FakeBatch(1);
            rr.route(
                            List.of(Event.of("t", "a".getBytes())),
                            new DeliveryTracker(b, () -> {}),
                            r.clock.get())
                    .forEach(f -> r.engine.fail(f.pending(), f.failure()));
            r.advance(r.settings.deliveryTimeoutMs() * 3L);
            rr.sweep(r.clock.get()).forEach(f -> r.engine.fail(f.pending(), f.failure()));
            assertThat(r.outcomes).as("kept past delivery.timeout.ms").isEmpty();
            assertThat(rr.held()).isEqualTo(1);
            assertThat(b.acked).isFalse();
        }
    }

    /** Issue 12: outcomes name each event by its broker sequence, delivered or failed. */
    @Test
    void outcomes_carryEachEventsBrokerSequence() {
        EngineRig.FakeBatch b = new EngineRig.FakeBatch(3);
        b.baseSequence = 100;
        report(
                router.route(
                        List.of(
                                Event.of("t", "a".getBytes()),
                                Event.of("t", new byte[rig.settings.maxRequestSizeBytes() + 1]),
                                Event.of("t", "c".getBytes())),
                        b,
                        new DeliveryTracker(b, () -> {}),
                        rig.clock.get()));
        assertThat(rig.sequenced).hasSize(1).first().asString().endsWith("#101");
        for (int i = 0; i < 30 && rig.sequenced.size() < 3; i++) {
            refreshed();
            rig.advance(100);
            for (int node = 0; node < 2; node++) {
                if (rig.channel(node) != null && rig.produce(node) != null) {
                    rig.answer(node, tp -> EngineRig.ok(0));
                }
            }
        }
        assertThat(rig.sequenced.subList(1, 3)).containsExactlyInAnyOrder("d a#100", "d c#102");
        assertThat(b.acked).isTrue();
    }

    /**
     * Issue 12 (head-of-line blocking): null-key records went to a partition without a leader as
     * often as to any other, and waited there with their broker batch for the outage; now they go
     * only where a leader is, while there is one. Keyed records keep their partition.
     */
    @Test
    void nullKeyRecords_avoidAPartitionWithoutALeader_keyedOnesKeepTheirs() {
        route(Event.of("half", "warm".getBytes()));
        refreshed();
        for (int i = 0; i < 200; i++) {
            route(Event.of("half", ("v" + i).getBytes())); // batch.size 64: sticky moves often
        }
        assertThat(queuedPartitions("half")).doesNotContain(1).contains(0, 2);
        String key = null;
        for (int i = 0; key == null; i++) {
            String k = "key-" + i;
            if (Utils.toPositive(Utils.murmur2(k.getBytes())) % 3 == 1) {
                key = k;
            }
        }
        route(keyed("half", key));
        assertThat(queuedPartitions("half")).contains(1);
    }
}
