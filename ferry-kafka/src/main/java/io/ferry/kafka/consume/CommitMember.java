package io.ferry.kafka.consume;

import io.ferry.kafka.wire.WireError;
import org.apache.kafka.common.TopicPartition;

/**
 * The group member an {@link OffsetWorker} commits for: its member id, current epoch and owned
 * partitions (the KIP-848 membership state machine implements it); every method may be called from
 * any commit executor's thread, so it must be thread-safe and must not block.
 *
 * <p>A consumer-protocol member commits with OffsetCommit v9+, {@code GenerationIdOrMemberEpoch} =
 * its member epoch and its member id; the coordinator refuses any other epoch with {@code
 * STALE_MEMBER_EPOCH} and does NOT check ownership, so the commit path asks {@link #owns} before
 * committing a partition. All workers of one group share one member.
 */
public interface CommitMember {
    /** The member id (a UUID the client made), or empty while none is known. */
    String memberId();

    /**
     * The member epoch to commit with now; 0 or less while the member is not in the group (joining,
     * fenced, left): nothing is committed then.
     */
    int memberEpoch();

    /** True while the member owns {@code tp}: only owned partitions are committed. */
    boolean owns(TopicPartition tp);

    /**
     * The coordinator answered {@code STALE_MEMBER_EPOCH} to a commit made with {@code usedEpoch}:
     * the member may heartbeat sooner. The commit is retried after the backoff with the epoch
     * {@link #memberEpoch()} gives then.
     */
    default void staleEpoch(int usedEpoch) {}

    /**
     * The coordinator answered {@code FENCED_MEMBER_EPOCH} or {@code UNKNOWN_MEMBER_ID} to a commit
     * made with {@code usedEpoch}: the group commits nothing more until the member has a new epoch.
     */
    default void commitFenced(int usedEpoch, WireError error) {}
}
