package io.ferry.mapper;

import java.util.concurrent.atomic.AtomicInteger;

/** An executor that records how and where it was stopped; thread-safe. */
final class TestExecutor implements Executor<String> {
    private final String node;
    private final int id;
    private final TestResolver resolver;
    private final AtomicInteger stops = new AtomicInteger();
    private volatile Thread stopThread;
    volatile RuntimeException stopError;

    TestExecutor(String node, int id, TestResolver resolver) {
        this.node = node;
        this.id = id;
        this.resolver = resolver;
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public void stop() {
        stopThread = Thread.currentThread();
        if (stops.incrementAndGet() > 1) {
            resolver.violation(this + " stopped twice");
        }
        resolver.executorStopped(this);
        RuntimeException error = stopError;
        if (error != null) {
            throw error;
        }
    }

    boolean isStopped() {
        return stops.get() > 0;
    }

    Thread stopThread() {
        return stopThread;
    }

    @Override
    public String toString() {
        return "e" + id + "(" + node + ")";
    }
}
