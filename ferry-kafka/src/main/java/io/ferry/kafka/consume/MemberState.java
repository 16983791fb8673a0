package io.ferry.kafka.consume;

/**
 * The states of a {@link GroupMember} (KIP-848, as Kafka's own {@code MemberState}); read from any
 * thread through {@link GroupMember#state()}.
 *
 * <ul>
 *   <li>UNSUBSCRIBED, JOINING, RECONCILING, ACKNOWLEDGING, STABLE (a new assignment goes back to
 *       RECONCILING);
 *   <li>FENCED (FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID from any joined state), then JOINING;
 *   <li>PREPARE_LEAVING, LEAVING, LEFT (from any state);
 *   <li>FATAL (from any state).
 * </ul>
 */
public enum MemberState {
    /** Created, not started: no heartbeat is sent. */
    UNSUBSCRIBED,
    /** Joining with epoch 0 (first join, or rejoin after fencing) until the coordinator answers. */
    JOINING,
    /**
     * An assignment arrived that differs from what is owned: revoking (waiting for the listener),
     * or waiting for topic ids to be known.
     */
    RECONCILING,
    /** Reconciled: the next heartbeat reports the new owned set. */
    ACKNOWLEDGING,
    /** Owns what it was assigned, and the coordinator knows it. */
    STABLE,
    /**
     * The coordinator fenced the member: its partitions were dropped without committing ("lost");
     * it rejoins at once with epoch 0 and the same member id.
     */
    FENCED,
    /** Leaving: the listener revokes everything (and commits) before the leave heartbeat. */
    PREPARE_LEAVING,
    /** Leaving: the leave heartbeat (epoch -1) is due or in flight. */
    LEAVING,
    /** Left the group (or never joined); nothing more is sent. */
    LEFT,
    /** A fatal error ({@link GroupMember#failure()} says which); nothing more is sent. */
    FATAL;

    /** True for LEFT and FATAL: the member sends nothing more. */
    public boolean terminal() {
        return this == LEFT || this == FATAL;
    }
}
