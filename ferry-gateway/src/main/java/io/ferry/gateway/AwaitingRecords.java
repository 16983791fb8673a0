package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.kafka.DeliveryFailure;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The records published at ack level {@code kafka} that wait for Kafka's answer, matched to the
 * engine's per-record outcomes by the sequence the broker gave each event (broker-spec rule 1.8),
 * for every broker alike. Thread-safe: {@link #publish} runs on several event-loop threads at once,
 * {@link #delivered}/{@link #failed} on engine threads.
 */
final class AwaitingRecords {
    /* Design notes
     * Identity: the broker numbers every event it accepts, broker-wide and never twice; the engine
     * reports every record it was handed by that number (delivered, failed, dropped), including
     * those published at ack none/local, which nobody waits for. So a waiter is found by its own
     * record's sequence alone: an equal record, or the same instance published twice, can never
     * answer it (issue 12: the content matching of the disk broker could answer a request with
     * another record's offset).
     * The race: the sequence is known only once tryPublishSeq returns, and the engine may answer
     * before that (a fast Kafka, a descheduled event loop). An outcome that finds no waiter while
     * a registration is in flight (`registering` > 0, raised BEFORE tryPublishSeq, lowered only
     * after the waiter is in the map) is parked as an EARLY answer under its sequence; the
     * registration finds it in the same compute and answers at once. Per-key compute makes the
     * two sides meet exactly once. An early answer nobody claims (a none/local record reported
     * while some ack=kafka registration was in flight) is removed after EARLY_TTL_MS by a sweep
     * run from publish at most once a second: the map holds at most the records answered in
     * those microsecond windows.
     * Fast paths: a none/local publish touches nothing here; an outcome while nothing waits and
     * nothing registers returns after two volatile reads.
     */

    /** How long an early answer is kept for a registration that may still claim it. */
    static final long EARLY_TTL_MS = 10_000;

    /** Publishes one event into the broker without blocking ({@code Producer.tryPublishSeq}). */
    interface Publisher {
        /** The event's sequence; or {@link Producer#FULL} / {@link Producer#CLOSED}. */
        long tryPublishSeq(Event e);
    }

    /** An outcome that arrived before its waiter was registered. */
    private record Early(int partition, long offset, DeliveryFailure failure, long atMs) {
        void answer(RecordOutcome o) {
            if (failure == null) {
                o.delivered(partition, offset);
            } else {
                o.failed(failure);
            }
        }
    }

    /** Sequence to RecordOutcome (a waiter) or Early. */
    private final ConcurrentHashMap<Long, Object> bySequence = new ConcurrentHashMap<>();

    /** Publishes with a waiter between "about to publish" and "waiter in the map". */
    private final AtomicInteger registering = new AtomicInteger();

    /** Waiters in the map. */
    private final AtomicInteger waiters = new AtomicInteger();

    /** Early answers in the map. */
    private final AtomicInteger early = new AtomicInteger();

    private final AtomicLong sweptMs = new AtomicLong();
    private final LongSupplier clockMs;

    AwaitingRecords() {
        this(System::currentTimeMillis);
    }

    AwaitingRecords(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /**
     * Publishes {@code e} through {@code broker}; with {@code outcome} (ack=kafka) registers it
     * under the sequence the broker gave it. When the broker refuses (a negative status) or throws,
     * nothing stays registered and {@code outcome} is never answered.
     *
     * @return what {@code broker.tryPublishSeq} returned
     */
    long publish(Event e, RecordOutcome outcome, Publisher broker) {
        if (outcome == null) {
            return broker.tryPublishSeq(e); // the fast path: nothing to match
        }
        registering.incrementAndGet(); // before the engine can see the event
        try {
            long seq = broker.tryPublishSeq(e);
            if (seq < 0) {
                return seq;
            }
            Early[] came = new Early[1];
            bySequence.compute(
                    seq,
                    (k, v) -> {
                        if (v instanceof Early x) {
                            came[0] = x;
                            return null;
                        }
                        if (v != null) {
                            throw new IllegalStateException(
                                    "the broker gave sequence " + seq + " twice");
                        }
                        return outcome;
                    });
            if (came[0] != null) {
                early.decrementAndGet();
                came[0].answer(outcome);
            } else {
                waiters.incrementAndGet(); // before registering drops: see delivered
            }
            sweepEarly();
            return seq;
        } finally {
            registering.decrementAndGet();
        }
    }

    /** Kafka stored the record of {@code sequence}; any thread. */
    void delivered(long sequence, int partition, long offset) {
        RecordOutcome o = take(sequence, partition, offset, null);
        if (o != null) {
            o.delivered(partition, offset);
        }
    }

    /** The record of {@code sequence} failed for good (or was dropped); any thread. */
    void failed(long sequence, DeliveryFailure failure) {
        RecordOutcome o = take(sequence, -1, -1, failure);
        if (o != null) {
            o.failed(failure);
        }
    }

    private RecordOutcome take(long sequence, int partition, long offset, DeliveryFailure f) {
        // Read `registering` FIRST: the registration of this record raised it before the event
        // existed and lowers it only after `waiters` counts its waiter. So registering == 0 here
        // means that registration is over (or never was), and then a waiter it left is counted.
        // (Reading waiters first could see 0 just before the count and registering 0 just after.)
        if (sequence < 0 || (registering.get() == 0 && waiters.get() == 0)) {
            return null;
        }
        RecordOutcome[] out = new RecordOutcome[1];
        bySequence.compute(
                sequence,
                (k, v) -> {
                    if (v instanceof RecordOutcome o) {
                        out[0] = o;
                        return null;
                    }
                    if (v == null && registering.get() > 0) {
                        early.incrementAndGet();
                        return new Early(partition, offset, f, clockMs.getAsLong());
                    }
                    return v;
                });
        if (out[0] != null) {
            waiters.decrementAndGet();
        }
        return out[0];
    }

    /** Removes early answers nobody claimed within EARLY_TTL_MS; at most once a second. */
    private void sweepEarly() {
        if (early.get() == 0) {
            return;
        }
        long now = clockMs.getAsLong();
        long last = sweptMs.get();
        if (now - last < 1_000 || !sweptMs.compareAndSet(last, now)) {
            return;
        }
        bySequence.forEach(
                (k, v) -> {
                    if (v instanceof Early x && now - x.atMs() >= EARLY_TTL_MS) {
                        if (bySequence.remove(k, v)) {
                            early.decrementAndGet();
                        }
                    }
                });
    }

    /**
     * Forgets the waiter {@code outcome} of {@code sequence} (its request was answered without
     * Kafka's outcome, e.g. after delivery.timeout.ms); the record's outcome then answers nobody.
     */
    void forget(long sequence, RecordOutcome outcome) {
        if (bySequence.remove(sequence, outcome)) {
            waiters.decrementAndGet();
        }
    }

    /** True when no record is waiting; for tests. */
    boolean isEmpty() {
        return waiters.get() == 0;
    }

    /** Waiters held now; for tests. */
    int tracked() {
        return waiters.get();
    }

    /** Early answers held now; for tests. */
    int earlyAnswers() {
        return early.get();
    }
}
