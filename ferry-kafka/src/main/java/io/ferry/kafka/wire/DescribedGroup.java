package io.ferry.kafka.wire;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * One group as ConsumerGroupDescribe or DescribeGroups described it; immutable.
 *
 * @param groupId the group id
 * @param error the group's error ({@code GROUP_ID_NOT_FOUND}, {@code NOT_COORDINATOR}, {@code
 *     GROUP_AUTHORIZATION_FAILED} ...); with one, {@code members} is empty
 * @param state the group's state ({@code Stable}, {@code Empty}, {@code Dead} ...)
 * @param protocolType {@code consumer} for consumer groups (always, for ConsumerGroupDescribe)
 * @param members the members
 */
public record DescribedGroup(
        String groupId, WireError error, String state, String protocolType, List<Member> members) {
    /** Validates; copies the list; null strings become empty. */
    public DescribedGroup {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(error, "error");
        state = state == null ? "" : state;
        protocolType = protocolType == null ? "" : protocolType;
        members = List.copyOf(members);
    }

    /**
     * One member of a group.
     *
     * @param memberId the member id (KIP-848: the client's own, a UUID; classic: the coordinator's,
     *     {@code clientId-UUID})
     * @param clientId the {@code client.id} the member presented
     * @param clientHost the address it connected from, as Kafka shows it ({@code /10.0.0.1})
     * @param assigned the partitions it is assigned now (KIP-848: its current assignment, not the
     *     target one; classic: the leader's assignment, empty when undecodable or not of the
     *     consumer protocol)
     */
    public record Member(
            String memberId, String clientId, String clientHost, List<TopicPartition> assigned) {
        /** Validates; copies the list; null strings become empty. */
        public Member {
            Objects.requireNonNull(memberId, "memberId");
            clientId = clientId == null ? "" : clientId;
            clientHost = clientHost == null ? "" : clientHost;
            assigned = List.copyOf(assigned);
        }
    }
}
