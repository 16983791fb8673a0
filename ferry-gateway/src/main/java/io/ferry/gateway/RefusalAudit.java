package io.ferry.gateway;

import io.ferry.gateway.security.AuditConfig;
import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.Operation;
import io.ferry.gateway.security.Principal;
import io.ferry.gateway.security.SecurityConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of refused requests, for any thread: counts every refusal ({@code
 * ferry_security_refusals_total{listener,operation,reason}}) and logs a WARN line for it on the
 * logger {@value #LOGGER}, at most {@code <listener>.audit.lines-per-second} lines a second per
 * listener; the next line logged says how many were not. Never logs a credential: only the
 * principal's name and method, and the names of the request.
 */
@SuppressWarnings("EnumOrdinal") // dense arrays per listener, operation, reason: no map per refusal
final class RefusalAudit {
    /* Design notes
     * Each listener has its own token bucket (Bucket): capacity one second's worth of lines,
     * refilled continuously from the injected clock; synchronized, since refusals are rare next to
     * the requests (a flood of refusals costs one short lock per refusal, then nothing is
     * formatted for the suppressed ones). The counters are registered at start for every listener,
     * operation and reason (a bounded set: nothing from the request becomes a label), so a rate
     * query sees them at 0 before the first refusal.
     */

    /** The logger of audit lines, so that operators can route them apart. */
    static final String LOGGER = "ferry.audit";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** Names longer than this are cut in audit lines (a topic name is at most 249). */
    static final int MAX_NAME_CHARS = 256;

    /** Why a request was refused: the {@code reason} label. */
    enum Reason {
        /** No rule lets the principal do the operation on the topic. */
        NOT_ALLOWED("not_allowed"),
        /** The principal may consume the topic, but no rule lets it consume in the group. */
        GROUP_NOT_ALLOWED("group_not_allowed"),
        /** No principal on a listener that authenticates (a front end let it through). */
        ANONYMOUS("anonymous");

        final String wireName;

        Reason(String wireName) {
            this.wireName = wireName;
        }
    }

    private final Bucket[] buckets = new Bucket[Listener.values().length];
    private final Counter[][][] counters =
            new Counter[Listener.values().length][Operation.values().length]
                    [Reason.values().length];
    private final Consumer<String> sink;

    /**
     * @param registry where the counters are
     * @param security each listener's {@code audit.lines-per-second}
     * @param nanoClock the time, in nanoseconds ({@code System::nanoTime}; tests a fake one)
     * @param sink where the lines go (the WARN level of {@value #LOGGER}; tests collect them)
     */
    RefusalAudit(
            MeterRegistry registry,
            SecurityConfig security,
            LongSupplier nanoClock,
            Consumer<String> sink) {
        this.sink = sink;
        for (Listener l : Listener.values()) {
            AuditConfig a = l.settings(security).audit();
            buckets[l.ordinal()] = new Bucket(a.linesPerSecond(), nanoClock);
            for (Operation o : Operation.values()) {
                for (Reason r : Reason.values()) {
                    counters[l.ordinal()][o.ordinal()][r.ordinal()] =
                            Counter.builder("ferry.security.refusals")
                                    .description(
                                            "requests refused by the authorization rules, by"
                                                    + " listener, operation and reason")
                                    .tag("listener", l.wireName())
                                    .tag("operation", o.wireName())
                                    .tag("reason", r.wireName)
                                    .register(registry);
                }
            }
        }
    }

    /** With the WARN level of {@value #LOGGER} and the system's clock. */
    RefusalAudit(MeterRegistry registry, SecurityConfig security) {
        this(registry, security, System::nanoTime, line -> LOG.warn("{}", line));
    }

    /** Counts a refusal and logs it unless the listener's lines for this second are spent. */
    void refused(
            Listener listener,
            Principal principal,
            Operation op,
            String cluster,
            String topic,
            String group,
            Reason reason) {
        counters[listener.ordinal()][op.ordinal()][reason.ordinal()].increment();
        Bucket b = buckets[listener.ordinal()];
        long notLogged = b.take();
        if (notLogged < 0) {
            return;
        }
        StringBuilder line =
                new StringBuilder(160)
                        .append("refused: listener=")
                        .append(listener.wireName())
                        .append(" principal=");
        if (principal == null) {
            line.append("(anonymous)");
        } else {
            quoted(line, principal.name()).append(" method=").append(principal.method());
        }
        line.append(" operation=").append(op.wireName()).append(" cluster=");
        quoted(line, cluster).append(" topic=");
        quoted(line, topic).append(" group=");
        quoted(line, group)
                .append(" reason=")
                .append(reason.wireName)
                .append("; answered 403 / PERMISSION_DENIED");
        if (notLogged > 0) {
            line.append("; ")
                    .append(notLogged)
                    .append(
                            " earlier refusals on this listener were not logged (audit.lines-per-second ")
                    .append(b.linesPerSecond)
                    .append("; ferry_security_refusals_total counts them all)");
        }
        sink.accept(line.toString());
    }

    /**
     * Appends {@code s} in double quotes, {@code -} when null; control characters, quotes and
     * backslashes escaped, at most {@link #MAX_NAME_CHARS} characters (names come from requests: a
     * line must stay one line).
     */
    static StringBuilder quoted(StringBuilder b, String s) {
        if (s == null) {
            return b.append('-');
        }
        b.append('"');
        int n = Math.min(s.length(), MAX_NAME_CHARS);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > n) {
            b.append("...");
        }
        return b.append('"');
    }

    /**
     * One listener's token bucket of audit lines, any thread (synchronized): {@code linesPerSecond}
     * tokens at most, refilled at that rate.
     */
    static final class Bucket {
        private static final long NANOS = 1_000_000_000L;

        final int linesPerSecond;
        private final LongSupplier nanoClock;

        // guarded by this
        private long units; // tokens * NANOS
        private long lastNanos;
        private long notLogged;

        Bucket(int linesPerSecond, LongSupplier nanoClock) {
            this.linesPerSecond = linesPerSecond;
            this.nanoClock = nanoClock;
            this.units = linesPerSecond * NANOS;
            this.lastNanos = nanoClock.getAsLong();
        }

        /**
         * Takes a token: the number of refusals not logged since the last line taken (which it
         * resets), or -1 when none is left (the refusal counts as not logged).
         */
        synchronized long take() {
            long now = nanoClock.getAsLong();
            long elapsed = Math.max(0, Math.min(now - lastNanos, NANOS));
            lastNanos = now;
            long capacity = linesPerSecond * NANOS;
            units = Math.min(capacity, units + elapsed * linesPerSecond);
            if (units < NANOS) {
                notLogged++;
                return -1;
            }
            units -= NANOS;
            long n = notLogged;
            notLogged = 0;
            return n;
        }
    }
}
