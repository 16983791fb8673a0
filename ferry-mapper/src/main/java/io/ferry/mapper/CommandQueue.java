package io.ferry.mapper;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The mapper's command inbox: many threads {@link #post}, one owner thread {@link #swap}s out
 * everything posted so far and {@link #awaitPosted waits} for more when it has nothing to do.
 *
 * @param <N> the node type
 * @param <E> the executor type
 */
final class CommandQueue<N, E extends Executor<N>> {
    /* Design notes
     * A lock-protected double buffer rather than a lock-free MPSC queue: posts are one uncontended
     * monitor enter plus an ArrayDeque add, and swap() hands the owner an exact snapshot, so a
     * step applies precisely the commands posted before it began; commands posted while the step
     * runs (by other threads, or by callbacks on the owner thread itself) wait for the next step.
     * That snapshot is what makes reassignments coalesce. The owner holds the lock only for the
     * swap, never while applying commands or calling out.
     *
     * Wake-up: the owner sets ownerWaiting and waits on the monitor only if nothing is posted;
     * post() adds and notifies under the same monitor, so no wake-up is lost.
     */
    private final Object lock = new Object();

    // Guarded by lock.
    private ArrayDeque<Command<N, E>> posted = new ArrayDeque<>();
    private boolean ownerWaiting;

    /** Any thread: enqueues a command for the owner; never blocks beyond the brief monitor. */
    void post(Command<N, E> command) {
        synchronized (lock) {
            posted.add(command);
            if (ownerWaiting) {
                lock.notify();
            }
        }
    }

    /**
     * Owner thread: takes every command posted so far, in posting order, leaving {@code empty} (an
     * empty deque the owner hands back for reuse) to collect the next ones.
     */
    ArrayDeque<Command<N, E>> swap(ArrayDeque<Command<N, E>> empty) {
        synchronized (lock) {
            ArrayDeque<Command<N, E>> taken = posted;
            posted = empty;
            return taken;
        }
    }

    /**
     * Owner thread: returns at once if a command is posted, otherwise waits until one is or the
     * timeout passes. An interrupt just ends the wait (the owner thread is stopped by a command,
     * never by an interrupt); it is reported, so the caller can restore the thread's interrupt
     * status when it is done waiting.
     *
     * @param timeoutNanos how long at most to wait; {@link Long#MAX_VALUE} for no limit
     * @return true when the wait was interrupted (the interrupt status is then clear)
     */
    @SuppressWarnings("WaitNotInLoop") // one wait: the owner loop re-checks the queue
    boolean awaitPosted(long timeoutNanos) {
        synchronized (lock) {
            if (!posted.isEmpty() || timeoutNanos <= 0) {
                return false;
            }
            ownerWaiting = true;
            try {
                if (timeoutNanos == Long.MAX_VALUE) {
                    lock.wait();
                } else {
                    TimeUnit.NANOSECONDS.timedWait(lock, timeoutNanos);
                }
            } catch (InterruptedException e) {
                // Not a stop signal: the caller re-checks its state, loops, and restores it after.
                return true;
            } finally {
                ownerWaiting = false;
            }
            return false;
        }
    }
}
