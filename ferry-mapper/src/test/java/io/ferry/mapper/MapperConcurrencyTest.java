package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A threaded mapper under calls from several threads at once: the owner stays the single caller of
 * every callback, nothing is leaked and no node ever has two live executors. The interleaving
 * depends on scheduling, so the logged seed replays the operations, not the exact run.
 */
@Tag("stress")
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperConcurrencyTest {
    private static final int THREADS = 4;
    private static final int WORKERS_PER_THREAD = 500;
    private static final int NODES = 10;

    @Test
    void callsFromManyThreads_leaveOneOwnerNoLeaksAndOneExecutorPerNode() throws Exception {
        long seed = Long.getLong("ferry.seed", System.nanoTime());
        System.out.println(
                "MapperConcurrencyTest seed="
                        + seed
                        + " (replay the operations: mvn -pl ferry-mapper verify -Dtest=MapperConcurrencyTest -Dferry.seed="
                        + seed
                        + ")");
        TestResolver resolver = new TestResolver();
        Mapper<String, TestExecutor> mapper =
                Mapper.builder(resolver).retryBackoffMs(1).threadName("owner").start();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random rnd = new Random(seed + t);
            Thread thread =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                    churn(mapper, resolver, rnd);
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                }
                            },
                            "poster-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failure.get()).isNull();

        mapper.stop();

        assertThat(resolver.violations())
                .as("no concurrent resolver calls, no double stop, one executor per node")
                .isEmpty();
        assertThat(resolver.threads).extracting(Thread::getName).containsExactly("owner");
        assertThat(resolver.spawned())
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.isStopped()).as("%s stopped", e).isTrue());
        assertThat(resolver.liveExecutorCount()).isZero();
        System.out.printf(
                "MapperConcurrencyTest: %d workers, %d resolves, %d executors spawned%n",
                THREADS * WORKERS_PER_THREAD, resolver.totalResolves(), resolver.spawned().size());
    }

    private static void churn(
            Mapper<String, TestExecutor> mapper, TestResolver resolver, Random rnd)
            throws InterruptedException {
        String me = Thread.currentThread().getName();
        List<TestWorker> mine = new ArrayList<>();
        for (int i = 0; i < WORKERS_PER_THREAD; i++) {
            TestWorker w = new TestWorker(me + "-w" + i, 1 + rnd.nextInt(2), null);
            resolver.route(w, "n" + rnd.nextInt(NODES));
            mine.add(w);
            mapper.onWorkerSpawned(w);
            for (int k = rnd.nextInt(4); k > 0; k--) {
                TestWorker some = mine.get(rnd.nextInt(mine.size()));
                switch (rnd.nextInt(4)) {
                    case 0 -> resolver.route(some, "n" + rnd.nextInt(NODES));
                    case 1 -> some.drain();
                    case 2 -> mapper.nodeFailed("n" + rnd.nextInt(NODES));
                    default -> {}
                }
                mapper.triggerReassign(some);
            }
            if (rnd.nextInt(4) == 0) {
                retire(mapper, mine.remove(rnd.nextInt(mine.size())));
            }
        }
        for (TestWorker w : mine) {
            retire(mapper, w);
        }
    }

    /** Stops a worker once it has been served, so posters and the owner really interleave. */
    private static void retire(Mapper<String, TestExecutor> mapper, TestWorker w)
            throws InterruptedException {
        assertThat(w.awaitFirstAssignment(10_000)).as("%s served", w).isTrue();
        mapper.onWorkerStopped(w);
    }
}
