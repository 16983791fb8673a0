package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Behaviour 7: a hand-over that would block is dropped, the state stays consistent, and it is
 * retried.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperHandOverTest {
    private static final long BACKOFF_MS = 100;

    private final Harness h = new Harness(BACKOFF_MS);

    @Test
    void handOver_whenTheMailboxIsFull_keepsThePreviousAssignmentAndRetries() {
        TestWorker w = h.worker("w", "n0", 1);
        h.spawn(w);
        h.step();
        TestExecutor n0 = h.assignedTo(w); // left unread: the mailbox is now full
        h.advanceMs(BACKOFF_MS);

        h.resolver.route(w, "n1");
        h.trigger(w);
        h.step();

        assertThat(w.refused()).isEqualTo(1);
        assertThat(h.assignedTo(w)).isSameAs(n0);
        assertThat(n0.isStopped()).isFalse();
        assertThat(h.mapper.core().references("n0")).isEqualTo(1);
        assertThat(h.executorOf("n1")).as("the unused fresh executor is not leaked").isNull();

        w.poll(); // the worker catches up
        h.advanceMs(BACKOFF_MS);
        h.step();

        TestExecutor n1 = w.poll();
        assertThat(n1.node()).isEqualTo("n1");
        assertThat(h.assignedTo(w)).isSameAs(n1);
        assertThat(n0.isStopped()).isTrue();
    }

    @Test
    void handOver_refusedToANewWorker_leavesItUnassignedUntilItTakesOne() {
        TestWorker w = h.worker("w", "n0");
        w.accepting = false;
        h.spawn(w);
        h.step();
        assertThat(h.assignedTo(w)).isNull();
        assertThat(h.mapper.core().pendingCount()).isEqualTo(1);

        w.accepting = true;
        h.advanceMs(BACKOFF_MS);
        h.step();

        assertThat(h.assignedTo(w)).isSameAs(w.poll());
        assertThat(h.mapper.core().pendingCount()).isZero();
    }

    @Test
    void handOver_whenTheWorkerThrows_isTreatedAsRefused() {
        TestWorker w = h.worker("w", "n0");
        w.offerError = new IllegalStateException("worker bug");
        h.spawn(w);
        h.step();
        assertThat(h.assignedTo(w)).isNull();

        w.offerError = null;
        h.advanceMs(BACKOFF_MS);
        h.step();
        assertThat(w.poll()).isNotNull();
    }

    @Test
    void handOver_refusedWhenUnchanged_keepsTheReferenceCount() {
        TestWorker w = h.worker("w", "n0", 1);
        TestWorker other = h.worker("other", "n0");
        h.spawn(w, other);
        h.step();
        TestExecutor n0 = h.assignedTo(w);
        h.advanceMs(BACKOFF_MS);

        h.trigger(w);
        h.step();

        assertThat(w.refused()).isEqualTo(1);
        assertThat(h.mapper.core().references("n0")).isEqualTo(2);
        assertThat(h.assignedTo(w)).isSameAs(n0);
    }
}
