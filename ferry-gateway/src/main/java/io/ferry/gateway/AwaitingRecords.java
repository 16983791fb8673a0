package io.ferry.gateway;

import io.ferry.broker.Event;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The records published at ack level {@code kafka} that wait for Kafka's answer, and the matching
 * of the engine's per-record callbacks (delivered, failed, dropped) to them. Thread-safe: {@link
 * #publish} runs on several event-loop threads at once, {@link #take} on engine threads.
 */
final class AwaitingRecords {
    /* Design notes
     * The engine reports EVERY record it was handed (delivered, failed or dropped), including those
     * published at ack none/local, which nobody waits for; it reports the Event the broker handed
     * it, which is all we have to find the waiter. A waiter is registered BEFORE the broker accepts
     * its event, because the engine may answer before tryPublish returns.
     *
     * Same instances (handsOutCopies false; the memory broker): the engine gets the very Event
     * that was published, so waiters are matched by IDENTITY (key: Same, identityHashCode and ==).
     * A none/local record equal in content to a waiting one never answers it; a delivered event
     * that was not registered is a none/local record and answers nobody. Publishes at none/local
     * do not touch the map at all.
     *
     * Copies (handsOutCopies true; the disk broker hands the engine a copy decoded from disk):
     * identity is lost, so waiters are matched by CONTENT (Event.equals), and every record equal
     * to one being tracked must be tracked too, in broker order, or a none/local record delivered
     * first would answer the waiter with its own partition/offset. So while the map holds an entry
     * for an event (a waiter, or a placeholder still in flight), a none/local publish of an equal
     * event enqueues a PLACEHOLDER, which answers nobody when taken. For the deque's order to be
     * the broker's order, registration and tryPublish happen together inside the map's compute for
     * that key (tryPublish never blocks; it takes the broker's short lock); a refused publish
     * enqueues nothing. Equal events with a key or an explicit partition go to one partition, and
     * Kafka delivers a partition in order, so each is answered with its own partition and offset.
     * Fast path: while nothing waits at all (entries == 0) a none/local publish does not hash the
     * event, and take does not either; this is what leaves the limits below. "Nothing waits" is
     * our own counter, raised BEFORE the compute that registers: ConcurrentHashMap.isEmpty() only
     * counts a new key once compute has returned, and copy mode publishes inside compute, so the
     * engine could deliver the record while the map still looked empty and skip its waiter.
     * Remaining limits of the copy case (not of the same-instance case):
     * - equal KEYLESS records (no key, no explicit partition) may land on different partitions and
     *   be delivered in another order than published, so a waiter may be answered with the
     *   partition/offset of an equal record (stored, but not its own); its own record's outcome
     *   then goes to the next equal entry (another waiter, or a placeholder: nobody), so a waiter
     *   can be told success while its own record later fails.
     * - a none/local record published while NO equal record was tracked (before, or concurrently
     *   with, the waiter's registration) is not tracked: if it is delivered after an equal waiter
     *   registered, it answers that waiter, as before this class existed.
     * The flag is the caller's assumption about its broker (ClusterRuntime: ACKS_ON_DURABLE_STORE);
     * identity matching with a broker that does hand out copies would answer no waiter at all.
     *
     * Failures and drops are matched like deliveries: the matched outcome gets failed(reason).
     * Several waiters for one key (the same instance published twice, or equal events) queue in
     * one ArrayDeque, guarded by the map's compute for that key.
     */

    /** Publishes one event into the broker without blocking ({@code Producer.tryPublish}). */
    interface Publisher {
        /** True when the broker accepted {@code e}; false when full or closed. */
        boolean tryPublish(Event e);
    }

    /** Stands for a none/local record in a copy-mode deque: answers nobody when taken. */
    private static final RecordOutcome PLACEHOLDER =
            new RecordOutcome() {
                @Override
                public void delivered(int partition, long offset) {
                    throw new IllegalStateException("placeholder answered");
                }

                @Override
                public void failed(io.ferry.kafka.DeliveryFailure reason) {
                    throw new IllegalStateException("placeholder answered");
                }

                @Override
                public String toString() {
                    return "PLACEHOLDER";
                }
            };

    private final boolean handsOutCopies;

    /** Key: Same (identity) or Event (copies); deques guarded by compute on their key. */
    private final ConcurrentHashMap<Object, ArrayDeque<RecordOutcome>> waiting =
            new ConcurrentHashMap<>();

    /** Waiters and placeholders held or being registered; raised before they enter the map. */
    private final AtomicInteger entries = new AtomicInteger();

    /**
     * @param handsOutCopies true when the broker hands the engine copies of the published events
     *     (equal, not the same instance), false when it hands out the very instances published
     */
    AwaitingRecords(boolean handsOutCopies) {
        this.handsOutCopies = handsOutCopies;
    }

    /**
     * Publishes {@code e} through {@code broker}; with {@code outcome} (ack=kafka) registers it so
     * that {@link #take} finds it. When the broker refuses (false) or throws, nothing stays
     * registered and {@code outcome} is never answered.
     *
     * @return what {@code broker.tryPublish} returned
     */
    boolean publish(Event e, RecordOutcome outcome, Publisher broker) {
        if (outcome == null) {
            if (!handsOutCopies || entries.get() == 0) {
                return broker.tryPublish(e); // the fast path: no hashing
            }
            return publishAmongEqual(e, broker);
        }
        return handsOutCopies
                ? registerInOrder(e, outcome, broker)
                : registerSame(e, outcome, broker);
    }

    /** Same instances: register, then publish; unregister if refused. */
    private boolean registerSame(Event e, RecordOutcome outcome, Publisher broker) {
        Same key = new Same(e);
        entries.incrementAndGet();
        waiting.compute(
                key,
                (k, q) -> {
                    ArrayDeque<RecordOutcome> d = q == null ? new ArrayDeque<>(1) : q;
                    d.addLast(outcome);
                    return d;
                });
        boolean ok = false;
        try {
            ok = broker.tryPublish(e);
        } finally {
            if (!ok) {
                waiting.computeIfPresent(
                        key,
                        (k, q) -> {
                            q.removeLastOccurrence(outcome);
                            return q.isEmpty() ? null : q;
                        });
                entries.decrementAndGet();
            }
        }
        return ok;
    }

    /**
     * Copies: register and publish atomically with respect to every other publish of an equal
     * event.
     */
    private boolean registerInOrder(Event e, RecordOutcome outcome, Publisher broker) {
        boolean[] ok = new boolean[1];
        entries.incrementAndGet(); // before the engine can see the event: take must not skip the
        // map
        try {
            waiting.compute(
                    e,
                    (k, q) -> {
                        ArrayDeque<RecordOutcome> d = q == null ? new ArrayDeque<>(2) : q;
                        d.addLast(outcome);
                        try {
                            ok[0] = broker.tryPublish(e);
                        } finally {
                            if (!ok[0]) {
                                d.removeLast(); // ours: the deque only changes under this
                                // key's compute
                            }
                        }
                        return d.isEmpty() ? null : d;
                    });
        } finally {
            if (!ok[0]) {
                entries.decrementAndGet();
            }
        }
        return ok[0];
    }

    /**
     * Copies, a none/local record while something waits: a placeholder if an equal record is
     * tracked.
     */
    private boolean publishAmongEqual(Event e, Publisher broker) {
        int[] result = new int[1]; // 0: nothing equal tracked, 1: accepted, 2: refused
        waiting.computeIfPresent(
                e,
                (k, q) -> {
                    entries.incrementAndGet();
                    boolean ok = false;
                    try {
                        ok = broker.tryPublish(e);
                    } finally {
                        if (ok) {
                            q.addLast(PLACEHOLDER);
                        } else {
                            entries.decrementAndGet();
                        }
                    }
                    result[0] = ok ? 1 : 2;
                    return q;
                });
        if (result[0] == 0) {
            return broker.tryPublish(e);
        }
        return result[0] == 1;
    }

    /**
     * The outcome waiting for {@code event} (as the engine reported it), removed: the first one
     * registered for it; null when nobody waits for this record (published at none/local).
     */
    RecordOutcome take(Event event) {
        if (entries.get() == 0) {
            return null;
        }
        RecordOutcome[] out = new RecordOutcome[1];
        waiting.computeIfPresent(
                handsOutCopies ? event : new Same(event),
                (k, q) -> {
                    out[0] = q.poll();
                    return q.isEmpty() ? null : q;
                });
        if (out[0] == null) {
            return null;
        }
        entries.decrementAndGet();
        return out[0] == PLACEHOLDER ? null : out[0];
    }

    /** True when no record is waiting or tracked; for tests. */
    boolean isEmpty() {
        return entries.get() == 0;
    }

    /** Waiters and placeholders held now; for tests. */
    int tracked() {
        int[] n = new int[1];
        for (Object k : waiting.keySet()) {
            waiting.computeIfPresent(
                    k,
                    (kk, q) -> {
                        n[0] += q.size();
                        return q;
                    });
        }
        return n[0];
    }

    /** A map key comparing its event by identity. */
    private static final class Same {
        final Event event;
        final int hash;

        Same(Event event) {
            this.event = event;
            this.hash = System.identityHashCode(event);
        }

        @Override
        @SuppressWarnings("ReferenceEquality") // matching by identity is the point of this key
        public boolean equals(Object o) {
            return o instanceof Same s && s.event == event; // identity is the point
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
