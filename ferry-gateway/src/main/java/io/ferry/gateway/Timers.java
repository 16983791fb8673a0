package io.ferry.gateway;

/**
 * Schedules the services' timeouts. {@link #schedule} is called on a caller's thread (an event
 * loop), and the task runs later on that same thread (Vert.x: the caller's context), so a timer
 * costs nothing until a request asks for one. Tests use a fake driven by a fake clock.
 */
interface Timers {
    /** Runs {@code task} once, {@code delayMs} from now; returns an id for {@link #cancel}. */
    long schedule(long delayMs, Runnable task);

    /** Cancels the timer {@code id} unless it ran already; any thread. */
    void cancel(long id);
}
