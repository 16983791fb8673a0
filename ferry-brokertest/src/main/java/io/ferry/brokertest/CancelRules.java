package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 1.6 and 1.7 of {@code docs/broker-spec.md}: cancel and drops. Run by the JUnit thread. */
public abstract class CancelRules extends ProducerRules {

    @Test
    @DisplayName(
            "1.6 cancel with dropOnCancel removes the events not yet handed out and returns their number")
    void rule1_6_cancelWithDropOnCancel_removesUnreadEvents() throws Exception {
        Broker b = broker(Eventer.NONE, 16);
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(rec.config(true));
        Producer other = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 3);
        Consumer c = b.consumer();
        Batch handedOut = c.get(2);
        assertThat(handedOut.size()).isLessThanOrEqualTo(2);
        int handed = handedOut.size();
        publish(p, 0, 3, 6);
        publish(other, 1, 0, 2);
        assertThat(p.cancel()).as("events of p not yet handed out").isEqualTo(6 - handed);
        assertThat(rec.dropped())
                .as("rule 1.7: removed events are reported to the drop listener")
                .extracting(TestEvents::seqOf)
                .containsExactlyElementsOf(seqs(handed, 6));
        assertThat(TestEvents.seqOf(handedOut.events().get(0))).isZero();
        handedOut.ack();
        List<Event> rest = drain(c, 2, 0);
        assertThat(rest).extracting(TestEvents::producerOf).containsOnly(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == handed);
        assertThat(p.cancel()).as("a second cancel").isZero();
    }

    @Test
    @DisplayName(
            "1.6 cancel without dropOnCancel keeps the buffered events, which are delivered; returns 0")
    void rule1_6_cancelWithoutDropOnCancel_keepsEvents() throws Exception {
        Broker b = broker(Eventer.NONE, 16);
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(rec.config(false));
        publish(p, 0, 0, 5);
        assertThat(p.cancel()).isZero();
        assertThat(p.publish(TestEvents.event(0, 5))).isFalse();
        List<Event> events = drain(b.consumer(), 5, 0);
        assertThat(events).extracting(TestEvents::seqOf).containsExactly(0, 1, 2, 3, 4);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == 5);
        assertThat(rec.dropped()).isEmpty();
    }

    @Test
    @DisplayName(
            "1.7 a publish racing a cancel: each event is delivered, dropped (reported once) or refused")
    void rule1_7_publishRacingCancel_eachEventHasExactlyOneFate() throws Exception {
        java.util.Random rnd = Seeds.random("rule1_7_publishRacingCancel");
        for (int round = 0; round < 20; round++) {
            Broker b = broker(Eventer.NONE, 64);
            AckRecorder rec = new AckRecorder();
            Producer p = b.producer(rec.config(true));
            int attempts = 200 + rnd.nextInt(800);
            Consumer c = b.consumer();
            Set<Integer> delivered = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Async<Integer> accepted =
                    Async.start(
                            "publisher",
                            () -> {
                                int ok = 0;
                                for (int i = 0; i < attempts; i++) {
                                    if (p.publish(TestEvents.event(0, i))) {
                                        ok++;
                                    }
                                }
                                return ok;
                            });
            int cancelAfter = rnd.nextInt(50);
            int taken = 0;
            int removed = -1;
            while (removed < 0) {
                if (taken >= cancelAfter) {
                    removed = p.cancel();
                    break;
                }
                taken += take(c, delivered);
            }
            int acceptedCount = accepted.get();
            while (delivered.size() + rec.dropped().size() < acceptedCount) {
                take(c, delivered);
            }
            Set<Integer> dropped = new HashSet<>();
            for (Event e : rec.dropped()) {
                assertThat(dropped.add(TestEvents.seqOf(e)))
                        .as("drop reported twice: %s", e)
                        .isTrue();
            }
            assertThat(java.util.Collections.disjoint(dropped, delivered))
                    .as("dropped and delivered are disjoint")
                    .isTrue();
            assertThat(delivered.size() + dropped.size())
                    .as("every accepted event has one fate")
                    .isEqualTo(accepted.get());
            assertThat(removed)
                    .as("cancel's count is among the reported drops")
                    .isLessThanOrEqualTo(dropped.size());
            b.close();
        }
    }

    @Test
    @DisplayName(
            "1.7 closing the broker reports every accepted, unacknowledged event as dropped, once")
    void rule1_7_close_reportsUnackedEventsAsDroppedOnce() throws Exception {
        Broker b = broker(Eventer.NONE, 32);
        Assumptions.assumeFalse(
                b.capabilities()
                        .contains(io.ferry.broker.BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART),
                "durable brokers keep these events (rule 3.3)");
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(rec.config(false));
        publish(p, 0, 0, 10);
        Consumer c = b.consumer();
        Batch acked = c.get(3);
        int ackedCount = acked.size();
        acked.ack();
        Batch outstanding = c.get(2);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == ackedCount);
        b.close();
        assertThat(rec.dropped())
                .extracting(TestEvents::seqOf)
                .containsExactlyElementsOf(seqs(ackedCount, 10));
        outstanding.ack(); // ignored after close, not an error
        assertThat(rec.dropped()).hasSize(10 - ackedCount);
        assertThat(rec.acked()).isEqualTo(ackedCount);
    }

    private static int take(Consumer c, Set<Integer> delivered) throws InterruptedException {
        Batch batch = c.get(8);
        for (Event e : batch.events()) {
            assertThat(delivered.add(TestEvents.seqOf(e))).as("delivered twice: %s", e).isTrue();
        }
        batch.ack();
        return batch.size();
    }

    private static List<Integer> seqs(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }

    private static final class Assumptions {
        static void assumeFalse(boolean condition, String reason) {
            org.junit.jupiter.api.Assumptions.assumeFalse(condition, reason);
        }
    }
}
