package io.ferry.kafka.consume;

/**
 * The settings of group membership; immutable. {@link #defaults()} gives the values below.
 *
 * @param rebalanceTimeoutMs how long a member may take to revoke partitions before the coordinator
 *     fences it (Kafka's {@code RebalanceTimeoutMs}; default 60000)
 * @param revokeGraceMs how long a revocation waits for pending acknowledgements before it commits
 *     what is acknowledged and lets the rest be redelivered (default 3000); well below {@code
 *     rebalanceTimeoutMs} (at most half of it) and never the ack timeout
 * @param serverAssignor the server-side assignor ({@code uniform}, {@code range}), or null for the
 *     group's default
 * @param retryBackoffMs the first wait after a failed heartbeat or lookup (default 100)
 * @param retryBackoffMaxMs the longest such wait; it doubles up to this (default 1000)
 * @param leaveTimeoutMs how long a leave keeps trying to reach the coordinator before it gives up
 *     (the session timeout then removes the member; default 5000)
 * @param maxInFlightPerCoordinator the most heartbeats in flight on one coordinator connection, of
 *     all groups it serves (default 100)
 */
public record MembershipSettings(
        int rebalanceTimeoutMs,
        long revokeGraceMs,
        String serverAssignor,
        long retryBackoffMs,
        long retryBackoffMaxMs,
        long leaveTimeoutMs,
        int maxInFlightPerCoordinator) {
    /** Validates: each error names the setting, the value given and what is accepted. */
    public MembershipSettings {
        if (rebalanceTimeoutMs < 1) {
            throw new IllegalArgumentException(
                    "rebalanceTimeoutMs is " + rebalanceTimeoutMs + "; expected at least 1");
        }
        if (revokeGraceMs < 0 || revokeGraceMs > rebalanceTimeoutMs / 2) {
            throw new IllegalArgumentException(
                    "revokeGraceMs is "
                            + revokeGraceMs
                            + "; expected 0 .. rebalanceTimeoutMs / 2 ("
                            + rebalanceTimeoutMs / 2
                            + "), so a revocation never gets the member fenced");
        }
        if (retryBackoffMs < 1 || retryBackoffMaxMs < retryBackoffMs) {
            throw new IllegalArgumentException(
                    "retryBackoffMs is "
                            + retryBackoffMs
                            + " and retryBackoffMaxMs "
                            + retryBackoffMaxMs
                            + "; expected 1 <= retryBackoffMs <= retryBackoffMaxMs");
        }
        if (leaveTimeoutMs < 0) {
            throw new IllegalArgumentException(
                    "leaveTimeoutMs is " + leaveTimeoutMs + "; expected 0 or more");
        }
        if (maxInFlightPerCoordinator < 1) {
            throw new IllegalArgumentException(
                    "maxInFlightPerCoordinator is "
                            + maxInFlightPerCoordinator
                            + "; expected at least 1");
        }
    }

    /** The defaults: 60 s rebalance timeout, 3 s grace, 100 ms .. 1 s backoff, 5 s leave. */
    public static MembershipSettings defaults() {
        return new MembershipSettings(60_000, 3_000, null, 100, 1_000, 5_000, 100);
    }

    /** This with another revocation grace. */
    public MembershipSettings withRevokeGraceMs(long ms) {
        return new MembershipSettings(
                rebalanceTimeoutMs,
                ms,
                serverAssignor,
                retryBackoffMs,
                retryBackoffMaxMs,
                leaveTimeoutMs,
                maxInFlightPerCoordinator);
    }

    /** This with another rebalance timeout. */
    public MembershipSettings withRebalanceTimeoutMs(int ms) {
        return new MembershipSettings(
                ms,
                Math.min(revokeGraceMs, ms / 2),
                serverAssignor,
                retryBackoffMs,
                retryBackoffMaxMs,
                leaveTimeoutMs,
                maxInFlightPerCoordinator);
    }
}
