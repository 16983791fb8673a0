package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cases libbeat's own broker suite ran, as a floor, with order and ack checks added: random
 * sizes per run (events 32..1023, batch below the event count, buffer below the batch), seed
 * logged. Run by the JUnit thread.
 */
public abstract class LibbeatCases extends SequenceRules {

    @ParameterizedTest(name = "1 producer, 1 consumer, acks={0}, whole batches={1}")
    @CsvSource({"true,true", "true,false", "false,true", "false,false"})
    @DisplayName("libbeat: one producer, one consumer")
    void libbeat_oneProducerOneConsumer(boolean acks, boolean wholeBatches) throws Exception {
        run("libbeat_1p1c_" + acks + "_" + wholeBatches, new boolean[] {acks}, 1, wholeBatches);
    }

    @ParameterizedTest(name = "2 producers (acks {0}/{1}), 2 consumers, whole batches={2}")
    @CsvSource({
        "true,true,true", "true,false,true", "false,false,true",
        "true,true,false", "true,false,false", "false,false,false"
    })
    @DisplayName("libbeat: two producers, two consumers, every mix of acking producers")
    void libbeat_twoProducersTwoConsumers(boolean acks0, boolean acks1, boolean wholeBatches)
            throws Exception {
        run(
                "libbeat_2p2c_" + acks0 + acks1 + wholeBatches,
                new boolean[] {acks0, acks1},
                2,
                wholeBatches);
    }

    @ParameterizedTest(name = "1 producer, 2 consumers, without acks, whole batches={0}")
    @CsvSource({"true", "false"})
    @DisplayName("libbeat (meant, mislabeled there): one producer, two consumers, without acks")
    void libbeat_oneProducerTwoConsumers_withoutAcks(boolean wholeBatches) throws Exception {
        run("libbeat_1p2c_" + wholeBatches, new boolean[] {false}, 2, wholeBatches);
    }

    @ParameterizedTest(name = "2 producers, 1 consumer, without acks, whole batches={0}")
    @CsvSource({"true", "false"})
    @DisplayName("libbeat (meant, mislabeled there): two producers, one consumer, without acks")
    void libbeat_twoProducersOneConsumer_withoutAcks(boolean wholeBatches) throws Exception {
        run("libbeat_2p1c_" + wholeBatches, new boolean[] {false, false}, 1, wholeBatches);
    }

    @Test
    @DisplayName(
            "libbeat: 3 events published then cancelled with dropOnCancel, 7 from another producer: exactly the 7 arrive, in order")
    void libbeat_cancel_onlyTheSecondProducersEventsArrive() throws Exception {
        Broker b = broker(Eventer.NONE, 32);
        Producer first = b.producer(ProducerConfig.DEFAULT.dropOnCancel(true));
        publish(first, 0, 0, 3);
        assertThat(first.cancel()).isEqualTo(3);
        Producer second = b.producer(ProducerConfig.DEFAULT);
        publish(second, 1, 0, 7);
        List<Event> events = drain(b.consumer(), 7, 0);
        assertThat(events).extracting(TestEvents::producerOf).containsOnly(1);
        assertThat(events).extracting(TestEvents::seqOf).containsExactly(0, 1, 2, 3, 4, 5, 6);
    }

    private void run(String name, boolean[] producerAcks, int consumers, boolean wholeBatches)
            throws Exception {
        Random rnd = Seeds.random(name);
        int events = 32 + rnd.nextInt(992);
        int batch = 1 + rnd.nextInt(events - 1);
        int buffer = Math.max(1, batch == 1 ? 1 : rnd.nextInt(batch));
        System.out.println(
                "[" + name + "] events=" + events + " batch=" + batch + " buffer=" + buffer);
        Broker b = broker(Eventer.NONE, buffer);
        int producers = producerAcks.length;
        AckRecorder[] acks = new AckRecorder[producers];
        List<Async<Boolean>> running = new ArrayList<>();
        for (int id = 0; id < producers; id++) {
            acks[id] = new AckRecorder();
            Producer p =
                    b.producer(
                            producerAcks[id]
                                    ? ProducerConfig.withAcks(acks[id])
                                    : ProducerConfig.DEFAULT);
            int pid = id;
            int share = events / producers + (id < events % producers ? 1 : 0);
            running.add(
                    Async.start(
                            name + "-producer-" + id,
                            () -> {
                                publish(p, pid, 0, share);
                                return true;
                            }));
        }
        AtomicInteger taken = new AtomicInteger();
        Queue<List<Event>> streams = new ConcurrentLinkedQueue<>();
        List<Consumer> handles = new ArrayList<>();
        List<Async<Boolean>> consuming = new ArrayList<>();
        int max = wholeBatches ? -1 : batch;
        for (int i = 0; i < consumers; i++) {
            Consumer c = b.consumer();
            handles.add(c);
            consuming.add(
                    Async.start(
                            name + "-consumer-" + i,
                            () -> {
                                List<Event> mine = new ArrayList<>();
                                streams.add(mine);
                                try {
                                    while (taken.get() < events) {
                                        Batch got = c.get(max);
                                        if (max > 0) {
                                            assertThat(got.size()).isLessThanOrEqualTo(max);
                                        }
                                        mine.addAll(got.events());
                                        taken.addAndGet(got.size());
                                        got.ack();
                                    }
                                } catch (BrokerClosedException e) {
                                    // the test closes consumers once every event arrived
                                }
                                return true;
                            }));
        }
        for (Async<Boolean> r : running) {
            assertThat(r.get()).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> taken.get() >= events);
        handles.forEach(Consumer::close);
        for (Async<Boolean> c : consuming) {
            assertThat(c.get()).isTrue();
        }
        List<Event> all = new ArrayList<>();
        for (List<Event> stream : streams) {
            assertOrderPerProducer(stream);
            all.addAll(stream);
        }
        assertThat(all).as("every event exactly once").hasSize(events);
        assertThat(
                        all.stream()
                                .map(e -> TestEvents.producerOf(e) + ":" + TestEvents.seqOf(e))
                                .distinct()
                                .count())
                .isEqualTo(events);
        for (int id = 0; id < producers; id++) {
            if (producerAcks[id]) {
                int share = events / producers + (id < events % producers ? 1 : 0);
                AckRecorder r = acks[id];
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.acked() == share);
            }
        }
    }
}
