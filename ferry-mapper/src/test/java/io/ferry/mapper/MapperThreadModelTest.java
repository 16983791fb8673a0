package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour 10: one owner holds the state; public calls post commands; the loop is steppable. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperThreadModelTest {

    @Test
    void callbacks_runOnlyOnTheOwnerThread() throws Exception {
        TestResolver resolver = new TestResolver();
        Mapper<String, TestExecutor> mapper = Mapper.builder(resolver).threadName("owner").start();
        TestWorker[] workers = new TestWorker[20];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new TestWorker("w" + i);
            resolver.route(workers[i], "n" + (i % 4));
            mapper.onWorkerSpawned(workers[i]);
        }
        for (TestWorker w : workers) {
            assertThat(w.await(5_000)).isNotNull();
            mapper.onWorkerStopped(w);
        }
        mapper.stop();

        assertThat(resolver.threads).extracting(Thread::getName).containsExactly("owner");
        for (TestWorker w : workers) {
            assertThat(w.offerThreads).extracting(Thread::getName).containsExactly("owner");
        }
        assertThat(resolver.spawned())
                .allSatisfy(e -> assertThat(e.stopThread().getName()).isEqualTo("owner"));
    }

    @Test
    void publicCalls_inStepMode_onlyPostCommands() {
        Harness h = new Harness(100);
        TestWorker w = h.worker("w", "n0");

        h.spawn(w);
        h.trigger(w);
        h.mapper.nodeFailed("n0");

        assertThat(h.resolver.totalResolves()).isZero();
        assertThat(h.mapper.core().workerCount()).isZero();
        assertThat(h.step()).isEqualTo(4); // three commands applied, one worker resolved
    }

    @Test
    void doWork_onAMapperWithItsOwnThread_isRefused() {
        Mapper<String, TestExecutor> mapper = Mapper.builder(new TestResolver()).start();
        try {
            assertThatThrownBy(mapper::doWork)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("own owner thread");
        } finally {
            mapper.stop();
        }
    }

    @Test
    void doWork_reenteredFromACallback_isRefused() {
        Harness h = new Harness(100);
        AtomicReference<RuntimeException> refused = new AtomicReference<>();
        h.resolver.onResolve =
                w -> {
                    try {
                        h.mapper.doWork();
                    } catch (RuntimeException e) {
                        refused.set(e);
                    }
                };
        h.spawn(h.worker("w", "n0"));
        h.step();

        assertThat(refused.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("re-entered");
    }

    @Test
    void doWork_fromASecondThreadWhileOneSteps_isRefused() throws Exception {
        Harness h = new Harness(100);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        h.resolver.onResolve =
                w -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
        h.spawn(h.worker("w", "n0"));
        CompletableFuture<Integer> stepping = CompletableFuture.supplyAsync(h.mapper::doWork);
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        try {
            assertThatThrownBy(h.mapper::doWork)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is stepping it");
        } finally {
            release.countDown();
        }
        assertThat(stepping.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(h.mapper.doWork()).as("a later step from another thread is fine").isZero();
        h.assertConsistent();
    }

    @Test
    void time_isTheInjectedClock_soNothingIsDueUntilTheTestAdvancesIt() {
        Harness h = new Harness(1_000_000); // 1000 s: only the fake clock can get there
        TestWorker w = h.worker("w", null);
        h.spawn(w);
        h.step();
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);

        h.advanceMs(1_000_000);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);
    }
}
