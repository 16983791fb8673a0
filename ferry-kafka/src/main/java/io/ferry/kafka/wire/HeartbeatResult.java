package io.ferry.kafka.wire;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * What one ConsumerGroupHeartbeat (KIP-848) answered; immutable.
 *
 * @param error {@link WireError#NONE}, or why the coordinator refused (e.g. {@code
 *     NOT_COORDINATOR}, {@code FENCED_MEMBER_EPOCH}, {@code UNKNOWN_MEMBER_ID})
 * @param memberId the member id the coordinator knows the member by, or null with an error
 * @param memberEpoch the member's epoch now (-1 after a leave), or -1 with an error
 * @param heartbeatIntervalMs how long to wait before the next heartbeat
 * @param assignment the FULL set of partitions the member may own now (topic id to partitions), or
 *     null when it is unchanged since the last answer (or with an error)
 */
public record HeartbeatResult(
        WireError error,
        String memberId,
        int memberEpoch,
        int heartbeatIntervalMs,
        Map<Uuid, Set<Integer>> assignment) {
    /** Copies the assignment, keeping null as "unchanged". */
    public HeartbeatResult {
        assignment = assignment == null ? null : TopicIdPartitions.copy(assignment);
    }
}
