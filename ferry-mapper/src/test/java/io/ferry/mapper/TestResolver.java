package io.ferry.mapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A resolver driven by the test: a route per worker (none when absent), injectable failures, and
 * records of every call; it also checks that a node never has two live executors and that calls
 * never overlap. Thread-safe.
 */
final class TestResolver implements Resolver<String, TestExecutor> {
    private final Map<Worker<TestExecutor>, String> routes = new ConcurrentHashMap<>();
    private final Map<Worker<TestExecutor>, RuntimeException> errors = new ConcurrentHashMap<>();
    private final Map<Worker<TestExecutor>, AtomicInteger> resolves = new ConcurrentHashMap<>();
    private final Map<String, TestExecutor> liveByNode = new ConcurrentHashMap<>();
    private final List<TestExecutor> spawned = new ArrayList<>(); // guarded by this
    private final List<String> violations = new ArrayList<>(); // guarded by this
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicInteger totalResolves = new AtomicInteger();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    volatile Consumer<Worker<TestExecutor>> onResolve = w -> {};
    volatile RuntimeException spawnError;
    volatile boolean spawnNull;
    private final EventLog events;

    TestResolver(EventLog events) {
        this.events = events;
    }

    TestResolver() {
        this(null);
    }

    /** Routes the worker to the node from now on; null means "no node known". */
    void route(Worker<TestExecutor> worker, String node) {
        if (node == null) {
            routes.remove(worker);
        } else {
            routes.put(worker, node);
        }
    }

    String routeOf(Worker<TestExecutor> worker) {
        return routes.get(worker);
    }

    /** Makes resolving the worker throw until {@link #heal}. */
    void fail(Worker<TestExecutor> worker, RuntimeException error) {
        errors.put(worker, error);
    }

    void heal(Worker<TestExecutor> worker) {
        errors.remove(worker);
    }

    @Override
    public String resolveNode(Worker<TestExecutor> worker) {
        enter();
        try {
            totalResolves.incrementAndGet();
            resolves.computeIfAbsent(worker, w -> new AtomicInteger()).incrementAndGet();
            onResolve.accept(worker);
            RuntimeException error = errors.get(worker);
            if (error != null) {
                throw error;
            }
            return routes.get(worker);
        } finally {
            exit();
        }
    }

    @Override
    public TestExecutor spawnExecutor(String node) {
        enter();
        try {
            RuntimeException error = spawnError;
            if (error != null) {
                throw error;
            }
            if (spawnNull) {
                return null;
            }
            TestExecutor e = new TestExecutor(node, nextId.incrementAndGet(), this);
            TestExecutor live = liveByNode.put(node, e);
            if (live != null) {
                violation("node " + node + " got " + e + " while " + live + " is live");
            }
            synchronized (this) {
                spawned.add(e);
            }
            if (events != null) {
                events.add("spawn " + e);
            }
            return e;
        } finally {
            exit();
        }
    }

    void executorStopped(TestExecutor e) {
        liveByNode.remove(e.node(), e);
        if (events != null) {
            events.add("stop " + e);
        }
    }

    private void enter() {
        threads.add(Thread.currentThread());
        if (inFlight.incrementAndGet() > 1) {
            violation("resolver called concurrently");
        }
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    synchronized void violation(String what) {
        violations.add(what);
    }

    synchronized List<String> violations() {
        return new ArrayList<>(violations);
    }

    synchronized List<TestExecutor> spawned() {
        return new ArrayList<>(spawned);
    }

    synchronized List<TestExecutor> spawnedFor(String node) {
        List<TestExecutor> result = new ArrayList<>();
        for (TestExecutor e : spawned) {
            if (e.node().equals(node)) {
                result.add(e);
            }
        }
        return result;
    }

    /** The live executor of the node, as the executors' own stop calls tell it; null if none. */
    TestExecutor liveExecutor(String node) {
        return liveByNode.get(node);
    }

    int liveExecutorCount() {
        return liveByNode.size();
    }

    int resolves(Worker<TestExecutor> worker) {
        AtomicInteger n = resolves.get(worker);
        return n == null ? 0 : n.get();
    }

    int totalResolves() {
        return totalResolves.get();
    }
}
