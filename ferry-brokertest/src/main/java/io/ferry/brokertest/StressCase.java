package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bounded stress case: several producers and consumers, random batch sizes, out-of-order acks,
 * cancels mid-stream; then the invariants. Seed logged; run by the JUnit thread.
 */
public abstract class StressCase extends LibbeatCases {

    /** How many events each producer tries to publish; subclasses may lower it for slow brokers. */
    protected int stressEventsPerProducer() {
        return 20_000;
    }

    @Test
    @DisplayName(
            "stress: no loss, no duplicate, order per producer, exact acks, capacity never exceeded")
    @SuppressWarnings("ThreadPriorityCheck") // the sampler yields between samples
    void stress_manyProducersAndConsumers_keepEveryInvariant() throws Exception {
        Random rnd = Seeds.random("stress");
        int producers = 2 + rnd.nextInt(4);
        int consumers = 1 + rnd.nextInt(3);
        int maxBatch = 1 + rnd.nextInt(64);
        int maxHeld = 1 + rnd.nextInt(4);
        int capacity = 1 + rnd.nextInt(1024);
        int each = stressEventsPerProducer();
        long consumerSeed = rnd.nextLong();
        System.out.printf(
                "[stress] producers=%d consumers=%d maxBatch=%d maxHeld=%d capacity=%d each=%d%n",
                producers, consumers, maxBatch, maxHeld, capacity, each);
        AckRecorder eventer = new AckRecorder();
        Broker b = broker(eventer, capacity);
        boolean acksOnStore = acksOnStore(b);

        AckRecorder[] recs = new AckRecorder[producers];
        AtomicLong[] attempted = new AtomicLong[producers];
        // learned[pid][i]: the sequence publishSeq gave event i of producer pid, or CLOSED (rule
        // 1.8)
        long[][] learned = new long[producers][each];
        List<Async<Integer>> publishing = new ArrayList<>();
        for (int id = 0; id < producers; id++) {
            recs[id] = new AckRecorder();
            attempted[id] = new AtomicLong();
            AckRecorder rec = recs[id];
            AtomicLong tries = attempted[id];
            rec.onEachAck(
                    () ->
                            assertThat(rec.acked())
                                    .as("acks never exceed publishes")
                                    .isLessThanOrEqualTo(tries.get()));
            boolean dropOnCancel = rnd.nextBoolean();
            int cancelAt = rnd.nextInt(4) == 0 ? rnd.nextInt(each) : -1;
            Producer p = b.producer(rec.config(dropOnCancel));
            int pid = id;
            publishing.add(
                    Async.start(
                            "stress-producer-" + id,
                            () -> {
                                int accepted = 0;
                                for (int i = 0; i < each; i++) {
                                    if (i == cancelAt) {
                                        p.cancel();
                                    }
                                    tries.incrementAndGet();
                                    long seq = p.publishSeq(TestEvents.event(pid, i));
                                    learned[pid][i] = seq;
                                    if (seq >= 0) {
                                        accepted++;
                                    }
                                }
                                return accepted;
                            }));
        }

        AtomicBoolean done = new AtomicBoolean();
        AtomicLong overCapacity = new AtomicLong();
        Async<Boolean> sampler =
                Async.start(
                        "stress-sampler",
                        () -> {
                            while (!done.get()) {
                                BrokerStats s = b.stats();
                                if (capacity > 0 && s.bufferedEvents() > capacity) {
                                    overCapacity.incrementAndGet();
                                }
                                Thread.yield(); // a sampler: it only needs to let the others run
                            }
                            return true;
                        });

        AtomicLong taken = new AtomicLong();
        Queue<ConsumerStream> streams = new ConcurrentLinkedQueue<>();
        List<Consumer> handles = new ArrayList<>();
        List<Async<Boolean>> consuming = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            Consumer c = b.consumer();
            handles.add(c);
            // Batches go to an acker thread that acks them out of order. It never waits for the
            // consumer while holding batches, so acks cannot deadlock against a full buffer.
            java.util.concurrent.BlockingQueue<Batch> toAck =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            Batch endMark = new EndMark();
            Random crnd = new Random(consumerSeed + i);
            Random arnd = new Random(consumerSeed - i);
            consuming.add(
                    Async.start(
                            "stress-acker-" + i,
                            () -> {
                                List<Batch> held = new ArrayList<>();
                                for (; ; ) {
                                    Batch next = held.isEmpty() ? toAck.take() : toAck.poll();
                                    if (next == endMark) {
                                        held.forEach(Batch::ack);
                                        return true;
                                    }
                                    if (next != null) {
                                        held.add(next);
                                    }
                                    if (next == null
                                            || held.size() >= maxHeld
                                            || arnd.nextInt(3) == 0) {
                                        held.remove(arnd.nextInt(held.size())).ack();
                                    }
                                }
                            }));
            consuming.add(
                    Async.start(
                            "stress-consumer-" + i,
                            () -> {
                                List<Event> mine = new ArrayList<>();
                                List<Long> mySeqs = new ArrayList<>();
                                streams.add(new ConsumerStream(mine, mySeqs));
                                try {
                                    while (true) {
                                        Batch got = c.get(1 + crnd.nextInt(maxBatch));
                                        mine.addAll(got.events());
                                        for (int k = 0; k < got.size(); k++) {
                                            mySeqs.add(got.sequence(k));
                                        }
                                        taken.addAndGet(got.size());
                                        toAck.add(got);
                                    }
                                } catch (BrokerClosedException e) {
                                    toAck.add(endMark);
                                }
                                return true;
                            }));
        }

        int[] accepted = new int[producers];
        long totalAccepted = 0;
        for (int id = 0; id < producers; id++) {
            accepted[id] = publishing.get(id).get(Duration.ofSeconds(45));
            totalAccepted += accepted[id];
        }
        long expected = totalAccepted - droppedTotal(recs);
        Awaitility.await().atMost(Duration.ofSeconds(45)).until(() -> taken.get() >= expected);
        handles.forEach(Consumer::close);
        for (Async<Boolean> c : consuming) {
            assertThat(c.get()).isTrue();
        }
        done.set(true);
        assertThat(sampler.get()).isTrue();

        assertThat(taken.get()).as("delivered = accepted - dropped").isEqualTo(expected);
        Set<Long> seen = new HashSet<>();
        Set<Long> seenSequences = new HashSet<>();
        for (ConsumerStream cs : streams) {
            List<Event> stream = cs.events();
            List<Long> seqs = cs.sequences();
            assertOrderPerProducer(stream);
            assertThat(seqs).hasSameSizeAs(stream);
            for (int k = 0; k < stream.size(); k++) {
                Event e = stream.get(k);
                assertThat(seen.add(key(e))).as("duplicate %s", e).isTrue();
                long seq = seqs.get(k);
                assertThat(seq)
                        .as("rule 2.6: the batch's sequence of %s is the one learned on publish", e)
                        .isEqualTo(learned[TestEvents.producerOf(e)][TestEvents.seqOf(e)]);
                assertThat(seenSequences.add(seq)).as("sequence %d delivered twice", seq).isTrue();
            }
        }
        for (int id = 0; id < producers; id++) {
            for (AckRecorder.Drop d : recs[id].drops()) {
                Event e = d.event();
                assertThat(seen.add(key(e)))
                        .as("dropped and delivered, or dropped twice: %s", e)
                        .isTrue();
                assertThat(d.sequence())
                        .as("rule 1.7: the drop of %s names the sequence learned on publish", e)
                        .isEqualTo(learned[TestEvents.producerOf(e)][TestEvents.seqOf(e)]);
                assertThat(seenSequences.add(d.sequence())).isTrue();
            }
        }
        Set<Long> learnedSequences = new HashSet<>();
        for (int id = 0; id < producers; id++) {
            for (long seq : learned[id]) {
                if (seq != Producer.CLOSED) {
                    assertThat(seq).as("rule 1.8: a sequence or CLOSED").isNotNegative();
                    assertThat(learnedSequences.add(seq))
                            .as("rule 1.8: sequence %d given out twice", seq)
                            .isTrue();
                }
            }
        }
        assertThat(seenSequences)
                .as("every learned sequence was delivered or dropped")
                .isEqualTo(learnedSequences);
        for (int id = 0; id < producers; id++) {
            AckRecorder rec = recs[id];
            long want = (long) accepted[id] - rec.dropped().size();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == want);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> eventer.acked() == expected);
        assertThat(overCapacity.get()).as("samples over capacity").isZero();
        if (!acksOnStore) {
            assertThat(eventer.threads()).as("acks come from one thread").hasSize(1);
        }
    }

    /**
     * What one consumer took, in order: the events and, at the same index, their batch sequences.
     */
    private record ConsumerStream(List<Event> events, List<Long> sequences) {}

    /** Tells an acker thread that its consumer has stopped. */
    private static final class EndMark implements Batch {
        @Override
        public List<Event> events() {
            return List.of();
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public long sequence(int index) {
            return java.util.Objects.checkIndex(index, 0);
        }

        @Override
        public void ack() {
            throw new UnsupportedOperationException("end mark");
        }
    }

    private static long droppedTotal(AckRecorder[] recs) {
        long n = 0;
        for (AckRecorder r : recs) {
            n += r.dropped().size();
        }
        return n;
    }

    private static long key(Event e) {
        return ((long) TestEvents.producerOf(e) << 32) | TestEvents.seqOf(e);
    }
}
