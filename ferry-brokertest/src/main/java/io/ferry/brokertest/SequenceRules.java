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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Rules 1.8, 2.6 and 3.6 of {@code docs/broker-spec.md}, with the sequence part of 1.7: every event
 * has a sequence the producer learns, the batch reports and a durable broker keeps. Run by the
 * JUnit thread; the concurrent test starts its own threads.
 */
public abstract class SequenceRules extends BrokerRules {

    /** One event as a consumer saw it: the sequence the batch gave and the event. */
    private record Seen(long sequence, Event event) {}

    @Test
    @DisplayName(
            "1.8 concurrent producers: every sequence learned on publish is delivered exactly once, with its event")
    void rule1_8_concurrentProducers_everyLearnedSequenceIsDeliveredOnceWithItsEvent()
            throws Exception {
        Random rnd = Seeds.random("rule1_8_concurrentProducers");
        int producers = 3 + rnd.nextInt(3);
        int consumers = 1 + rnd.nextInt(2);
        int each = 1_000 + rnd.nextInt(1_000);
        int capacity = 16 + rnd.nextInt(240);
        int maxBatch = 1 + rnd.nextInt(64);
        long consumerSeed = rnd.nextLong();
        System.out.printf(
                "[rule1_8] producers=%d consumers=%d each=%d capacity=%d maxBatch=%d%n",
                producers, consumers, each, capacity, maxBatch);
        Broker b = broker(Eventer.NONE, capacity);
        long[][] learned = new long[producers][each];
        Event[][] sent = new Event[producers][each];
        List<Async<Boolean>> publishing = new ArrayList<>();
        for (int id = 0; id < producers; id++) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            int pid = id;
            publishing.add(
                    Async.start(
                            "seq-producer-" + id,
                            () -> {
                                for (int i = 0; i < each; i++) {
                                    Event e = TestEvents.event(pid, i);
                                    sent[pid][i] = e;
                                    // Half through tryPublishSeq, falling back to the blocking
                                    // call when full: both primitives give out sequences.
                                    long seq = (i & 1) == 0 ? p.tryPublishSeq(e) : Producer.FULL;
                                    if (seq == Producer.FULL) {
                                        seq = p.publishSeq(e);
                                    }
                                    learned[pid][i] = seq;
                                }
                                return true;
                            }));
        }
        int total = producers * each;
        AtomicLong taken = new AtomicLong();
        ConcurrentLinkedQueue<List<Seen>> streams = new ConcurrentLinkedQueue<>();
        List<Consumer> handles = new ArrayList<>();
        List<Async<Boolean>> consuming = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            Consumer c = b.consumer();
            handles.add(c);
            Random crnd = new Random(consumerSeed + i);
            consuming.add(
                    Async.start(
                            "seq-consumer-" + i,
                            () -> {
                                List<Seen> mine = new ArrayList<>();
                                streams.add(mine);
                                try {
                                    for (; ; ) {
                                        Batch batch = c.get(1 + crnd.nextInt(maxBatch));
                                        List<Event> events = batch.events();
                                        long[] before = new long[batch.size()];
                                        for (int k = 0; k < batch.size(); k++) {
                                            before[k] = batch.sequence(k);
                                            mine.add(new Seen(before[k], events.get(k)));
                                        }
                                        batch.ack();
                                        for (int k = 0; k < batch.size(); k++) {
                                            assertThat(batch.sequence(k))
                                                    .as("rule 2.6: sequence(%d) after ack", k)
                                                    .isEqualTo(before[k]);
                                        }
                                        taken.addAndGet(batch.size());
                                    }
                                } catch (BrokerClosedException e) {
                                    return true;
                                }
                            }));
        }
        for (Async<Boolean> p : publishing) {
            assertThat(p.get(Duration.ofSeconds(40))).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> taken.get() >= total);
        handles.forEach(Consumer::close);
        for (Async<Boolean> c : consuming) {
            assertThat(c.get()).isTrue();
        }

        Map<Long, Long> owner = new HashMap<>(); // sequence -> producer << 32 | event number
        for (int pid = 0; pid < producers; pid++) {
            long prev = -1;
            for (int i = 0; i < each; i++) {
                long seq = learned[pid][i];
                assertThat(seq).as("sequence of event %d/%d", pid, i).isNotNegative();
                assertThat(seq)
                        .as("producer %d: sequences increase in its publish order", pid)
                        .isGreaterThan(prev);
                prev = seq;
                Long other = owner.put(seq, ((long) pid << 32) | i);
                assertThat(other).as("sequence %d given out twice", seq).isNull();
            }
        }
        Set<Long> delivered = new HashSet<>();
        for (List<Seen> stream : streams) {
            long prev = -1;
            for (Seen s : stream) {
                assertThat(s.sequence())
                        .as("one consumer sees sequences increasing")
                        .isGreaterThan(prev);
                prev = s.sequence();
                assertThat(delivered.add(s.sequence()))
                        .as("sequence %d delivered twice", s.sequence())
                        .isTrue();
                Long who = owner.get(s.sequence());
                assertThat(who)
                        .as("sequence %d was never learned on publish", s.sequence())
                        .isNotNull();
                int pid = (int) (who >>> 32);
                int i = (int) (long) who;
                assertThat(s.event())
                        .as("the event delivered under sequence %d", s.sequence())
                        .isEqualTo(sent[pid][i]);
            }
        }
        assertThat(delivered).as("every learned sequence is delivered").hasSize(total);
    }

    @Test
    @DisplayName(
            "1.8 sequences increase in the order the broker accepted the events, across producers")
    void rule1_8_sequences_increaseInAcceptanceOrder_acrossProducers() throws Exception {
        Broker b = broker(Eventer.NONE, 64);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        Producer q = b.producer(ProducerConfig.DEFAULT);
        Consumer c = b.consumer();
        long prev = -1;
        for (int i = 0; i < 20; i++) {
            long s1 = p.publishSeq(TestEvents.event(0, i));
            long s2 = q.tryPublishSeq(TestEvents.event(1, i));
            assertThat(s1).isGreaterThan(prev);
            assertThat(s2).isGreaterThan(s1);
            prev = s2;
            drain(c, 2, 0);
        }
    }

    @Test
    @DisplayName("1.8 tryPublishSeq returns FULL when there is no room, a sequence once there is")
    void rule1_8_tryPublishSeq_whenFull_returnsFULL_thenASequenceAgain() throws Exception {
        Broker b = broker(Eventer.NONE, 3);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        long last = -1;
        for (int i = 0; i < 3; i++) {
            long seq = p.tryPublishSeq(TestEvents.event(0, i));
            assertThat(seq).isGreaterThan(last);
            last = seq;
        }
        assertThat(p.tryPublishSeq(TestEvents.event(0, 3))).as("full").isEqualTo(Producer.FULL);
        drain(b.consumer(), 3, 0);
        long[] next = {Producer.FULL};
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> (next[0] = p.tryPublishSeq(TestEvents.event(0, 3))) != Producer.FULL);
        assertThat(next[0]).as("a sequence after the refused attempts").isGreaterThan(last);
        Batch batch = b.consumer().get(1);
        assertThat(batch.sequence(0)).isEqualTo(next[0]);
        assertThat(TestEvents.seqOf(batch.events().get(0))).isEqualTo(3);
        batch.ack();
    }

    @Test
    @DisplayName(
            "1.8 publishSeq and tryPublishSeq return CLOSED for a cancelled producer and a closed broker")
    void rule1_8_publishSeq_whenCancelledOrClosed_returnsCLOSED() throws Exception {
        Broker b = broker(Eventer.NONE, 1);
        Producer cancelled = b.producer(ProducerConfig.DEFAULT);
        Producer open = b.producer(ProducerConfig.DEFAULT);
        assertThat(open.publishSeq(TestEvents.event(1, 0))).isNotNegative();
        cancelled.cancel();
        assertThat(cancelled.tryPublishSeq(TestEvents.event(0, 0)))
                .as("cancelled on a full broker: CLOSED, not FULL")
                .isEqualTo(Producer.CLOSED);
        assertThat(cancelled.publishSeq(TestEvents.event(0, 0))).isEqualTo(Producer.CLOSED);
        Async<Long> blocked =
                Async.start("publisher", () -> open.publishSeq(TestEvents.event(1, 1)))
                        .awaitBlocked();
        b.close();
        assertThat(blocked.get())
                .as("blocked publishSeq when the broker closes")
                .isEqualTo(Producer.CLOSED);
        assertThat(open.tryPublishSeq(TestEvents.event(1, 2))).isEqualTo(Producer.CLOSED);
        assertThat(open.publishSeq(TestEvents.event(1, 3))).isEqualTo(Producer.CLOSED);
    }

    @Test
    @DisplayName(
            "1.8 a publishSeq blocked on a full buffer returns CLOSED when its producer is cancelled")
    void rule1_8_blockedPublishSeq_whenCancelled_returnsCLOSED() throws Exception {
        Broker b = broker(Eventer.NONE, 1);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        assertThat(p.publishSeq(TestEvents.event(0, 0))).isNotNegative();
        Async<Long> blocked =
                Async.start("publisher", () -> p.publishSeq(TestEvents.event(0, 1))).awaitBlocked();
        p.cancel();
        assertThat(blocked.get()).isEqualTo(Producer.CLOSED);
    }

    @Test
    @DisplayName(
            "1.7 the drop listener is told each dropped event with the sequence learned on publish")
    void rule1_7_dropListener_getsTheSequenceLearnedOnPublish() throws Exception {
        Broker b = broker(Eventer.NONE, 16);
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(rec.config(true));
        Producer other = b.producer(ProducerConfig.DEFAULT);
        Map<Long, Integer> learned = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            learned.put(p.publishSeq(TestEvents.event(0, i)), i);
        }
        Consumer c = b.consumer();
        Batch handedOut = c.get(2);
        for (int i = 3; i < 6; i++) {
            learned.put(p.publishSeq(TestEvents.event(0, i)), i);
            assertThat(other.publishSeq(TestEvents.event(1, i))).isNotNegative();
        }
        int removed = p.cancel();
        assertThat(removed).isEqualTo(6 - handedOut.size());
        List<AckRecorder.Drop> drops = rec.drops();
        assertThat(drops).hasSize(removed);
        for (AckRecorder.Drop d : drops) {
            assertThat(learned.get(d.sequence()))
                    .as("the dropped event's number under sequence %d", d.sequence())
                    .isEqualTo(TestEvents.seqOf(d.event()));
        }
        for (int k = 0; k < handedOut.size(); k++) {
            long seq = handedOut.sequence(k);
            assertThat(drops).extracting(AckRecorder.Drop::sequence).doesNotContain(seq);
            assertThat(learned.get(seq)).isEqualTo(TestEvents.seqOf(handedOut.events().get(k)));
        }
        handedOut.ack();
    }

    @Test
    @DisplayName("1.7 events dropped at close are reported with their sequences")
    void rule1_7_closeDrops_carryTheSequencesLearnedOnPublish() throws Exception {
        Broker b = broker(Eventer.NONE, 32);
        Assumptions.assumeFalse(
                b.capabilities().contains(BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART),
                "durable brokers keep these events (rule 3.3)");
        AckRecorder rec = new AckRecorder();
        Producer p = b.producer(rec.config(false));
        long[] learned = new long[10];
        for (int i = 0; i < 10; i++) {
            learned[i] = p.publishSeq(TestEvents.event(0, i));
        }
        Batch acked = b.consumer().get(4);
        int ackedCount = acked.size();
        acked.ack();
        // The ack is released asynchronously: close only once it was, or those events drop too.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.acked() == ackedCount);
        b.close();
        List<AckRecorder.Drop> drops = rec.drops();
        assertThat(drops).hasSize(10 - ackedCount);
        for (AckRecorder.Drop d : drops) {
            assertThat(d.sequence()).isEqualTo(learned[TestEvents.seqOf(d.event())]);
        }
    }

    @Test
    @DisplayName(
            "2.6 Batch.sequence(i) is the sequence learned on publish, also after ack; out of range fails")
    void rule2_6_batchSequence_matchesPublishSeq_andStaysValidAfterAck() throws Exception {
        Broker b = broker(Eventer.NONE, 32);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        long[] learned = new long[10];
        for (int i = 0; i < 10; i++) {
            learned[i] = p.publishSeq(TestEvents.event(0, i));
        }
        Consumer c = b.consumer();
        int seen = 0;
        while (seen < 10) {
            Batch batch = c.get(3);
            List<Event> events = batch.events();
            for (int k = 0; k < batch.size(); k++) {
                assertThat(batch.sequence(k)).isEqualTo(learned[TestEvents.seqOf(events.get(k))]);
            }
            batch.ack();
            for (int k = 0; k < batch.size(); k++) {
                assertThat(batch.sequence(k)).as("after ack").isEqualTo(learned[seen + k]);
            }
            assertThatThrownBy(() -> batch.sequence(batch.size()))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> batch.sequence(-1))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            seen += batch.size();
        }
    }

    @Test
    @DisplayName(
            "2.6 with events removed by a cancel, the batch still gives each event's own sequence")
    void rule2_6_batchSequence_withRemovedEventsBetween_isEachEventsOwn() throws Exception {
        Broker b = broker(Eventer.NONE, 64);
        Producer cancelled = b.producer(ProducerConfig.DEFAULT.dropOnCancel(true));
        Producer kept = b.producer(ProducerConfig.DEFAULT);
        long[] learned = new long[10];
        for (int i = 0; i < 10; i++) {
            assertThat(cancelled.publishSeq(TestEvents.event(0, i))).isNotNegative();
            learned[i] = kept.publishSeq(TestEvents.event(1, i));
            assertThat(cancelled.publishSeq(TestEvents.event(0, 100 + i))).isNotNegative();
        }
        assertThat(cancelled.cancel()).isEqualTo(20);
        Consumer c = b.consumer();
        int seen = 0;
        while (seen < 10) {
            Batch batch = c.get(0);
            for (int k = 0; k < batch.size(); k++) {
                Event e = batch.events().get(k);
                assertThat(TestEvents.producerOf(e)).isEqualTo(1);
                assertThat(batch.sequence(k)).isEqualTo(learned[TestEvents.seqOf(e)]);
            }
            seen += batch.size();
            batch.ack();
        }
        assertThat(seen).isEqualTo(10);
    }

    @Test
    @DisplayName(
            "3.6 a durable broker: recovered events keep their sequences, new ones are above all given out")
    void rule3_6_durableRestart_keepsSequences_andGivesOutLargerOnes() throws Exception {
        BrokerSpec spec = BrokerSpec.of(Eventer.NONE, 64);
        Broker b = broker(spec);
        Assumptions.assumeTrue(
                b.capabilities().contains(BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART),
                "broker does not keep events across restart");
        Producer p = b.producer(ProducerConfig.DEFAULT);
        long[] learned = new long[10];
        for (int i = 0; i < 10; i++) {
            learned[i] = p.publishSeq(TestEvents.event(0, i));
        }
        long max = learned[9];
        Consumer c = b.consumer();
        Batch acked = c.get(4);
        int ackedCount = acked.size();
        acked.ack();
        c.get(2); // handed out, never acked: delivered again, under the same sequence

        Broker again = restarted(b, spec);
        Consumer c2 = again.consumer();
        int seen = 0;
        while (seen < 10 - ackedCount) {
            Batch batch = c2.get(0);
            for (int k = 0; k < batch.size(); k++) {
                Event e = batch.events().get(k);
                assertThat(TestEvents.seqOf(e)).isEqualTo(ackedCount + seen + k);
                assertThat(batch.sequence(k))
                        .as("recovered event %d keeps its sequence", TestEvents.seqOf(e))
                        .isEqualTo(learned[TestEvents.seqOf(e)]);
            }
            seen += batch.size();
            batch.ack();
        }
        Producer p2 = again.producer(ProducerConfig.DEFAULT);
        for (int i = 10; i < 15; i++) {
            long seq = p2.publishSeq(TestEvents.event(0, i));
            assertThat(seq).as("a new sequence after the restart").isGreaterThan(max);
            max = seq;
        }
        drain(c2, 5, 0);

        // Everything acknowledged: the next start has nothing to recover and must still go on.
        Broker third = restarted(again, spec);
        long seq = third.producer(ProducerConfig.DEFAULT).tryPublishSeq(TestEvents.event(0, 15));
        assertThat(seq).as("a new sequence after a restart with nothing left").isGreaterThan(max);
        Batch last = third.consumer().get(0);
        assertThat(last.size()).isEqualTo(1);
        assertThat(last.sequence(0)).isEqualTo(seq);
        last.ack();
    }
}
