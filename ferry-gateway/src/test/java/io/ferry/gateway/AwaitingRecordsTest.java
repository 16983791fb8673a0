package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.kafka.DeliveryFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ack=kafka waiters matched by their record's broker sequence alone (issue 12). Regressions: with
 * the disk broker, waiters were matched by content, so an equal record could answer a request with
 * another record's partition and offset, and tell it success while its own record later failed.
 */
@Timeout(60)
class AwaitingRecordsTest {
    /** A waiter that records what it was told. */
    private static final class Waiter implements RecordOutcome {
        final List<String> answers = new CopyOnWriteArrayList<>();

        @Override
        public void delivered(int partition, long offset) {
            answers.add(partition + "@" + offset);
        }

        @Override
        public void failed(DeliveryFailure failure) {
            answers.add("failed " + failure.code());
        }
    }

    /** A broker numbering what it accepts; optionally full; optionally answering at once. */
    private static final class Broker implements AwaitingRecords.Publisher {
        final AtomicLong next = new AtomicLong();
        volatile boolean full;
        volatile LongConsumer duringPublish = s -> {};

        @Override
        public long tryPublishSeq(Event e) {
            if (full) {
                return Producer.FULL;
            }
            long s = next.getAndIncrement();
            duringPublish.accept(s); // the engine may answer before tryPublishSeq returns
            return s;
        }
    }

    private static final Event SAME = Event.of("t", "k".getBytes(), "v".getBytes());

    private static DeliveryFailure fail() {
        return DeliveryFailure.of(DeliveryFailure.Code.RECORD_TOO_LARGE, "too large");
    }

    @Test
    void anEqualRecordAtAckNone_deliveredFirst_doesNotAnswerTheWaiter_andItsOwnFailureDoes() {
        AwaitingRecords a = new AwaitingRecords();
        Broker b = new Broker();
        long none = a.publish(SAME, null, b);
        Waiter w = new Waiter();
        long mine = a.publish(Event.of("t", "k".getBytes(), "v".getBytes()), w, b);
        a.delivered(none, 0, 7);
        assertThat(w.answers).as("an equal record's offset is not its answer").isEmpty();
        a.failed(mine, fail());
        assertThat(w.answers).containsExactly("failed RECORD_TOO_LARGE");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void theSameInstancePublishedTwice_eachWaiterGetsItsOwnRecordsOffset() {
        AwaitingRecords a = new AwaitingRecords();
        Broker b = new Broker();
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        long s1 = a.publish(SAME, first, b);
        long s2 = a.publish(SAME, second, b);
        a.delivered(s2, 1, 20);
        a.delivered(s1, 0, 10);
        assertThat(first.answers).containsExactly("0@10");
        assertThat(second.answers).containsExactly("1@20");
    }

    @Test
    void anOutcomeBeforeTheRegistration_isKept_andAnswersTheWaiter() {
        AwaitingRecords a = new AwaitingRecords();
        Broker b = new Broker();
        b.duringPublish = s -> a.delivered(s, 2, 99);
        Waiter w = new Waiter();
        a.publish(SAME, w, b);
        assertThat(w.answers).containsExactly("2@99");
        assertThat(a.earlyAnswers()).isZero();
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void anEarlyAnswerNobodyClaims_isSweptAfterItsTtl() {
        long[] now = {1_000};
        AwaitingRecords a = new AwaitingRecords(() -> now[0]);
        Broker b = new Broker();
        // a none/local record answered while an ack=kafka registration is in flight
        b.duringPublish = s -> a.delivered(s + 1000, 0, 1);
        a.publish(SAME, new Waiter(), b);
        assertThat(a.earlyAnswers()).isEqualTo(1);
        b.duringPublish = s -> {};
        now[0] += AwaitingRecords.EARLY_TTL_MS;
        a.publish(SAME, new Waiter(), b);
        assertThat(a.earlyAnswers()).isZero();
    }

    @Test
    void noneRecords_refusedAndThrowingPublishes_leaveNothingBehind() {
        AwaitingRecords a = new AwaitingRecords();
        Broker b = new Broker();
        long none = a.publish(SAME, null, b);
        a.delivered(none, 0, 0);
        b.full = true;
        Waiter refused = new Waiter();
        assertThat(a.publish(SAME, refused, b)).isEqualTo(Producer.FULL);
        AwaitingRecords.Publisher throwing =
                e -> {
                    throw new IllegalArgumentException("event too large");
                };
        assertThatThrownBy(() -> a.publish(SAME, new Waiter(), throwing))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(a.isEmpty()).isTrue();
        assertThat(a.earlyAnswers()).isZero();
        a.delivered(0, 0, 0);
        assertThat(refused.answers).isEmpty();
    }

    @Test
    void aForgottenWaiter_isNotAnswered_andLeaves() {
        AwaitingRecords a = new AwaitingRecords();
        Broker b = new Broker();
        Waiter w = new Waiter();
        long s = a.publish(SAME, w, b);
        a.forget(s, w);
        assertThat(a.isEmpty()).isTrue();
        a.delivered(s, 0, 1);
        assertThat(w.answers).isEmpty();
    }

    /**
     * Identical records from four publishers at mixed ack levels, outcomes from three engine
     * threads in a shuffled order, some failing, some answered before tryPublishSeq returns: every
     * waiter gets exactly its own record's outcome.
     */
    @RepeatedTest(5)
    void concurrentPublishersAndEngines_everyWaiterGetsItsOwnRecordsOutcome() throws Exception {
        AwaitingRecords a = new AwaitingRecords();
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int perThread = 2_000;
        Broker b = new Broker();
        Map<Long, Waiter> waiterOf = new ConcurrentHashMap<>();
        List<Long> published = Collections.synchronizedList(new ArrayList<>());
        b.duringPublish =
                s -> {
                    if (s % 17 == 0) {
                        a.delivered(s, (int) (s % 3), s); // before the registration
                    }
                };
        ExecutorService pool = Executors.newFixedThreadPool(7);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean[] kafka = new boolean[perThread];
                for (int i = 0; i < perThread; i++) {
                    kafka[i] = rnd.nextBoolean();
                }
                fs.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    for (int i = 0; i < perThread; i++) {
                                        Waiter w = kafka[i] ? new Waiter() : null;
                                        long s = a.publish(SAME, w, b);
                                        if (w != null) {
                                            waiterOf.put(s, w);
                                        }
                                        published.add(s);
                                    }
                                    return null;
                                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            List<Long> order = new ArrayList<>(published);
            order.removeIf(s -> s % 17 == 0); // answered already
            Collections.shuffle(order, rnd);
            List<Future<?>> engines = new ArrayList<>();
            for (int e = 0; e < 3; e++) {
                int me = e;
                engines.add(
                        pool.submit(
                                () -> {
                                    for (int i = me; i < order.size(); i += 3) {
                                        long s = order.get(i);
                                        if (s % 5 == 0) {
                                            a.failed(s, fail());
                                        } else {
                                            a.delivered(s, (int) (s % 3), s);
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : engines) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(waiterOf).as("seed %d", seed).isNotEmpty();
        waiterOf.forEach(
                (s, w) ->
                        assertThat(w.answers)
                                .as("seed %d, sequence %d", seed, s)
                                .containsExactly(
                                        s % 5 == 0 && s % 17 != 0
                                                ? "failed RECORD_TOO_LARGE"
                                                : (s % 3) + "@" + s));
        assertThat(a.isEmpty()).isTrue();
    }
}
