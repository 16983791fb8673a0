package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 2.x of {@code docs/broker-spec.md}: consumers and batches. Run by the JUnit thread. */
public abstract class ConsumerRules extends CancelRules {

    @Test
    @DisplayName("2.1 get blocks until an event is available")
    void rule2_1_get_blocksUntilAnEventIsAvailable() throws Exception {
        Broker b = broker(Eventer.NONE, 8);
        Consumer c = b.consumer();
        Async<Batch> get = Async.start("consumer", () -> c.get(4)).awaitBlocked();
        b.producer(ProducerConfig.DEFAULT).publish(TestEvents.event(0, 0));
        Batch batch = get.get();
        assertThat(batch.events()).extracting(TestEvents::seqOf).containsExactly(0);
        batch.ack();
    }

    @Test
    @DisplayName("2.1 get(n) returns at most n events; get(n <= 0) lets the broker choose")
    void rule2_1_get_returnsAtMostN() throws Exception {
        Broker b = broker(Eventer.NONE, 64);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        publish(p, 0, 0, 50);
        Consumer c = b.consumer();
        Batch five = c.get(5);
        assertThat(five.size()).isBetween(1, 5);
        assertThat(five.events()).hasSize(five.size());
        five.ack();
        List<Event> rest = new ArrayList<>();
        while (rest.size() < 50 - five.size()) {
            Batch any = c.get(-1);
            assertThat(any.size()).isPositive();
            rest.addAll(any.events());
            any.ack();
        }
        assertThat(rest).hasSize(50 - five.size());
        assertOrderPerProducer(rest);
    }

    @Test
    @DisplayName("2.1 with flush settings get waits for the minimum, or the timeout and no longer")
    void rule2_1_flush_waitsForMinimumOrTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        Broker b = broker(BrokerSpec.of(Eventer.NONE, 64).withFlush(10, timeout));
        Producer p = b.producer(ProducerConfig.DEFAULT);
        Consumer c = b.consumer();
        publish(p, 0, 0, 3);
        long start = System.nanoTime();
        Batch partial = c.get(20);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(partial.size()).isEqualTo(3);
        assertThat(waitedMs)
                .as("waited for the flush timeout")
                .isGreaterThanOrEqualTo(timeout.toMillis() - 20);
        assertThat(waitedMs).as("and not much longer").isLessThan(timeout.toMillis() + 5_000);
        partial.ack();
        publish(p, 0, 3, 13);
        Batch full = c.get(20);
        assertThat(full.size()).as("the minimum was there: no wait needed").isEqualTo(10);
        full.ack();
        Async<Batch> waiting = Async.start("consumer", () -> c.get(20)).awaitBlocked();
        publish(p, 0, 13, 23);
        assertThat(waiting.get().size()).isEqualTo(10);
    }

    @Test
    @DisplayName("2.2 an event is in at most one outstanding batch, also with concurrent consumers")
    void rule2_2_eachEventInOneBatch_withConcurrentConsumers() throws Exception {
        Broker b = broker(Eventer.NONE, 128);
        int total = 20_000;
        Producer p = b.producer(ProducerConfig.DEFAULT);
        Async<Boolean> producer =
                Async.start(
                        "producer",
                        () -> {
                            publish(p, 0, 0, total);
                            return true;
                        });
        Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger count =
                new java.util.concurrent.atomic.AtomicInteger();
        List<Async<Boolean>> consumers = new ArrayList<>();
        List<Consumer> handles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Consumer c = b.consumer();
            handles.add(c);
            consumers.add(
                    Async.start(
                            "consumer-" + i,
                            () -> {
                                try {
                                    while (count.get() < total) {
                                        Batch batch = c.get(7);
                                        List<Integer> mine = new ArrayList<>();
                                        for (Event e : batch.events()) {
                                            mine.add(TestEvents.seqOf(e));
                                        }
                                        assertThat(mine)
                                                .as("one consumer's batch keeps order")
                                                .isSorted();
                                        for (int s : mine) {
                                            assertThat(seen.add(s))
                                                    .as("event %d handed out twice", s)
                                                    .isTrue();
                                        }
                                        count.addAndGet(batch.size());
                                        batch.ack();
                                    }
                                } catch (BrokerClosedException e) {
                                    // closed by the test once everything arrived
                                }
                                return true;
                            }));
        }
        assertThat(producer.get()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> count.get() == total);
        handles.forEach(Consumer::close);
        for (Async<Boolean> c : consumers) {
            assertThat(c.get()).isTrue();
        }
        assertThat(seen).hasSize(total);
    }

    @Test
    @DisplayName(
            "2.3 batches acked out of order are released in publish order, as one contiguous prefix")
    void rule2_3_outOfOrderAcks_releasedInOrder() throws Exception {
        AckRecorder eventer = new AckRecorder();
        Broker b = broker(eventer, 16);
        Assumptions.assumeFalse(acksOnStore(b), "acks come from durable store (rule 3.4)");
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(ProducerConfig.withAcks(rec));
        publish(p, 0, 0, 9);
        Consumer c = b.consumer();
        Batch b1 = c.get(3);
        Batch b2 = c.get(3);
        Batch b3 = c.get(3);
        int firstTwo = b1.size() + b2.size();
        int all = firstTwo + b3.size();
        b3.ack();
        b2.ack();
        // A negative check needs a window: for 200 ms nothing may be acked while b1 is outstanding.
        Awaitility.await()
                .during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> rec.acked() == 0);
        assertThat(eventer.acked()).as("the eventer waits for the prefix too").isZero();
        b1.ack();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == all);
        assertThat(eventer.acked()).isEqualTo(all);
        assertThat(firstTwo).isPositive();
    }

    @Test
    @DisplayName("2.4 acking a batch twice, or reading it after its ack, fails clearly")
    void rule2_4_doubleAckAndReadAfterAck_fail() throws Exception {
        Broker b = broker(Eventer.NONE, 8);
        publish(b.producer(ProducerConfig.DEFAULT), 0, 0, 2);
        Batch batch = b.consumer().get(2);
        batch.ack();
        assertThatThrownBy(batch::ack)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("acknowledged");
        assertThatThrownBy(batch::events).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName(
            "2.5 closing a consumer unblocks its pending get with a closed error; closing twice is harmless")
    void rule2_5_consumerClose_unblocksGet() throws Exception {
        Broker b = broker(Eventer.NONE, 8);
        Consumer c = b.consumer();
        Async<Batch> get = Async.start("consumer", () -> c.get(1)).awaitBlocked();
        c.close();
        assertThatThrownBy(get::get)
                .isInstanceOf(BrokerClosedException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> c.get(1)).isInstanceOf(BrokerClosedException.class);
        c.close();
        Consumer other = b.consumer();
        b.producer(ProducerConfig.DEFAULT).publish(TestEvents.event(0, 0));
        assertThat(drain(other, 1, 1)).hasSize(1);
    }

    @Test
    @DisplayName("2.5 closing the broker unblocks a pending get with a closed error")
    void rule2_5_brokerClose_unblocksGet() throws Exception {
        Broker b = broker(Eventer.NONE, 8);
        Consumer c = b.consumer();
        Async<Batch> get = Async.start("consumer", () -> c.get(1)).awaitBlocked();
        b.close();
        assertThatThrownBy(get::get).isInstanceOf(BrokerClosedException.class);
        assertThatThrownBy(() -> c.get(1)).isInstanceOf(BrokerClosedException.class);
    }

    static Set<Integer> seqSet(List<Event> events) {
        Set<Integer> s = new HashSet<>();
        events.forEach(e -> s.add(TestEvents.seqOf(e)));
        return s;
    }

    private static final class Assumptions {
        static void assumeFalse(boolean condition, String reason) {
            org.junit.jupiter.api.Assumptions.assumeFalse(condition, reason);
        }
    }
}
