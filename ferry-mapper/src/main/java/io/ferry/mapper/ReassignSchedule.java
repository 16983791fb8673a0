package io.ferry.mapper;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Which workers are due for a reassign and when: the ready list and the deferred queue, with the
 * retry-backoff rules; only accessed by the owner thread.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class ReassignSchedule<N, E extends Executor<N>> {
    /* Design notes
     * A worker is scheduled at most once (WorkerState.pending), which is what coalesces repeated
     * requests. The deferred queue is a binary heap ordered by due time; due times compare by
     * subtraction so nanoTime wrap-around is harmless. Deletion is lazy: a stopped worker's entry
     * stays until it is due (or surfaces at the head) and is then dropped, so stopping a deferred
     * worker costs nothing and the heap holds at most the workers stopped within one backoff. A
     * resolveNow removes its worker from the heap at once (linear in the heap's size; it comes once
     * per lookup answered, not per step), so a worker is never in both the ready list and the heap.
     */
    private final long retryBackoffNanos;
    private final ArrayList<WorkerState<N, E>> ready = new ArrayList<>();
    private final PriorityQueue<WorkerState<N, E>> deferred =
            new PriorityQueue<>((a, b) -> Long.signum(a.dueNanos - b.dueNanos));

    ReassignSchedule(long retryBackoffNanos) {
        this.retryBackoffNanos = retryBackoffNanos;
    }

    long retryBackoffNanos() {
        return retryBackoffNanos;
    }

    /** A new worker: ready at once. */
    void spawned(WorkerState<N, E> s) {
        s.pending = WorkerState.Pending.READY;
        ready.add(s);
    }

    /**
     * A request to resolve the worker again (trigger, node failure): ready now if its last resolve
     * is at least a backoff ago, else deferred to the end of that backoff. No-op while scheduled.
     */
    void request(WorkerState<N, E> s, long nowNanos) {
        if (s.pending != WorkerState.Pending.NONE) {
            return;
        }
        if (!s.attempted || nowNanos - s.lastAttemptNanos >= retryBackoffNanos) {
            s.pending = WorkerState.Pending.READY;
            ready.add(s);
        } else {
            defer(s, s.lastAttemptNanos + retryBackoffNanos);
        }
    }

    /**
     * A request to resolve the worker at the next step whatever its backoff ({@link
     * Mapper#resolveNow}): a deferred worker leaves the deferred queue (eagerly, so it is never
     * promoted twice); a ready one stays as it is.
     */
    void requestNow(WorkerState<N, E> s) {
        if (s.pending == WorkerState.Pending.READY) {
            return;
        }
        if (s.pending == WorkerState.Pending.DEFERRED) {
            deferred.remove(s);
        }
        s.pending = WorkerState.Pending.READY;
        ready.add(s);
    }

    /** A failed attempt at {@code nowNanos}: retried one backoff later. */
    void retry(WorkerState<N, E> s, long nowNanos) {
        defer(s, nowNanos + retryBackoffNanos);
    }

    private void defer(WorkerState<N, E> s, long dueNanos) {
        s.pending = WorkerState.Pending.DEFERRED;
        s.dueNanos = dueNanos;
        deferred.add(s);
    }

    /** Moves every deferred worker due at {@code nowNanos} to the ready list. */
    void promoteDue(long nowNanos) {
        WorkerState<N, E> head;
        while ((head = deferred.peek()) != null && head.dueNanos - nowNanos <= 0) {
            deferred.poll();
            if (head.live) {
                head.pending = WorkerState.Pending.READY;
                ready.add(head);
            }
        }
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    /**
     * The ready workers, in the order they became ready; may contain stopped ones (skip them).
     * Valid until {@link #clearReady()}; failed attempts go to the deferred queue, never here.
     */
    List<WorkerState<N, E>> ready() {
        return ready;
    }

    void clearReady() {
        ready.clear();
    }

    /** How long from {@code nowNanos} until the next deferred worker is due; may be negative. */
    long nanosUntilDue(long nowNanos) {
        WorkerState<N, E> head;
        while ((head = deferred.peek()) != null && !head.live) {
            deferred.poll();
        }
        return head == null ? MapperCore.NO_DEADLINE : head.dueNanos - nowNanos;
    }

    void clear() {
        ready.clear();
        deferred.clear();
    }
}
