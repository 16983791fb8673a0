package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour 1: what triggers a reassignment. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperTriggersTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void reassign_whenWorkerSpawned_resolvesItAndOffersItsNodesExecutor() {
        TestWorker w = h.worker("w", "n0");

        h.spawn(w);
        assertThat(h.resolver.totalResolves())
                .as("nothing happens on the caller's thread")
                .isZero();
        h.step();

        TestExecutor e = w.poll();
        assertThat(e.node()).isEqualTo("n0");
        assertThat(h.assignedTo(w)).isSameAs(e);
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }

    @Test
    void reassign_whenWorkerStopped_releasesItsExecutorWithoutResolvingOthers() {
        TestWorker w0 = h.worker("w0", "n0");
        TestWorker w1 = h.worker("w1", "n1");
        h.spawn(w0, w1);
        h.step();
        TestExecutor e0 = w0.poll();

        h.stopWorkers(w0);
        h.step();

        assertThat(e0.isStopped()).isTrue();
        assertThat(h.mapper.core().workerCount()).isEqualTo(1);
        assertThat(h.resolver.resolves(w1)).isEqualTo(1);
    }

    @Test
    void reassign_whenWorkerAsks_resolvesItAgainAndOffersTheNewExecutor() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        TestExecutor old = w.poll();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(w, "n1");
        h.trigger(w);
        h.step();

        assertThat(w.poll().node()).isEqualTo("n1");
        assertThat(old.isStopped()).isTrue();
    }

    @Test
    void reassign_whenWorkerAsksButItsNodeIsUnchanged_offersTheSameExecutorAgain() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        TestExecutor e = w.poll();
        h.advanceMs(BACKOFF_MS);

        h.trigger(w);
        h.step();

        assertThat(w.poll()).isSameAs(e);
        assertThat(e.isStopped()).isFalse();
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }

    @Test
    void reassign_whenNodeFails_resolvesEveryWorkerOnThatNodeAndNoOther() {
        TestWorker a = h.worker("a", "n0");
        TestWorker b = h.worker("b", "n0");
        TestWorker c = h.worker("c", "n1");
        h.spawn(a, b, c);
        h.step();
        TestExecutor n0 = a.poll();
        b.poll();
        c.poll();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(a, "n2");
        h.resolver.route(b, "n1");
        h.mapper.nodeFailed("n0");
        h.step();

        assertThat(a.poll().node()).isEqualTo("n2");
        assertThat(b.poll().node()).isEqualTo("n1");
        assertThat(c.poll()).isNull();
        assertThat(h.resolver.resolves(c)).isEqualTo(1);
        assertThat(n0.isStopped()).isTrue();
    }

    @Test
    void nodeFailed_whenItsWorkersResolveToItAgain_keepsTheSameExecutor() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        TestExecutor n0 = a.poll();
        h.advanceMs(BACKOFF_MS);

        h.mapper.nodeFailed("n0");
        h.step();

        assertThat(a.poll()).isSameAs(n0);
        assertThat(n0.isStopped()).isFalse();
        assertThat(h.resolver.spawnedFor("n0")).hasSize(1);
    }

    @Test
    void nodeFailed_forANodeWithoutExecutor_isIgnored() {
        TestWorker a = h.worker("a", "n0");
        h.spawn(a);
        h.step();
        a.poll();
        h.advanceMs(BACKOFF_MS);

        h.mapper.nodeFailed("n9");
        h.step();

        assertThat(a.poll()).isNull();
        assertThat(h.resolver.totalResolves()).isEqualTo(1);
    }
}
