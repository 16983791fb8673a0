package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviours 2 and 3: executors are spawned on demand, one per node, and stopped promptly. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExecutorLifecycleTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void executor_isSpawnedOnlyWhenAWorkerIsFirstResolvedToItsNode() {
        TestWorker a = h.worker("a", "n0");
        h.step();
        assertThat(h.resolver.spawned()).isEmpty();

        h.spawn(a);
        h.step();

        assertThat(h.resolver.spawned()).extracting(TestExecutor::node).containsExactly("n0");
    }

    @Test
    void workersResolvedToOneNode_shareOneExecutor() {
        TestWorker a = h.worker("a", "n0");
        TestWorker b = h.worker("b", "n0");
        h.spawn(a);
        h.step();
        h.spawn(b);
        h.step();

        assertThat(b.poll()).isSameAs(a.poll());
        assertThat(h.resolver.spawnedFor("n0")).hasSize(1);
        assertThat(h.mapper.core().references("n0")).isEqualTo(2);
    }

    @Test
    void executor_isStoppedOnlyAfterItsLastWorkerLeaves_thenInThatSameStep() {
        TestWorker a = h.worker("a", "n0");
        TestWorker b = h.worker("b", "n0");
        h.spawn(a, b);
        h.step();
        TestExecutor n0 = a.poll();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(a, "n1");
        h.trigger(a);
        h.step();
        assertThat(n0.isStopped()).as("b still holds it").isFalse();

        h.stopWorkers(b);
        h.step();
        assertThat(n0.isStopped()).isTrue();
        assertThat(h.executorOf("n0")).isNull();
    }

    @Test
    void executor_isStoppedAfterItsMovingWorkerWasHandedTheNewOne() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(a, "n1");
        h.trigger(a);
        h.step();

        int handOver = h.events.indexOf("offer a " + h.executorOf("n1"));
        int stop = h.events.indexOf("stop " + h.resolver.spawnedFor("n0").get(0));
        assertThat(handOver).isNotNegative();
        assertThat(stop).isGreaterThan(handOver);
    }

    @Test
    void executor_whoseCountTouchesZeroMidPassAndRisesAgain_isNotStopped() {
        TestWorker a = h.worker("a", "n0");
        TestWorker b = h.worker("b", "n1");
        h.spawn(a, b);
        h.step();
        TestExecutor n0 = a.poll();
        TestExecutor n1 = b.poll();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(a, "n1"); // a leaves n0 first: its count is 0 until b arrives
        h.resolver.route(b, "n0");
        h.trigger(a, b);
        h.step();

        assertThat(a.poll()).isSameAs(n1);
        assertThat(b.poll()).isSameAs(n0);
        assertThat(n0.isStopped()).isFalse();
        assertThat(n1.isStopped()).isFalse();
    }

    @Test
    void executor_spawnedForAWorkerThatRefusesIt_isStoppedInTheSamePass() {
        TestWorker a = h.worker("a", "n0");
        a.accepting = false;
        h.spawn(a);
        h.step();

        assertThat(h.resolver.spawnedFor("n0"))
                .singleElement()
                .satisfies(e -> assertThat(e.isStopped()).isTrue());
        assertThat(h.mapper.core().liveExecutorCount()).isZero();
    }

    @Test
    void executor_whoseStopThrows_isStillConsideredStoppedAndNotStoppedAgain() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        TestExecutor n0 = a.poll();
        n0.stopError = new IllegalStateException("close failed");

        h.stopWorkers(a);
        h.step();
        h.mapper.stop();

        assertThat(n0.isStopped()).isTrue();
        assertThat(h.mapper.core().liveExecutorCount()).isZero();
    }

    @Test
    void node_afterItsExecutorStopped_getsAFreshOneWhenResolvedAgain() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        TestExecutor first = a.poll();
        h.stopWorkers(a);
        h.step();

        TestWorker b = h.worker("b", "n0");
        h.spawn(b);
        h.step();

        TestExecutor second = b.poll();
        assertThat(second).isNotSameAs(first);
        assertThat(first.isStopped()).isTrue();
        assertThat(second.isStopped()).isFalse();
    }
}
