package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves; starts near the end of the long range, so it wraps. */
    private static final class Clock {
        long nanos = Long.MAX_VALUE - 5 * SECOND;

        long get() {
            return nanos;
        }

        void advance(long n) {
            nanos += n;
        }
    }

    private final Clock clock = new Clock();

    private RateLimiter limiter(long requests, long bytes, int burstSeconds) {
        return limiter(requests, bytes, burstSeconds, RateLimiter.MAX_CALLERS);
    }

    private RateLimiter limiter(long requests, long bytes, int burstSeconds, int maxCallers) {
        return new RateLimiter(
                new RateLimitConfig(
                        requests, bytes, burstSeconds, RateLimitConfig.Anonymous.PER_ADDRESS),
                clock::get,
                maxCallers);
    }

    @Test
    void admit_oneRequestPerSecondBurstOne_refusesTheSecondAtOnce_admitsItASecondLater() {
        RateLimiter l = limiter(1, 0, 1);
        assertThat(l.admit("alice", 0)).isNull();
        RateLimiter.Refusal r = l.admit("alice", 0);
        assertThat(r).isNotNull();
        assertThat(r.limit()).isEqualTo(RateLimiter.Limit.REQUESTS);
        assertThat(r.waitNanos()).isEqualTo(SECOND);
        assertThat(r.retryAfterSeconds()).isEqualTo(1);
        clock.advance(SECOND - 1);
        assertThat(l.admit("alice", 0)).as("1 ns early").isNotNull();
        clock.advance(1);
        assertThat(l.admit("alice", 0)).isNull();
    }

    @Test
    void admit_refusedRequest_takesNothing() {
        RateLimiter l = limiter(1, 0, 1);
        assertThat(l.admit("alice", 0)).isNull();
        for (int i = 0; i < 10; i++) {
            assertThat(l.admit("alice", 0)).isNotNull();
        }
        clock.advance(SECOND);
        assertThat(l.admit("alice", 0)).as("refusals did not push the refill out").isNull();
    }

    @Test
    void admit_otherPrincipal_hasItsOwnBucket() {
        RateLimiter l = limiter(1, 0, 1);
        assertThat(l.admit("alice", 0)).isNull();
        assertThat(l.admit("alice", 0)).isNotNull();
        assertThat(l.admit("bob", 0)).isNull();
        assertThat(l.admit("bob", 0)).isNotNull();
    }

    @Test
    void admit_burstSeconds_letsAnIdleCallerSendThatManySecondsAtOnce() {
        RateLimiter l = limiter(10, 0, 3);
        for (int i = 0; i < 30; i++) {
            assertThat(l.admit("alice", 0)).as("request %d", i).isNull();
        }
        RateLimiter.Refusal r = l.admit("alice", 0);
        assertThat(r).isNotNull();
        assertThat(r.waitNanos()).isEqualTo(SECOND / 10);
        assertThat(r.retryAfterSeconds()).as("rounded up").isEqualTo(1);
        clock.advance(SECOND);
        for (int i = 0; i < 10; i++) {
            assertThat(l.admit("alice", 0)).as("after 1 s, request %d", i).isNull();
        }
        assertThat(l.admit("alice", 0)).isNotNull();
    }

    @Test
    void admit_steadyAtTheRate_isNeverRefused() {
        RateLimiter l = limiter(100, 0, 1);
        for (int i = 0; i < 1000; i++) {
            assertThat(l.admit("alice", 0)).as("request %d", i).isNull();
            clock.advance(SECOND / 100);
        }
    }

    @Test
    void admit_bytes_refusesOverTheByteRate_andGivesTheRequestBack() {
        RateLimiter l = limiter(2, 1000, 1);
        assertThat(l.admit("alice", 800)).isNull();
        RateLimiter.Refusal r = l.admit("alice", 300);
        assertThat(r).isNotNull();
        assertThat(r.limit()).isEqualTo(RateLimiter.Limit.BYTES);
        assertThat(r.rate()).isEqualTo(1000);
        assertThat(r.waitNanos()).as("100 bytes short at 1000 B/s").isEqualTo(SECOND / 10);
        assertThat(l.admit("alice", 200)).as("the refused request gave its request back").isNull();
        assertThat(l.admit("alice", 0)).as("two requests taken").isNotNull();
    }

    @Test
    void admit_noBody_isNeverRefusedByTheByteLimit() {
        RateLimiter l = limiter(0, 1000, 1);
        assertThat(l.admit("alice", 1000)).isNull();
        assertThat(l.admit("alice", 1)).isNotNull();
        assertThat(l.admit("alice", 0)).isNull();
    }

    @Test
    void admit_bodyLargerThanTheBurst_passesWhenTheBucketIsFull_thenTheDebtIsPaid() {
        RateLimiter l = limiter(0, 1000, 1);
        assertThat(l.admit("alice", 5000)).as("5 s of the rate, bucket full").isNull();
        RateLimiter.Refusal r = l.admit("alice", 1);
        assertThat(r).isNotNull();
        assertThat(r.waitNanos())
                .as("4 s of debt, then one byte")
                .isEqualTo(4 * SECOND + SECOND / 1000);
        assertThat(r.retryAfterSeconds()).isEqualTo(5);
        clock.advance(4 * SECOND);
        assertThat(l.admit("alice", 1000)).as("one byte short").isNotNull();
        clock.advance(SECOND);
        assertThat(l.admit("alice", 5000)).as("full again: another large one").isNull();
    }

    @Test
    void admit_bodyLargerThanTheBurst_waitsForAFullBucket() {
        RateLimiter l = limiter(0, 1000, 1);
        assertThat(l.admit("alice", 500)).isNull();
        RateLimiter.Refusal r = l.admit("alice", 5000);
        assertThat(r).isNotNull();
        assertThat(r.waitNanos()).isEqualTo(SECOND / 2);
        clock.advance(SECOND / 2);
        assertThat(l.admit("alice", 5000)).isNull();
    }

    @Test
    void charge_unknownBytes_admitsWhileNotInDebt_thenChargesTheBodyIntoDebt() {
        RateLimiter l = limiter(0, 1000, 1);
        assertThat(l.admit("alice", RateLimiter.UNKNOWN_BYTES)).isNull();
        l.charge("alice", 3000);
        RateLimiter.Refusal r = l.admit("alice", RateLimiter.UNKNOWN_BYTES);
        assertThat(r).as("in debt: a chunked body waits too").isNotNull();
        assertThat(r.waitNanos())
                .as("2 s of debt, then one byte")
                .isEqualTo(2 * SECOND + SECOND / 1000);
        assertThat(r.retryAfterSeconds()).isEqualTo(3);
        clock.advance(2 * SECOND);
        assertThat(l.admit("alice", RateLimiter.UNKNOWN_BYTES))
                .as("out of debt, empty")
                .isNotNull();
        clock.advance(SECOND / 1000);
        assertThat(l.admit("alice", RateLimiter.UNKNOWN_BYTES)).as("one byte back").isNull();
    }

    @Test
    void charge_withoutAByteLimit_doesNothing() {
        RateLimiter l = limiter(1, 0, 1);
        l.charge("alice", 1_000_000);
        assertThat(l.callers()).isZero();
        assertThat(l.admit("alice", 1_000_000)).isNull();
    }

    @Test
    void admit_hugeBody_doesNotOverflow() {
        RateLimiter l = limiter(0, 1, 1);
        assertThat(l.admit("alice", Long.MAX_VALUE)).isNull();
        RateLimiter.Refusal r = l.admit("alice", 1);
        assertThat(r).isNotNull();
        assertThat(r.waitNanos()).isPositive();
    }

    @Test
    void refusal_retryAfter_isRoundedUpToWholeSeconds_atLeastOne() {
        assertThat(new RateLimiter.Refusal(RateLimiter.Limit.REQUESTS, 1, 1).retryAfterSeconds())
                .isEqualTo(1);
        assertThat(
                        new RateLimiter.Refusal(RateLimiter.Limit.REQUESTS, 1, SECOND)
                                .retryAfterSeconds())
                .isEqualTo(1);
        assertThat(
                        new RateLimiter.Refusal(RateLimiter.Limit.REQUESTS, 1, SECOND + 1)
                                .retryAfterSeconds())
                .isEqualTo(2);
    }

    @Test
    void refusal_message_namesTheCallerTheSettingAndTheWait() {
        RateLimiter l = limiter(100, 0, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(l.admit("alice", 0)).isNull();
        }
        assertThat(
                        l.admit("alice", 0)
                                .message("principal 'alice'", "gateway.security.api.rate-limits"))
                .isEqualTo(
                        "principal 'alice' is over"
                                + " gateway.security.api.rate-limits.requests-per-second=100;"
                                + " retry after 1 s");
    }

    @Test
    void sweep_dropsIdleBuckets_keepsThoseInUse() {
        RateLimiter l = limiter(1, 0, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(l.admit("caller-" + i, 0)).isNull();
        }
        assertThat(l.callers()).isEqualTo(100);
        clock.advance(10 * SECOND);
        assertThat(l.admit("busy", 0)).isNull(); // due: the sweep runs, then busy gets a bucket
        assertThat(l.callers()).as("only busy's bucket, not full").isEqualTo(1);
        assertThat(l.admit("busy", 0)).as("its bucket kept its state").isNotNull();
    }

    @Test
    void maxCallers_newCallersBeyondItShareOneBucket() {
        RateLimiter l = limiter(1, 0, 1, 3);
        assertThat(l.admit("a", 0)).isNull();
        assertThat(l.admit("b", 0)).isNull();
        assertThat(l.admit("c", 0)).isNull();
        assertThat(l.admit("d", 0)).as("overflow bucket, full").isNull();
        assertThat(l.admit("e", 0)).as("shares d's bucket").isNotNull();
        assertThat(l.callers()).isEqualTo(4);
        clock.advance(SECOND);
        assertThat(l.admit("f", 0)).as("the forced sweep made room").isNull();
        assertThat(l.admit("f", 0)).isNotNull();
        assertThat(l.callers()).isEqualTo(1);
    }

    @Test
    void create_withoutLimits_isRefused() {
        assertThatThrownBy(() -> new RateLimiter(RateLimitConfig.OFF, clock::get))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void admit_fromManyThreads_admitsExactlyTheBurst() throws Exception {
        RateLimiter l = limiter(1000, 0, 1); // frozen clock: exactly 1000 tokens
        int threads = 4;
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    return;
                                }
                                for (int i = 0; i < 1000; i++) {
                                    if (l.admit("alice", 0) == null) {
                                        admitted.incrementAndGet();
                                    }
                                }
                            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(th.isAlive()).isFalse();
        }
        assertThat(admitted.get()).isEqualTo(1000);
    }
}
