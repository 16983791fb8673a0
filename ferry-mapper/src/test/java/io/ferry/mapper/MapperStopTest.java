package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour 9: stop waits for the workers, stops every executor, and later calls fail clearly. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperStopTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void stop_waitsUntilEveryWorkerHasStopped_thenStopsEveryExecutor() {
        TestWorker a = h.worker("a", "n0");
        TestWorker b = h.worker("b", "n1");
        h.spawn(a, b);
        h.step();

        h.mapper.requestStop();
        h.stopWorkers(a);
        h.step();
        assertThat(h.mapper.isTerminated()).isFalse();
        assertThat(h.executorOf("n1").isStopped()).as("b still holds it").isFalse();

        h.stopWorkers(b);
        h.step();

        assertThat(h.mapper.isTerminated()).isTrue();
        assertThat(h.resolver.spawned()).allSatisfy(e -> assertThat(e.isStopped()).isTrue());
        h.mapper.stop(); // returns at once now
    }

    /** Regression: CommandQueue swallowed the interrupt of a thread waiting in stop(). */
    @Test
    void stop_inStepMode_keepsTheCallersInterrupt() throws Exception {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
        Thread stopper =
                new Thread(
                        () -> {
                            h.mapper.stop(); // waits: a has not stopped yet
                            interruptedAfter.complete(Thread.currentThread().isInterrupted());
                        },
                        "stopper");
        stopper.start();
        while (stopper.getState() != Thread.State.WAITING) { // in awaitPosted, a has not stopped
            Thread.onSpinWait();
        }
        stopper.interrupt();
        h.mapper.onWorkerStopped(a);
        assertThat(interruptedAfter.get(5, TimeUnit.SECONDS))
                .as("the stopping thread's interrupt status survives the wait")
                .isTrue();
    }

    @Test
    void stop_whileStopping_stillServesTheRemainingWorkers() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        a.poll();
        h.mapper.requestStop();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(a, "n1");
        h.trigger(a);
        h.step();

        assertThat(a.poll().node()).isEqualTo("n1");
        h.stopWorkers(a);
        h.mapper.stop();
        assertThat(h.resolver.liveExecutorCount()).isZero();
    }

    @Test
    void spawn_whileStopping_isRefused() {
        h.mapper.requestStop();

        assertThatThrownBy(() -> h.mapper.onWorkerSpawned(h.worker("late", "n0")))
                .isInstanceOf(MapperStoppedException.class)
                .hasMessageContaining("stopping")
                .hasMessageContaining("late");
    }

    @Test
    void calls_afterStop_failWithMapperStoppedException() {
        TestWorker a = h.worker("a", "n0");
        h.mapper.stop();

        assertThat(h.mapper.isTerminated()).isTrue();
        List<Runnable> calls =
                List.of(
                        () -> h.mapper.onWorkerSpawned(a),
                        () -> h.mapper.onWorkerStopped(a),
                        () -> h.mapper.triggerReassign(a),
                        () -> h.mapper.resolveNow(a),
                        () -> h.mapper.nodeFailed("n0"));
        for (Runnable call : calls) {
            assertThatThrownBy(call::run)
                    .isInstanceOf(MapperStoppedException.class)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("mapper is stopped");
        }
        h.mapper.stop(); // idempotent
        assertThat(h.mapper.doWork()).isZero();
    }

    @Test
    void stop_withATimeout_returnsFalseWhileAWorkerRemains() throws Exception {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);

        assertThat(h.mapper.stop(1, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(h.executorOf("n0").isStopped()).isFalse();

        h.stopWorkers(a);
        assertThat(h.mapper.stop(5, TimeUnit.SECONDS)).isTrue();
        assertThat(h.resolver.spawnedFor("n0").get(0).isStopped()).isTrue();
    }

    @Test
    void stop_calledFromACallback_isRefusedInsteadOfWaitingForItself() {
        TestWorker a = h.worker("a", "n0");
        AtomicReference<RuntimeException> refused = new AtomicReference<>();
        h.resolver.onResolve =
                w -> {
                    try {
                        h.mapper.stop();
                    } catch (RuntimeException e) {
                        refused.set(e);
                    }
                };
        h.spawn(a);
        h.step();

        assertThat(refused.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("re-entered");
    }

    @Test
    void stop_onAThreadedMapper_returnsOnlyAfterTheLastWorkerStopped() throws Exception {
        TestResolver resolver = new TestResolver();
        Mapper<String, TestExecutor> mapper = Mapper.builder(resolver).start();
        TestWorker a = new TestWorker("a");
        resolver.route(a, "n0");
        mapper.onWorkerSpawned(a);
        TestExecutor n0 = a.await(5_000);

        mapper.requestStop(); // what stop() does first; here on this thread, so the next line is
        // not racy
        assertThatThrownBy(() -> mapper.onWorkerSpawned(new TestWorker("b")))
                .isInstanceOf(MapperStoppedException.class);
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(mapper::stop);
        assertThat(stopped).isNotDone();
        assertThat(n0.isStopped()).isFalse();

        mapper.onWorkerStopped(a);
        stopped.get(5, TimeUnit.SECONDS);

        assertThat(n0.isStopped()).as("stopped before stop() returned").isTrue();
        assertThat(n0.stopThread().getName()).isEqualTo("ferry-mapper");
        assertThatThrownBy(() -> mapper.triggerReassign(a))
                .isInstanceOf(MapperStoppedException.class);
    }

    @Test
    void stop_whenTheOwnerThreadDied_rethrowsItsFailureAfterStoppingExecutors() throws Exception {
        TestResolver resolver = new TestResolver();
        Mapper<String, TestExecutor> mapper = Mapper.builder(resolver).threadName("doomed").start();
        TestWorker a = new TestWorker("a");
        TestWorker b = new TestWorker("b");
        resolver.route(a, "n0");
        resolver.route(b, "n0");
        mapper.onWorkerSpawned(a);
        TestExecutor n0 = a.await(5_000);
        resolver.onResolve =
                w -> {
                    throw new AssertionError("an Error is not contained: it kills the owner");
                };

        mapper.onWorkerSpawned(b);

        assertThatThrownBy(mapper::stop)
                .isInstanceOf(MapperStoppedException.class)
                .hasCauseInstanceOf(AssertionError.class);
        assertThat(n0.isStopped()).isTrue();
        assertThatThrownBy(() -> mapper.nodeFailed("n0"))
                .isInstanceOf(MapperStoppedException.class)
                .hasMessageContaining("failed");
    }
}
