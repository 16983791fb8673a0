package io.ferry.kafka.consume;

import java.util.Objects;

/**
 * The settings of a {@link ConsumeEngine}; immutable.
 *
 * @param acks per-message acknowledgements: {@code ack-timeout}, {@code max-pending}, {@code
 *     max-retries}
 * @param membership group membership (KIP-848): rebalance timeout, revocation grace, backoff
 * @param fetch fetch sizes, wait and isolation ({@code read_committed} by default)
 * @param reset where a group with no committed offset starts (and where an out-of-range position
 *     goes): Kafka's {@code auto.offset.reset}; {@code LATEST} by default, as Kafka's and
 *     kafka-pixy's
 * @param commitIntervalMs how often each group's offsets are committed ({@code
 *     offsets-commit-interval}, 500 ms as kafka-pixy's)
 * @param maxMetadataChars the most characters of commit metadata (the acknowledged ranges above the
 *     committed offset): Kafka's {@code offset.metadata.max.bytes}, 4096 by default
 * @param closeTimeoutMs how long a group's close waits to leave cleanly (revoke, settle, commit)
 */
public record ConsumeSettings(
        AckSettings acks,
        MembershipSettings membership,
        FetchSettings fetch,
        FetchLane.OffsetReset reset,
        long commitIntervalMs,
        int maxMetadataChars,
        long closeTimeoutMs) {

    /** Validates. */
    public ConsumeSettings {
        Objects.requireNonNull(acks, "acks");
        Objects.requireNonNull(membership, "membership");
        Objects.requireNonNull(fetch, "fetch");
        Objects.requireNonNull(reset, "reset (EARLIEST or LATEST)");
        if (commitIntervalMs < 1) {
            throw new IllegalArgumentException(
                    "offsets-commit-interval must be at least 1 ms, got " + commitIntervalMs);
        }
        if (maxMetadataChars < 0) {
            throw new IllegalArgumentException(
                    "max metadata chars must be 0 or more, got " + maxMetadataChars);
        }
        if (closeTimeoutMs < 0) {
            throw new IllegalArgumentException(
                    "close timeout must be 0 ms or more, got " + closeTimeoutMs);
        }
    }

    /** Every setting at its default. */
    public static ConsumeSettings defaults() {
        return new ConsumeSettings(
                AckSettings.DEFAULTS,
                MembershipSettings.defaults(),
                FetchSettings.defaults(),
                FetchLane.OffsetReset.LATEST,
                500,
                4096,
                10_000);
    }

    /** With other acknowledgement settings. */
    public ConsumeSettings withAcks(AckSettings a) {
        return new ConsumeSettings(
                a, membership, fetch, reset, commitIntervalMs, maxMetadataChars, closeTimeoutMs);
    }

    /** With another start policy. */
    public ConsumeSettings withReset(FetchLane.OffsetReset r) {
        return new ConsumeSettings(
                acks, membership, fetch, r, commitIntervalMs, maxMetadataChars, closeTimeoutMs);
    }

    /** With other fetch settings. */
    public ConsumeSettings withFetch(FetchSettings f) {
        return new ConsumeSettings(
                acks, membership, f, reset, commitIntervalMs, maxMetadataChars, closeTimeoutMs);
    }

    /** With another commit interval. */
    public ConsumeSettings withCommitIntervalMs(long ms) {
        return new ConsumeSettings(
                acks, membership, fetch, reset, ms, maxMetadataChars, closeTimeoutMs);
    }

    /** With other membership settings. */
    public ConsumeSettings withMembership(MembershipSettings m) {
        return new ConsumeSettings(
                acks, m, fetch, reset, commitIntervalMs, maxMetadataChars, closeTimeoutMs);
    }
}
