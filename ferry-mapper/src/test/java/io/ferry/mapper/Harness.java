package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step-mode mapper over a fake clock and a {@link TestResolver}; {@link #step()} runs one duty
 * cycle and then checks the mapper's and the resolver's invariants. Used by one test thread.
 */
final class Harness {
    final EventLog events;
    final FakeClock clock = new FakeClock();
    final TestResolver resolver;
    final Mapper<String, TestExecutor> mapper;

    Harness(long retryBackoffMs) {
        this(retryBackoffMs, true);
    }

    /** Without the event log when {@code logEvents} is false (long runs). */
    Harness(long retryBackoffMs, boolean logEvents) {
        events = logEvents ? new EventLog() : null;
        resolver = new TestResolver(events);
        mapper = Mapper.builder(resolver).nanoClock(clock).retryBackoffMs(retryBackoffMs).build();
    }

    /** A worker routed to {@code node} (null: no node), with a roomy mailbox. */
    TestWorker worker(String name, String node) {
        TestWorker w = new TestWorker(name, 16, events);
        resolver.route(w, node);
        return w;
    }

    /** A worker whose mailbox holds {@code capacity} assignments. */
    TestWorker worker(String name, String node, int capacity) {
        TestWorker w = new TestWorker(name, capacity, events);
        resolver.route(w, node);
        return w;
    }

    /** One duty cycle, then the invariant checks. */
    int step() {
        int work = mapper.doWork();
        assertConsistent();
        return work;
    }

    void advanceMs(long ms) {
        clock.advanceMs(ms);
    }

    void spawn(TestWorker... workers) {
        for (TestWorker w : workers) {
            mapper.onWorkerSpawned(w);
        }
    }

    void stopWorkers(TestWorker... workers) {
        for (TestWorker w : workers) {
            mapper.onWorkerStopped(w);
        }
    }

    void trigger(TestWorker... workers) {
        for (TestWorker w : workers) {
            mapper.triggerReassign(w);
        }
    }

    /** The mapper's live executor for the node, or null. */
    TestExecutor executorOf(String node) {
        return mapper.core().executorOf(node);
    }

    /** The executor the mapper has the worker on, or null. */
    TestExecutor assignedTo(TestWorker w) {
        return mapper.core().assignedExecutor(w);
    }

    void assertConsistent() {
        assertThat(mapper.core().invariantViolations()).as("mapper invariants").isEmpty();
        assertThat(resolver.violations()).as("resolver-side invariants").isEmpty();
    }
}
