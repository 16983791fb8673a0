package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 1.x of {@code docs/broker-spec.md}: producers. Run by the JUnit thread. */
public abstract class ProducerRules extends BrokerTestBase {

    @Test
    @DisplayName(
            "1.1 publish blocks while the buffer is full and returns true once the broker holds the event")
    void rule1_1_publish_blocksWhileFull_returnsTrueOnceHeld() throws Exception {
        Broker b = broker(Eventer.NONE, 2);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 2);
        Async<Boolean> third =
                Async.start("publisher", () -> p.publish(TestEvents.event(0, 2))).awaitBlocked();
        Consumer c = b.consumer();
        drain(c, 2, 2);
        assertThat(third.get()).isTrue();
        List<Event> rest = drain(c, 1, 1);
        assertThat(TestEvents.seqOf(rest.get(0))).isEqualTo(2);
    }

    @Test
    @DisplayName(
            "1.1 a publish blocked on a full buffer returns false when its producer is cancelled")
    void rule1_1_blockedPublish_whenCancelled_returnsFalse() throws Exception {
        Broker b = broker(Eventer.NONE, 1);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 1);
        Async<Boolean> blocked =
                Async.start("publisher", () -> p.publish(TestEvents.event(0, 1))).awaitBlocked();
        p.cancel();
        assertThat(blocked.get()).isFalse();
    }

    @Test
    @DisplayName("1.1 a publish blocked on a full buffer returns false when the broker closes")
    void rule1_1_blockedPublish_whenBrokerCloses_returnsFalse() throws Exception {
        Broker b = broker(Eventer.NONE, 1);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 1);
        Async<Boolean> blocked =
                Async.start("publisher", () -> p.publish(TestEvents.event(0, 1))).awaitBlocked();
        b.close();
        assertThat(blocked.get()).isFalse();
    }

    @Test
    @DisplayName("1.1 publish after cancel or close returns false at once")
    void rule1_1_publish_afterCancelOrClose_returnsFalse() throws Exception {
        Broker b = broker(Eventer.NONE, 4);
        Producer cancelled = b.producer(ProducerConfig.DEFAULT);
        cancelled.cancel();
        assertThat(cancelled.publish(TestEvents.event(0, 0))).isFalse();
        Producer open = b.producer(ProducerConfig.DEFAULT);
        b.close();
        assertThat(open.publish(TestEvents.event(1, 0))).isFalse();
    }

    @Test
    @DisplayName("1.2 tryPublish never blocks: false when full, true again once space is released")
    void rule1_2_tryPublish_whenFull_returnsFalse_thenTrueAfterAck() throws Exception {
        Broker b = broker(Eventer.NONE, 3);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        for (int i = 0; i < 3; i++) {
            assertThat(p.tryPublish(TestEvents.event(0, i))).isTrue();
        }
        assertThat(p.tryPublish(TestEvents.event(0, 3))).as("full").isFalse();
        Consumer c = b.consumer();
        // get(3) may return fewer (rule 2.1; a durable broker hands out only what is forced): take
        // all 3.
        List<Batch> taken = new ArrayList<>();
        for (int n = 0; n < 3; n += taken.get(taken.size() - 1).size()) {
            taken.add(c.get(3 - n));
        }
        assertThat(p.tryPublish(TestEvents.event(0, 3)))
                .as("taken but not acked: still full")
                .isFalse();
        taken.forEach(Batch::ack);
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> p.tryPublish(TestEvents.event(0, 3)));
        assertThat(TestEvents.seqOf(drain(c, 1, 1).get(0))).isEqualTo(3);
    }

    @Test
    @DisplayName("1.2 tryPublish returns false for a cancelled producer and a closed broker")
    void rule1_2_tryPublish_whenCancelledOrClosed_returnsFalse() {
        Broker b = broker(Eventer.NONE, 4);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        p.cancel();
        assertThat(p.tryPublish(TestEvents.event(0, 0))).isFalse();
        Producer q = b.producer(ProducerConfig.DEFAULT);
        b.close();
        assertThat(q.tryPublish(TestEvents.event(1, 0))).isFalse();
    }

    @Test
    @DisplayName(
            "1.3 events of one producer are handed out in publish order, interleaved with others")
    void rule1_3_eventsOfOneProducer_keepPublishOrder() throws Exception {
        Broker b = broker(Eventer.NONE, 64);
        int producers = 3;
        int each = 2_000;
        List<Async<Boolean>> running = new ArrayList<>();
        for (int id = 0; id < producers; id++) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            int pid = id;
            running.add(
                    Async.start(
                            "producer-" + id,
                            () -> {
                                publish(p, pid, 0, each);
                                return true;
                            }));
        }
        List<Event> events = drain(b.consumer(), producers * each, 17);
        for (Async<Boolean> r : running) {
            assertThat(r.get()).isTrue();
        }
        assertOrderPerProducer(events);
    }

    @Test
    @DisplayName(
            "1.4 ack counts sum, in order, to the events acknowledged, never more than published")
    void rule1_4_ackCounts_sumToAcknowledgedEvents() throws Exception {
        Broker b = broker(Eventer.NONE, 16);
        AckRecorder acks = new AckRecorder();
        int[] published = new int[1];
        acks.onEachAck(() -> assertThat(acks.acked()).isLessThanOrEqualTo(published[0]));
        Producer p = b.producer(ProducerConfig.withAcks(acks));
        Consumer c = b.consumer();
        for (int round = 0; round < 10; round++) {
            published[0] += 10;
            publish(p, 0, round * 10, round * 10 + 10);
            Batch batch = c.get(10);
            if (!acksOnStore(b)) {
                assertThat(acks.acked())
                        .as("no ack before the consumer acks")
                        .isEqualTo(round * 10L);
            }
            int taken = batch.size();
            batch.ack();
            if (taken < 10) {
                drain(c, 10 - taken, 10);
            }
            long expected = (round + 1) * 10L;
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> acks.acked() == expected);
        }
        assertThat(acks.acked()).isEqualTo(100);
        assertThat(acks.threads()).as("ack callbacks come from one thread").hasSize(1);
    }

    @Test
    @DisplayName(
            "1.5 producers without an ack listener mix with producers that have one; counts stay exact")
    void rule1_5_producerWithoutAckListener_doesNotDisturbOthersCounts() throws Exception {
        Broker b = broker(Eventer.NONE, 32);
        AckRecorder acks = new AckRecorder();
        Producer with = b.producer(ProducerConfig.withAcks(acks));
        Producer without = b.producer(ProducerConfig.DEFAULT);
        Consumer c = b.consumer();
        for (int i = 0; i < 100; i++) {
            assertThat(with.publish(TestEvents.event(0, i))).isTrue();
            assertThat(without.publish(TestEvents.event(1, i))).isTrue();
            drain(c, 2, 0);
        }
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> acks.acked() == 100);
        assertThat(acks.acked()).isEqualTo(100);
    }
}
