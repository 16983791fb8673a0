package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 3.x of {@code docs/broker-spec.md}: the broker as a whole. Run by the JUnit thread. */
public abstract class BrokerRules extends ConsumerRules {

    @Test
    @DisplayName("3.1 bufferConfig().events() is the capacity in events, or <= 0 when unknown")
    void rule3_1_bufferConfig_reportsCapacity() {
        Broker b = broker(Eventer.NONE, 100);
        int events = b.bufferConfig().events();
        assertThat(events <= 0 || events == 100).as("capacity %d", events).isTrue();
    }

    @Test
    @DisplayName("3.2 the eventer gets the consecutive totals before the producers' listeners")
    void rule3_2_eventerTotals_comeBeforeProducerListeners() throws Exception {
        AtomicLong eventerTotal = new AtomicLong();
        AtomicLong producerTotal = new AtomicLong();
        AtomicLong violations = new AtomicLong();
        Broker b = broker(eventerTotal::addAndGet, 32);
        int producers = 3;
        int each = 500;
        List<Async<Boolean>> running = new java.util.ArrayList<>();
        for (int id = 0; id < producers; id++) {
            Producer p =
                    b.producer(
                            ProducerConfig.withAcks(
                                    n -> {
                                        if (producerTotal.addAndGet(n) > eventerTotal.get()) {
                                            violations.incrementAndGet();
                                        }
                                    }));
            int pid = id;
            running.add(
                    Async.start(
                            "producer-" + id,
                            () -> {
                                publish(p, pid, 0, each);
                                return true;
                            }));
        }
        drain(b.consumer(), producers * each, 10);
        for (Async<Boolean> r : running) {
            assertThat(r.get()).isTrue();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> producerTotal.get() == (long) producers * each);
        assertThat(eventerTotal.get()).isEqualTo((long) producers * each);
        assertThat(violations.get()).as("producer acks ahead of the eventer's total").isZero();
    }

    @Test
    @DisplayName("3.3 close unblocks every blocked publish and get; nothing hangs")
    void rule3_3_close_unblocksPublishAndGet() throws Exception {
        Broker b = broker(Eventer.NONE, 1);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 1);
        Async<Boolean> publisher =
                Async.start("publisher", () -> p.publish(TestEvents.event(0, 1))).awaitBlocked();
        Broker empty = broker(Eventer.NONE, 1);
        Consumer c = empty.consumer();
        Async<Batch> getter = Async.start("consumer", () -> c.get(1)).awaitBlocked();
        b.close();
        empty.close();
        assertThat(publisher.get()).isFalse();
        assertThatThrownBy(getter::get).isInstanceOf(BrokerClosedException.class);
        assertThatThrownBy(() -> b.producer(ProducerConfig.DEFAULT))
                .isInstanceOf(BrokerClosedException.class);
        assertThatThrownBy(b::consumer).isInstanceOf(BrokerClosedException.class);
        b.close();
    }

    @Test
    @DisplayName(
            "3.3 a durable broker keeps buffered, unacknowledged events across close and restart")
    void rule3_3_durableBroker_keepsEventsAcrossRestart() throws Exception {
        BrokerSpec spec = BrokerSpec.of(Eventer.NONE, 64);
        Broker b = broker(spec);
        Assumptions.assumeTrue(
                b.capabilities().contains(BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART),
                "broker does not keep events");
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 10);
        Consumer c = b.consumer();
        Batch acked = c.get(4);
        int ackedCount = acked.size();
        acked.ack();
        c.get(2); // handed out, never acked: may be delivered again
        Broker again = restarted(b, spec);
        List<Event> after = drain(again.consumer(), 10 - ackedCount, 0);
        assertThat(after)
                .extracting(TestEvents::seqOf)
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(ackedCount, 10).boxed().toList());
    }

    @Test
    @DisplayName("3.4 a broker acking on durable store acks producers without any consumer ack")
    void rule3_4_durableAcks_comeWithoutConsumerAck() throws Exception {
        Broker b = broker(Eventer.NONE, 64);
        Assumptions.assumeTrue(acksOnStore(b), "broker acks on consumer ack");
        AckRecorder rec = new AckRecorder();
        publish(b.producer(ProducerConfig.withAcks(rec)), 0, 0, 10);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == 10);
    }

    @Test
    @DisplayName("3.4 a broker acking on consumer ack never acks a producer before the consumer")
    void rule3_4_consumerAcks_needConsumerAck() throws Exception {
        AckRecorder eventer = new AckRecorder();
        Broker b = broker(eventer, 64);
        Assumptions.assumeFalse(acksOnStore(b), "broker acks on durable store");
        AckRecorder rec = new AckRecorder();
        publish(b.producer(ProducerConfig.withAcks(rec)), 0, 0, 10);
        Batch batch = b.consumer().get(10);
        Awaitility.await()
                .during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> rec.acked() == 0);
        int n = batch.size();
        batch.ack();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> rec.acked() == n && eventer.acked() == n);
    }

    @Test
    @DisplayName("3.5 the byte capacity holds: tryPublish fails when the bytes would not fit")
    void rule3_5_byteCapacity_holds() throws Exception {
        Event probe = TestEvents.event(0, 0, 100);
        long capacity = probe.sizeBytes() * 3L + probe.sizeBytes() / 2;
        Broker b = broker(BrokerSpec.of(Eventer.NONE, 100).withCapacityBytes(capacity));
        Producer p = b.producer(ProducerConfig.DEFAULT);
        for (int i = 0; i < 3; i++) {
            assertThat(p.tryPublish(TestEvents.event(0, i, 100))).isTrue();
        }
        assertThat(p.tryPublish(TestEvents.event(0, 3, 100)))
                .as("a fourth event exceeds the bytes")
                .isFalse();
        assertThat(b.stats().bufferedBytes()).isLessThanOrEqualTo(capacity);
        Consumer c = b.consumer();
        drain(c, 3, 0);
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> p.tryPublish(TestEvents.event(0, 3, 100)));
    }

    @Test
    @DisplayName("3.5 an event larger than the byte capacity is refused with a clear error")
    void rule3_5_eventLargerThanByteCapacity_isRefused() {
        Broker b = broker(BrokerSpec.of(Eventer.NONE, 100).withCapacityBytes(1_000));
        Producer p = b.producer(ProducerConfig.DEFAULT);
        assertThatThrownBy(() -> p.publish(TestEvents.event(0, 0, 5_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes");
        assertThat(p.tryPublish(TestEvents.event(0, 1, 10))).isTrue();
    }
}
