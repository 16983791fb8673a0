package io.ferry.brokertest;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call running on a thread of its own, so a test can see that it blocks and later that it
 * finished; created and inspected by the test thread.
 *
 * @param <T> the call's result
 */
public final class Async<T> {
    private final Thread thread;
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private Async(String name, Callable<T> call) {
        thread =
                new Thread(
                        () -> {
                            try {
                                result.complete(call.call());
                            } catch (Throwable t) {
                                result.completeExceptionally(t);
                            }
                        },
                        name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts {@code call} on a new daemon thread. */
    public static <T> Async<T> start(String name, Callable<T> call) {
        return new Async<>(name, call);
    }

    /**
     * Waits (at most 10 s) until the call is parked, i.e. blocked inside the broker, and asserts it
     * has not finished.
     */
    public Async<T> awaitBlocked() {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(1))
                .until(
                        () -> {
                            Thread.State s = thread.getState();
                            return result.isDone()
                                    || s == Thread.State.WAITING
                                    || s == Thread.State.TIMED_WAITING;
                        });
        if (result.isDone()) {
            throw new AssertionError(
                    thread.getName() + " was expected to block but finished with " + describe());
        }
        return this;
    }

    /** The result, waiting at most 10 s; rethrows what the call threw, unwrapped. */
    public T get() throws Exception {
        return get(Duration.ofSeconds(10));
    }

    /** The result, waiting at most {@code timeout}; rethrows what the call threw, unwrapped. */
    public T get(Duration timeout) throws Exception {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError(
                    thread.getName()
                            + " did not finish within "
                            + timeout
                            + "; state "
                            + thread.getState(),
                    e);
        }
    }

    /** True once the call finished. */
    public boolean isDone() {
        return result.isDone();
    }

    /** Interrupts the thread. */
    public void interrupt() {
        thread.interrupt();
    }

    private String describe() {
        try {
            return String.valueOf(result.getNow(null));
        } catch (RuntimeException e) {
            return e.toString();
        }
    }
}
