package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * {@code <listener>.audit}: the audit log of refused requests (docs/security.md, "Audit and
 * metrics"); immutable, any thread. One WARN line per refusal, at most {@code linesPerSecond} a
 * second (a burst of one second's worth); the next line says how many were not logged. The
 * refusals' counters count every one.
 *
 * @param linesPerSecond {@code lines-per-second}: the most audit lines a second; 0: none (the
 *     counters still count)
 */
public record AuditConfig(int linesPerSecond) {
    /** The default: 10 lines a second. */
    public static final int DEFAULT_LINES_PER_SECOND = 10;

    /** The default (the name the other settings use for their absent section). */
    public static final AuditConfig OFF = new AuditConfig(DEFAULT_LINES_PER_SECOND);

    static final Set<String> KEYS = Set.of("lines-per-second");

    /** Validates. */
    public AuditConfig {
        if (linesPerSecond < 0 || linesPerSecond > 100_000) {
            throw new IllegalArgumentException(
                    "lines-per-second is " + linesPerSecond + "; expected 0..100000");
        }
    }

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}, the default. */
    public static AuditConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        return new AuditConfig(
                (int)
                        ConfigNodes.number(
                                n, at, "lines-per-second", DEFAULT_LINES_PER_SECOND, 0, 100_000));
    }
}
