package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour 8: repeated or unknown announcements are harmless. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperIdempotenceTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void spawn_twiceAcrossSteps_resolvesOnceAndOffersOnce() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        h.advanceMs(BACKOFF_MS);
        h.spawn(w);
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(1);
        assertThat(w.accepted()).isEqualTo(1);
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }

    @Test
    void stop_ofAWorkerNeverAssigned_isHarmless() {
        TestWorker w = h.worker("w", null);
        TestWorker other = h.worker("other", "n0");
        h.spawn(w, other);
        h.step();

        h.stopWorkers(w);
        h.step();

        assertThat(h.mapper.core().workerCount()).isEqualTo(1);
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }

    @Test
    void stop_ofAnUnknownWorker_andASecondStop_areHarmless() {
        TestWorker w = h.worker("w", "n0");
        TestWorker stranger = h.worker("stranger", "n0");
        h.spawn(w);
        h.step();

        h.stopWorkers(stranger, w, w);
        h.step();

        assertThat(h.mapper.core().workerCount()).isZero();
        assertThat(h.resolver.spawnedFor("n0").get(0).isStopped()).isTrue();
    }

    @Test
    void triggerAndResolveNow_forAnUnknownOrStoppedWorker_areIgnored() {
        TestWorker w = h.worker("w", "n0");
        TestWorker stranger = h.worker("stranger", "n0");
        h.spawn(w);
        h.step();
        h.stopWorkers(w);
        h.advanceMs(BACKOFF_MS);

        h.trigger(w, stranger);
        h.mapper.resolveNow(w);
        h.mapper.resolveNow(stranger);
        h.step();

        assertThat(h.resolver.totalResolves()).isEqualTo(1);
        assertThat(h.mapper.core().workerCount()).isZero();
    }

    @Test
    void spawn_ofTheSameObjectAfterItStopped_startsAFreshWorker() {
        TestWorker w = h.worker("w", "n0");
        h.spawn(w);
        h.step();
        h.stopWorkers(w);
        h.spawn(w);
        h.step();

        assertThat(h.resolver.resolves(w)).isEqualTo(2);
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
    }
}
