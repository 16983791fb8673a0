package io.ferry.gateway.security;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token buckets of requests and request-body bytes per caller, one limiter per listener shared by
 * all its event loops: {@link #admit} and {@link #charge} may be called from any thread at once.
 * Refusals are return values ({@link Refusal}), never exceptions.
 */
public final class RateLimiter {
    /* Design notes
     * Each bucket is kept as one long, its "theoretical arrival time" (GCRA, the generic cell
     * rate algorithm of ATM networks; the same token bucket said in time): tat is when the
     * bucket would be full again if nothing more came. With T the nanoseconds one unit (a
     * request, a byte) is worth at the rate, and tolerance = burst-seconds in nanoseconds (the
     * bucket's capacity in time), the bucket holds capacity - max(0, tat - now) / T units. A
     * charge of n units moves tat to max(tat, now) + n*T. A bucket with tat <= now is full, the
     * same as a fresh one: that is why dropping it loses nothing.
     *
     * Admission: a cost is admitted when the bucket holds min(cost, capacity) units; it then
     * takes the whole cost, so the bucket may go into debt (tat beyond now + tolerance). A
     * request larger than the burst is therefore admitted once the bucket is full, and what
     * follows waits until its excess has been paid at the rate: the long-run rate holds, and
     * no request is too large to ever pass. A cost of zero bytes (no body) is never refused by
     * the byte limit.
     *
     * Concurrency: the buckets are in one ConcurrentHashMap (a lock-free get on the hot path)
     * and each tat is an AtomicLong moved by compare-and-set, so a principal's limit holds over
     * every event loop and every listener port sharing the limiter (the HTTP and gRPC ports of
     * Ferry's API), without a lock. A request that passes the request bucket and is refused by
     * the byte bucket gives its request back (subtracting exactly what it added; additions
     * commute, so this is exact unless the bucket was refilled meanwhile, when it gives back at
     * most one request too many: benign).
     *
     * Memory: every sweep interval (the first admit after it does it; at most one thread at a
     * time) the full buckets are removed with a conditional remove. A thread that fetched a
     * bucket just before its removal charges the removed one: that charge is lost, at most one
     * request per racing thread on a bucket that was full anyway (benign). Past maxCallers
     * buckets (after a sweep, at most one forced sweep a second), new callers share one overflow
     * bucket: many addresses at once cannot grow the map without bound, at the price of those
     * callers sharing a limit.
     *
     * Time: the clock is injected (nanoseconds, System::nanoTime in production); times are
     * compared by difference, so the clock may start anywhere and wrap.
     */

    /** Which limit refused a request. */
    public enum Limit {
        /** {@code requests-per-second}. */
        REQUESTS("requests-per-second"),
        /** {@code bytes-per-second}. */
        BYTES("bytes-per-second");

        private final String key;

        Limit(String key) {
            this.key = key;
        }

        /** Its key under {@code <listener>.rate-limits}. */
        public String key() {
            return key;
        }
    }

    /**
     * A refused request.
     *
     * @param limit the limit it is over
     * @param rate that limit's rate (per second)
     * @param waitNanos how long until the caller's bucket holds what it needs (at least 1)
     */
    public record Refusal(Limit limit, long rate, long waitNanos) {
        /** The {@code Retry-After} value: the wait rounded up to whole seconds, at least 1. */
        public long retryAfterSeconds() {
            return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
        }

        /**
         * What the caller is told: {@code principal 'alice' is over
         * gateway.security.api.rate-limits.requests-per-second=100; retry after 1 s}.
         *
         * @param who the caller as said to it ({@code principal 'alice'}, {@code address 10.1.2.3})
         * @param at where the limits are configured ({@code gateway.security.api.rate-limits})
         */
        public String message(String who, String at) {
            return who
                    + " is over "
                    + at
                    + "."
                    + limit.key()
                    + "="
                    + rate
                    + "; retry after "
                    + retryAfterSeconds()
                    + " s";
        }
    }

    /** A request's bytes that are not known when it is admitted: charged later. */
    public static final long UNKNOWN_BYTES = -1;

    /** At most this many callers have buckets of their own (the rest share one). */
    public static final int MAX_CALLERS = 65_536;

    static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** The caller of the shared bucket past {@link #MAX_CALLERS}. */
    static final String OVERFLOW = "";

    private final RateLimitConfig config;
    private final LongSupplier nanoClock;
    private final int maxCallers;

    /** Nanoseconds one request is worth; 0: no request limit. */
    private final long requestNanos;

    /** Nanoseconds one byte is worth; 0: no byte limit. */
    private final double byteNanos;

    /** A full bucket, in time: burst-seconds. */
    private final long toleranceNanos;

    private final long sweepIntervalNanos;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** When the next sweep is due (clock time); claimed by CAS, so one thread sweeps. */
    private final AtomicLong nextSweep;

    /** When a full map may be swept again at once. */
    private final AtomicLong nextForcedSweep;

    /** Limits per {@code config} (which must be {@link RateLimitConfig#on}), on {@code clock}. */
    public RateLimiter(RateLimitConfig config, LongSupplier nanoClock) {
        this(config, nanoClock, MAX_CALLERS);
    }

    RateLimiter(RateLimitConfig config, LongSupplier nanoClock, int maxCallers) {
        this.config = Objects.requireNonNull(config, "config");
        if (!config.on()) {
            throw new IllegalArgumentException("no rate limit is set: " + config);
        }
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.maxCallers = maxCallers;
        this.requestNanos =
                config.requestsPerSecond() == 0
                        ? 0
                        : Math.max(1, NANOS_PER_SECOND / config.requestsPerSecond());
        this.byteNanos =
                config.bytesPerSecond() == 0
                        ? 0
                        : (double) NANOS_PER_SECOND / config.bytesPerSecond();
        this.toleranceNanos = config.burstSeconds() * NANOS_PER_SECOND;
        this.sweepIntervalNanos = Math.max(10 * NANOS_PER_SECOND, 2 * toleranceNanos);
        long now = nanoClock.getAsLong();
        this.nextSweep = new AtomicLong(now + sweepIntervalNanos);
        this.nextForcedSweep = new AtomicLong(now);
    }

    /** The limits. */
    public RateLimitConfig config() {
        return config;
    }

    /**
     * Admits one request of {@code caller} with a body of {@code bytes} ({@link #UNKNOWN_BYTES}:
     * not known yet, then it needs one byte of credit and its bytes are {@link #charge}d once
     * read), taking its tokens; or refuses it, taking nothing.
     *
     * @return null when admitted, else why not and for how long
     */
    public Refusal admit(String caller, long bytes) {
        long now = nanoClock.getAsLong();
        maybeSweep(now);
        Bucket b = bucket(caller, now);
        long requestCost = requestNanos;
        if (requestCost > 0) {
            long wait = b.requests.take(now, requestCost, toleranceNanos);
            if (wait > 0) {
                return new Refusal(Limit.REQUESTS, config.requestsPerSecond(), wait);
            }
        }
        if (byteNanos > 0 && bytes != 0) {
            long cost;
            long need;
            if (bytes == UNKNOWN_BYTES) {
                cost = 0;
                need = Math.min(toleranceNanos, (long) Math.ceil(byteNanos));
            } else {
                cost = costOf(bytes);
                need = Math.min(toleranceNanos, cost);
            }
            long wait = b.bytes.take(now, cost, need, toleranceNanos);
            if (wait > 0) {
                if (requestCost > 0) {
                    b.requests.giveBack(requestCost);
                }
                return new Refusal(Limit.BYTES, config.bytesPerSecond(), wait);
            }
        }
        return null;
    }

    /**
     * Takes {@code bytes} of {@code caller}'s byte bucket without asking, into debt if need be: a
     * body admitted with {@link #UNKNOWN_BYTES}, once read. Its next requests wait for the debt.
     */
    public void charge(String caller, long bytes) {
        if (byteNanos == 0 || bytes <= 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        bucket(caller, now).bytes.take(now, costOf(bytes), 0, Long.MAX_VALUE);
    }

    /** Callers with buckets now (tests). */
    int callers() {
        return buckets.size();
    }

    private long costOf(long bytes) {
        double c = Math.ceil(bytes * byteNanos);
        // a cost beyond a century of the rate is as good as infinite, and cannot overflow tat
        return c >= 1e18 ? 1_000_000_000_000_000_000L : (long) c;
    }

    private Bucket bucket(String caller, long now) {
        Bucket b = buckets.get(caller);
        if (b != null) {
            return b;
        }
        if (buckets.size() >= maxCallers) {
            long forced = nextForcedSweep.get();
            if (now - forced >= 0
                    && nextForcedSweep.compareAndSet(forced, now + NANOS_PER_SECOND)) {
                sweep(now);
            }
            if (buckets.size() >= maxCallers) {
                Bucket shared = buckets.get(OVERFLOW);
                return shared != null
                        ? shared
                        : buckets.computeIfAbsent(OVERFLOW, k -> new Bucket(now));
            }
        }
        return buckets.computeIfAbsent(caller, k -> new Bucket(now));
    }

    private void maybeSweep(long now) {
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + sweepIntervalNanos)) {
            sweep(now);
        }
    }

    /** Removes the full buckets: each is the same as a fresh one. */
    private void sweep(long now) {
        buckets.values().removeIf(b -> b.full(now));
    }

    /** A caller's two buckets. */
    private static final class Bucket {
        final Tat requests;
        final Tat bytes;

        Bucket(long now) {
            requests = new Tat(now);
            bytes = new Tat(now);
        }

        boolean full(long now) {
            return requests.full(now) && bytes.full(now);
        }
    }

    /** One bucket's theoretical arrival time, moved by CAS. */
    @SuppressWarnings("serial") // never serialized
    private static final class Tat extends AtomicLong {
        Tat(long now) {
            super(now);
        }

        boolean full(long now) {
            return get() - now <= 0;
        }

        /** Takes {@code cost} if it holds that much (up to a full bucket); else the wait. */
        long take(long now, long cost, long tolerance) {
            return take(now, cost, Math.min(cost, tolerance), tolerance);
        }

        /**
         * Takes {@code cost} if the bucket holds {@code need}; else returns how long until it would
         * (at least 1).
         */
        long take(long now, long cost, long need, long tolerance) {
            while (true) {
                long tat = get();
                long backlog = Math.max(0, tat - now);
                long over = backlog - (tolerance - need);
                if (over > 0) {
                    return over;
                }
                long next = (backlog > 0 ? tat : now) + cost;
                // one CAS per admitted request; a lost race re-reads (another caller's charge)
                if (compareAndSet(tat, next)) {
                    return 0;
                }
            }
        }

        void giveBack(long cost) {
            addAndGet(-cost);
        }
    }
}
