package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Event;
import io.ferry.kafka.DeliveryFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class AwaitingRecordsTest {
    private static final boolean SAME_INSTANCES = false;
    private static final boolean COPIES = true;

    private static Event event(String key, String value) {
        return Event.of("t", key.getBytes(UTF_8), value.getBytes(UTF_8));
    }

    /** What a copying broker (disk) hands the engine: equal content, another instance. */
    private static Event copy(Event e) {
        return Event.builder(e.topic())
                .partition(e.partition())
                .key(e.key() == null ? null : e.key().clone())
                .value(e.value() == null ? null : e.value().clone())
                .headers(e.headers())
                .timestampMs(e.timestampMs())
                .build();
    }

    /** One waiter; remembers every answer it got. */
    private static final class Waiter implements RecordOutcome {
        final Event event;
        final List<String> answers = new ArrayList<>(); // guarded by this

        Waiter(Event event) {
            this.event = event;
        }

        @Override
        public synchronized void delivered(int partition, long offset) {
            answers.add(partition + "@" + offset);
        }

        @Override
        public synchronized void failed(DeliveryFailure failure) {
            answers.add("failed " + failure.code() + ": " + failure.message());
        }

        synchronized List<String> answers() {
            return new ArrayList<>(answers);
        }
    }

    /** A broker that accepts everything in one order (its lock), unless full. */
    private static final class Broker implements AwaitingRecords.Publisher {
        final List<Event> accepted = new ArrayList<>(); // guarded by this
        boolean full; // guarded by this

        @Override
        public synchronized boolean tryPublish(Event e) {
            if (full) {
                return false;
            }
            accepted.add(e);
            return true;
        }

        synchronized void full(boolean f) {
            full = f;
        }
    }

    /**
     * The engine delivered {@code e} at {@code offset} of partition 0: answers whoever it matched.
     */
    private static RecordOutcome deliver(AwaitingRecords a, Event e, long offset) {
        RecordOutcome o = a.take(e);
        if (o != null) {
            o.delivered(0, offset);
        }
        return o;
    }

    // ---- same instances (memory broker) ---------------------------------------------------------

    @Test
    void sameInstances_anEqualNoneRecordDeliveredFirst_doesNotAnswerTheWaiter() {
        AwaitingRecords a = new AwaitingRecords(SAME_INSTANCES);
        Broker broker = new Broker();
        Event none = event("k", "v");
        Event mine = event("k", "v");
        Waiter w = new Waiter(mine);

        assertThat(a.publish(none, null, broker)).isTrue();
        assertThat(a.publish(mine, w, broker)).isTrue();

        assertThat(deliver(a, none, 10)).isNull();
        assertThat(w.answers()).isEmpty();
        assertThat(deliver(a, mine, 11)).isSameAs(w);
        assertThat(w.answers()).containsExactly("0@11");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void sameInstances_theWaitersOwnFailure_reachesIt_evenAfterAnEqualRecordWasDelivered() {
        // the bug of docs/gateway.md: an equal none-record delivered first told the client success,
        // then its own record failed
        AwaitingRecords a = new AwaitingRecords(SAME_INSTANCES);
        Broker broker = new Broker();
        Event mine = event("k", "v");
        Event none = event("k", "v");
        Waiter w = new Waiter(mine);

        assertThat(a.publish(mine, w, broker)).isTrue();
        assertThat(a.publish(none, null, broker)).isTrue();
        assertThat(deliver(a, none, 5)).isNull();

        RecordOutcome o = a.take(mine);
        assertThat(o).isSameAs(w);
        o.failed(DeliveryFailure.of(DeliveryFailure.Code.RECORD_TOO_LARGE, "no"));
        assertThat(w.answers()).containsExactly("failed RECORD_TOO_LARGE: no");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void sameInstances_noneRecords_areNotTracked() {
        AwaitingRecords a = new AwaitingRecords(SAME_INSTANCES);
        Broker broker = new Broker();
        Event mine = event("k", "v");
        assertThat(a.publish(mine, new Waiter(mine), broker)).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(a.publish(event("k", "v"), null, broker)).isTrue();
        }
        assertThat(a.tracked()).isEqualTo(1);
        assertThat(broker.accepted).hasSize(4);
    }

    @Test
    void sameInstances_oneInstancePublishedTwice_answersBothInOrder() {
        AwaitingRecords a = new AwaitingRecords(SAME_INSTANCES);
        Broker broker = new Broker();
        Event e = event("k", "v");
        Waiter first = new Waiter(e);
        Waiter second = new Waiter(e);
        a.publish(e, first, broker);
        a.publish(e, second, broker);
        deliver(a, e, 1);
        deliver(a, e, 2);
        assertThat(first.answers()).containsExactly("0@1");
        assertThat(second.answers()).containsExactly("0@2");
        assertThat(a.isEmpty()).isTrue();
    }

    // ---- copies (disk broker) -------------------------------------------------------------------

    @Test
    void copies_aNoneRecordPublishedWhileAnEqualOneWaits_isAPlaceholderInOrder() {
        AwaitingRecords a = new AwaitingRecords(COPIES);
        Broker broker = new Broker();
        Event e1 = event("k", "v");
        Event none = event("k", "v");
        Event e2 = event("k", "v");
        Waiter w1 = new Waiter(e1);
        Waiter w2 = new Waiter(e2);

        assertThat(a.publish(e1, w1, broker)).isTrue();
        assertThat(a.publish(none, null, broker)).isTrue();
        assertThat(a.publish(e2, w2, broker)).isTrue();
        assertThat(a.tracked()).isEqualTo(3);
        assertThat(broker.accepted).containsExactly(e1, none, e2);

        // the engine gets copies, in broker order (one key: one partition)
        assertThat(deliver(a, copy(e1), 0)).isSameAs(w1);
        assertThat(deliver(a, copy(none), 1))
                .isNull(); // the none-record, published before w2: skipped
        assertThat(deliver(a, copy(e2), 2)).isSameAs(w2);
        assertThat(w1.answers()).containsExactly("0@0");
        assertThat(w2.answers()).containsExactly("0@2");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void copies_placeholdersKeepTheirPlace_afterTheWaiterWasAnswered() {
        AwaitingRecords a = new AwaitingRecords(COPIES);
        Broker broker = new Broker();
        Event e1 = event("k", "v");
        Waiter w1 = new Waiter(e1);
        a.publish(e1, w1, broker);
        a.publish(event("k", "v"), null, broker); // placeholder 1
        assertThat(deliver(a, copy(e1), 0)).isSameAs(w1);
        // only a placeholder is left, and still tracks the order
        assertThat(a.tracked()).isEqualTo(1);
        a.publish(event("k", "v"), null, broker); // placeholder 2
        Event e2 = event("k", "v");
        Waiter w2 = new Waiter(e2);
        a.publish(e2, w2, broker);

        assertThat(deliver(a, copy(e2), 1)).isNull();
        assertThat(deliver(a, copy(e2), 2)).isNull();
        assertThat(w2.answers()).isEmpty();
        assertThat(deliver(a, copy(e2), 3)).isSameAs(w2);
        assertThat(w2.answers()).containsExactly("0@3");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void copies_theWaitersFailure_reachesIt_andTheNoneRecordAfterItAnswersNobody() {
        AwaitingRecords a = new AwaitingRecords(COPIES);
        Broker broker = new Broker();
        Event mine = event("k", "v");
        Waiter w = new Waiter(mine);
        a.publish(mine, w, broker);
        a.publish(event("k", "v"), null, broker);

        RecordOutcome o = a.take(copy(mine));
        assertThat(o).isSameAs(w);
        o.failed(DeliveryFailure.of(DeliveryFailure.Code.KAFKA_ERROR, "gone"));
        assertThat(deliver(a, copy(mine), 7)).isNull();
        assertThat(w.answers()).containsExactly("failed KAFKA_ERROR: gone");
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void copies_noneRecordsEqualToNothingTracked_areNotTracked() {
        AwaitingRecords a = new AwaitingRecords(COPIES);
        Broker broker = new Broker();
        assertThat(a.publish(event("x", "1"), null, broker)).isTrue(); // nothing waits: fast path
        assertThat(a.isEmpty()).isTrue();
        Event mine = event("k", "v");
        a.publish(mine, new Waiter(mine), broker);
        assertThat(a.publish(event("y", "2"), null, broker)).isTrue(); // something waits, not equal
        assertThat(a.tracked()).isEqualTo(1);
        assertThat(deliver(a, copy(event("y", "2")), 0)).isNull();
        assertThat(a.tracked()).isEqualTo(1);
    }

    @Test
    void copies_documentedLimit_aNoneRecordPublishedBeforeAnyoneWaited_isNotTracked() {
        // The limit documented in AwaitingRecords and docs/gateway.md: while nothing waits, a
        // none/local publish is not hashed, so an equal waiter registered while it is in flight is
        // answered by it. Pinned here so that closing the limit updates the docs.
        AwaitingRecords a = new AwaitingRecords(COPIES);
        Broker broker = new Broker();
        Event none = event("k", "v");
        Event mine = event("k", "v");
        Waiter w = new Waiter(mine);
        a.publish(none, null, broker);
        a.publish(mine, w, broker);
        assertThat(deliver(a, copy(none), 0)).isSameAs(w);
    }

    // ---- refused publishes ----------------------------------------------------------------------

    @Test
    void refusedPublishes_leaveNothingBehind() {
        for (boolean copies : new boolean[] {SAME_INSTANCES, COPIES}) {
            AwaitingRecords a = new AwaitingRecords(copies);
            Broker broker = new Broker();
            Event e = event("k", "v");
            broker.full(true);
            Waiter refused = new Waiter(e);
            assertThat(a.publish(e, refused, broker)).isFalse();
            assertThat(a.isEmpty()).as("copies=%s", copies).isTrue();

            broker.full(false);
            Waiter w = new Waiter(e);
            assertThat(a.publish(e, w, broker)).isTrue();
            broker.full(true);
            assertThat(a.publish(e, new Waiter(e), broker)).isFalse();
            assertThat(a.publish(event("k", "v"), new Waiter(e), broker)).isFalse();
            assertThat(a.publish(event("k", "v"), null, broker)).isFalse(); // no placeholder either
            assertThat(a.tracked()).as("copies=%s", copies).isEqualTo(1);

            assertThat(deliver(a, copies ? copy(e) : e, 0)).isSameAs(w);
            assertThat(a.isEmpty()).isTrue();
            assertThat(refused.answers()).isEmpty();
            assertThat(broker.accepted).containsExactly(e);
        }
    }

    @Test
    void aBrokerThatThrows_leavesNothingBehind() {
        for (boolean copies : new boolean[] {SAME_INSTANCES, COPIES}) {
            AwaitingRecords a = new AwaitingRecords(copies);
            Broker broker = new Broker();
            Event e = event("k", "v");
            Waiter w = new Waiter(e);
            a.publish(e, w, broker);
            AwaitingRecords.Publisher throwing =
                    ev -> {
                        throw new IllegalArgumentException("event too large");
                    };
            assertThatThrownBy(() -> a.publish(e, new Waiter(e), throwing))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a.publish(event("k", "v"), null, throwing))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a.publish(event("n", "v"), new Waiter(e), throwing))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(a.tracked()).as("copies=%s", copies).isEqualTo(1);
            assertThat(deliver(a, copies ? copy(e) : e, 0)).isSameAs(w);
            assertThat(a.isEmpty()).isTrue();
        }
    }

    // ---- concurrency ----------------------------------------------------------------------------

    @RepeatedTest(5)
    void sameInstances_concurrentPublishersAndEngines_everyWaiterGetsItsOwnRecord()
            throws Exception {
        Run r = concurrentRun(SAME_INSTANCES);
        for (Waiter w : r.accepted) {
            long own = r.offsets.get(w.event);
            assertThat(w.answers())
                    .containsExactly(
                            r.failing(own)
                                    ? "failed KAFKA_ERROR: FAIL: " + own
                                    : r.partition(w.event) + "@" + own);
        }
    }

    @RepeatedTest(5)
    void copies_concurrentPublishersAndEngines_loseNoOutcome() throws Exception {
        Run r = concurrentRun(COPIES);
        // each waiter is answered exactly once (concurrentRun), by a distinct record equal to its
        // own
        Map<Long, Event> byOffset = new HashMap<>();
        r.offsets.forEach((e, offset) -> byOffset.put(offset, e));
        Set<Long> answered = new HashSet<>();
        for (Waiter w : r.accepted) {
            String got = w.answers().get(0);
            long offset =
                    Long.parseLong(
                            got.substring(
                                    Math.max(got.lastIndexOf(' '), got.lastIndexOf('@')) + 1));
            assertThat(answered.add(offset)).as("offset %s answered twice", offset).isTrue();
            assertThat(byOffset.get(offset)).isEqualTo(w.event);
        }
    }

    private static final int PUBLISHERS = 6;
    private static final int PER_PUBLISHER = 3_000;
    private static final int PARTITIONS = 2;
    private static final Event END = event("end", "end");

    /** The outcome of one concurrent run; every check of both modes done. */
    private static final class Run {
        final List<Waiter> accepted = new ArrayList<>();
        final List<Waiter> refused = new ArrayList<>();
        final Map<Event, Long> offsets = new IdentityHashMap<>();

        boolean failing(long offset) {
            return offset % 11 == 3;
        }

        int partition(Event e) {
            return Math.floorMod(new String(e.key(), UTF_8).hashCode(), PARTITIONS);
        }
    }

    /**
     * PUBLISHERS threads publish equal events (a few keys) and distinct ones, at ack kafka and
     * none, into a broker that refuses now and then; one engine thread per partition delivers (or
     * fails) in broker order meanwhile, copies when {@code copies}. No outcome may be lost.
     */
    private static Run concurrentRun(boolean copies) throws Exception {
        AwaitingRecords a = new AwaitingRecords(copies);
        Run run = new Run();
        List<LinkedBlockingQueue<Event>> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new LinkedBlockingQueue<>());
        }
        long[] nextOffset = new long[1];
        long[] calls = new long[1];
        AwaitingRecords.Publisher broker =
                e -> {
                    synchronized (run) {
                        if (++calls[0] % 13 == 0) {
                            return false; // full now and then
                        }
                        run.offsets.put(e, nextOffset[0]++);
                        partitions.get(run.partition(e)).add(e);
                        return true;
                    }
                };

        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch published = new CountDownLatch(PUBLISHERS);
        CountDownLatch delivered = new CountDownLatch(PARTITIONS);
        ConcurrentLinkedQueue<Waiter> accepted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Waiter> refused = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> error = new AtomicReference<>();

        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            Thread engine =
                    new Thread(
                            () -> {
                                try {
                                    for (Event e; (e = partitions.get(partition).take()) != END; ) {
                                        long offset;
                                        synchronized (run) {
                                            offset = run.offsets.get(e);
                                        }
                                        RecordOutcome o = a.take(copies ? copy(e) : e);
                                        if (o != null) {
                                            if (run.failing(offset)) {
                                                o.failed(
                                                        DeliveryFailure.of(
                                                                DeliveryFailure.Code.KAFKA_ERROR,
                                                                "FAIL: " + offset));
                                            } else {
                                                o.delivered(partition, offset);
                                            }
                                        }
                                    }
                                } catch (Throwable t) {
                                    error.compareAndSet(null, t);
                                } finally {
                                    delivered.countDown();
                                }
                            },
                            "engine-" + p);
            engine.start();
        }
        for (int t = 0; t < PUBLISHERS; t++) {
            int thread = t;
            Thread publisher =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                    for (int i = 0; i < PER_PUBLISHER; i++) {
                                        // a third equal across threads (5 keys), the rest distinct
                                        Event e =
                                                i % 3 == 0
                                                        ? event("k" + (i % 5), "same")
                                                        : event("d" + thread + "-" + i, "v");
                                        Waiter w = i % 2 == 0 ? new Waiter(e) : null;
                                        boolean ok = a.publish(e, w, broker);
                                        if (w != null) {
                                            (ok ? accepted : refused).add(w);
                                        }
                                    }
                                } catch (Throwable x) {
                                    error.compareAndSet(null, x);
                                } finally {
                                    published.countDown();
                                }
                            },
                            "publisher-" + t);
            publisher.start();
        }
        start.countDown();
        assertThat(published.await(60, TimeUnit.SECONDS)).isTrue();
        for (LinkedBlockingQueue<Event> q : partitions) {
            q.add(END);
        }
        assertThat(delivered.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(error.get()).isNull();

        run.accepted.addAll(accepted);
        assertThat(run.accepted).hasSizeGreaterThan(PUBLISHERS * PER_PUBLISHER / 3);
        run.refused.addAll(refused);
        assertThat(run.refused).isNotEmpty();
        for (Waiter w : run.accepted) {
            assertThat(w.answers()).as("answers of %s", w.event).hasSize(1);
        }
        for (Waiter w : run.refused) {
            assertThat(w.answers()).isEmpty();
        }
        assertThat(a.isEmpty()).isTrue();
        assertThat(a.tracked()).isZero();
        return run;
    }
}
