package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour 4: events coalesce, and one reassignment runs at a time. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperCoalescingTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void triggers_arrivingBeforeOneStep_coalesceIntoOneResolve() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        w.poll();
        h.advanceMs(BACKOFF_MS);

        for (int i = 0; i < 5; i++) {
            h.trigger(w);
        }
        h.mapper.nodeFailed("n0");
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        assertThat(w.poll()).isNotNull();
        assertThat(w.poll()).isNull();
    }

    @Test
    void spawnThenStop_beforeOneStep_neverResolvesTheWorker() {
        TestWorker w = h.worker("w", "n0");

        h.spawn(w);
        h.stopWorkers(w);
        h.step();

        assertThat(h.resolver.resolves(w)).isZero();
        assertThat(h.resolver.spawned()).isEmpty();
    }

    @Test
    void changes_arrivingDuringAReassignment_areAppliedByTheNextOne() {
        TestWorker a = h.worker("a", "n0");
        TestWorker late = h.worker("late", "n1");
        h.resolver.onResolve =
                w -> {
                    if (w == a && h.resolver.resolves(a) == 1) {
                        // Posted while the reassignment runs, here from the owner thread itself.
                        h.mapper.onWorkerSpawned(late);
                        h.mapper.triggerReassign(a);
                    }
                };
        h.spawn(a);

        h.step();
        assertThat(a.poll()).isNotNull();
        assertThat(h.resolver.resolves(late)).as("not in the running reassignment").isZero();

        h.step();
        assertThat(late.poll().node()).isEqualTo("n1");
        assertThat(h.resolver.resolves(a)).as("a's request falls within the backoff").isEqualTo(1);

        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(h.resolver.resolves(a)).as("deferred, not dropped").isEqualTo(2);
        assertThat(h.mapper.core().passes()).isEqualTo(3);
    }

    @Test
    void reassignments_neverOverlap_whileCallsArriveFromOtherThreads() throws Exception {
        TestResolver resolver = new TestResolver();
        CountDownLatch inFirstResolve = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TestWorker first = new TestWorker("first");
        resolver.route(first, "n0");
        resolver.onResolve =
                w -> {
                    if (w == first && inFirstResolve.getCount() > 0) {
                        inFirstResolve.countDown();
                        awaitUninterruptibly(release);
                    }
                };
        Mapper<String, TestExecutor> mapper = Mapper.builder(resolver).retryBackoffMs(0).start();
        mapper.onWorkerSpawned(first);
        assertThat(inFirstResolve.await(5, TimeUnit.SECONDS)).isTrue();

        TestWorker[] others = new TestWorker[50];
        Thread[] posters = new Thread[2];
        for (int t = 0; t < posters.length; t++) {
            int from = t * 25;
            posters[t] =
                    new Thread(
                            () -> {
                                for (int i = from; i < from + 25; i++) {
                                    others[i] = new TestWorker("o" + i);
                                    resolver.route(others[i], "n" + (i % 3));
                                    mapper.onWorkerSpawned(others[i]);
                                    mapper.triggerReassign(others[i]);
                                }
                            });
            posters[t].start();
        }
        for (Thread p : posters) {
            p.join();
        }
        assertThat(resolver.totalResolves())
                .as("all queued behind the running reassignment")
                .isEqualTo(1);
        release.countDown();

        assertThat(first.await(5_000)).isNotNull();
        for (TestWorker o : others) {
            assertThat(o.await(5_000)).as("assignment of %s", o).isNotNull();
            mapper.onWorkerStopped(o);
        }
        mapper.onWorkerStopped(first);
        mapper.stop();
        assertThat(resolver.violations()).isEmpty(); // includes "resolver called concurrently"
        assertThat(resolver.threads).hasSize(1);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
