package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviours 5 and 6: the retry backoff, and failed or empty resolves. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperBackoffTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void reassign_whenWorkerAsksAgainWithinBackoff_isDeferredToTheEndOfTheBackoff() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        w.poll();
        h.advanceMs(30);

        h.trigger(w);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);
        assertThat(h.mapper.core().nanosUntilDue(h.clock.getAsLong()))
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(70));

        h.advanceMs(69);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);

        h.advanceMs(1);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        assertThat(w.poll()).isNotNull();
    }

    @Test
    void reassign_whenWorkerAsksAfterTheBackoff_runsAtTheNextStep() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        h.advanceMs(BACKOFF_MS);

        h.trigger(w);
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(2);
    }

    @Test
    void deferredReassign_isNeitherDroppedNorSpunOn() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        h.trigger(w);

        int work = 0;
        for (int i = 0; i < 1_000; i++) {
            work += h.step();
        }
        assertThat(h.resolver.resolves(w)).as("not spun on").isEqualTo(1);
        assertThat(work).as("only the trigger was applied; idle steps do nothing").isEqualTo(1);

        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(h.resolver.resolves(w)).as("not dropped").isEqualTo(2);
    }

    @Test
    void nodeFailure_withinTheBackoff_isDeferredLikeAnyRequest() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();

        h.mapper.nodeFailed("n0");
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);

        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);
    }

    @Test
    void resolve_whenItThrows_leavesTheWorkerUnassignedAndRetriesAfterTheBackoff() {
        TestWorker w = h.worker("w", "n0");
        h.resolver.fail(w, new IllegalStateException("metadata unavailable"));
        h.spawn(w);
        h.step();
        assertThat(h.assignedTo(w)).isNull();
        h.advanceMs(BACKOFF_MS - 1);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);

        h.resolver.heal(w);
        h.advanceMs(1);
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        assertThat(w.poll().node()).isEqualTo("n0");
    }

    @Test
    void resolve_whenItNamesNoNode_retriesAfterTheBackoffAndNeverOffersNull() {
        TestWorker w = h.worker("w", null);
        h.spawn(w);
        for (int i = 0; i < 5; i++) {
            h.step();
            h.advanceMs(BACKOFF_MS);
        }

        assertThat(h.resolver.resolves(w)).isEqualTo(5);
        assertThat(w.nullOffered).isFalse();
        assertThat(w.accepted()).isZero();
        assertThat(h.assignedTo(w)).isNull();
    }

    @Test
    void resolve_whenItFailsForAnAssignedWorker_keepsItOnItsLiveExecutor() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        TestExecutor n0 = w.poll();
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(w, null);
        h.trigger(w);
        h.step();

        assertThat(w.poll()).isNull();
        assertThat(h.assignedTo(w)).isSameAs(n0);
        assertThat(n0.isStopped()).isFalse();
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }

    @Test
    void spawnExecutor_whenItThrowsOrReturnsNull_retriesAfterTheBackoff() {
        TestWorker w = h.worker("w", "n0");
        h.resolver.spawnError = new IllegalStateException("cannot connect");
        h.spawn(w);
        h.step();
        h.resolver.spawnError = null;
        h.resolver.spawnNull = true;
        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(w.accepted()).isZero();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);

        h.resolver.spawnNull = false;
        h.advanceMs(BACKOFF_MS);
        h.step();

        assertThat(w.poll().node()).isEqualTo("n0");
    }

    @Test
    void worker_stoppedWhileDeferred_isNeverResolvedAgain() {
        TestWorker w = h.worker("w", null);
        h.spawn(w);
        h.step();

        h.stopWorkers(w);
        h.step();
        h.advanceMs(BACKOFF_MS * 3);
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(1);
        assertThat(h.mapper.core().nanosUntilDue(h.clock.getAsLong()))
                .isEqualTo(MapperCore.NO_DEADLINE);
    }

    @Test
    void resolveNow_afterAFailedResolve_resolvesAtTheNextStepWithoutWaitingOutTheBackoff() {
        TestWorker w = h.worker("w", null); // no node yet: the resolver started a lookup
        h.spawn(w);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(1);
        h.advanceMs(5);

        h.resolver.route(w, "n0"); // the lookup was answered
        h.mapper.resolveNow(w);
        h.mapper.resolveNow(w);
        h.step();

        assertThat(h.resolver.resolves(w)).as("at once, once").isEqualTo(2);
        assertThat(w.poll().node()).isEqualTo("n0");
        assertThat(h.mapper.core().nanosUntilDue(h.clock.getAsLong()))
                .as("the failed attempt's retry left the deferred queue")
                .isEqualTo(MapperCore.NO_DEADLINE);
        h.advanceMs(BACKOFF_MS * 2);
        h.step();
        assertThat(h.resolver.resolves(w))
                .as("not resolved again at the old due time")
                .isEqualTo(2);
        h.assertConsistent();
    }

    @Test
    void resolveNow_thatFailsAgain_isRetriedAfterTheBackoffNotSpunOn() {
        TestWorker w = h.worker("w", null);
        h.spawn(w);
        h.step();

        h.mapper.resolveNow(w);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        for (int i = 0; i < 1_000; i++) {
            h.step();
        }
        assertThat(h.resolver.resolves(w)).as("not spun on").isEqualTo(2);

        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(h.resolver.resolves(w)).as("retried after the backoff").isEqualTo(3);
        assertThat(w.nullOffered).isFalse();
    }

    @Test
    void resolveNow_withinTheBackoffOfASuccessfulResolve_movesTheWorkerAtOnce() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        assertThat(w.poll().node()).isEqualTo("n0");
        h.advanceMs(10);

        h.resolver.route(w, "n1");
        h.trigger(w); // deferred to the end of the backoff
        h.mapper.resolveNow(w); // a fresh answer: not deferred
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        assertThat(w.poll().node()).isEqualTo("n1");
        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        h.assertConsistent();
    }

    @Test
    void retryBackoffMs_whenNegative_isRejectedWithTheAcceptedRange() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Mapper.builder(new TestResolver()).retryBackoffMs(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 0");
    }
}
