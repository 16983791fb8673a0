package io.ferry.kafka.wire;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A request the engine sends on a {@link NodeChannel}, in Ferry's terms; immutable. {@link
 * NetworkNodeChannel} turns each into Kafka's protocol request and its answer into {@code R}, so
 * the engine never sees kafka-clients' internal classes and a fake channel can answer in the same
 * terms.
 *
 * <p>Which channel a request is meant for: Produce on a leader's {@code produce} channel; Metadata,
 * InitProducerId and FindCoordinator on the {@code control} channel; ConsumerGroupHeartbeat,
 * OffsetCommit and OffsetFetch on a {@code group} channel to the group's coordinator, because a
 * broker answers one request per connection at a time and a long-poll fetch would hold a heartbeat
 * or a commit behind it.
 *
 * @param <R> what the answer is turned into
 */
public sealed interface WireRequest<R> {
    /** The request's Kafka API name, for log lines and fakes. */
    String apiName();

    /**
     * A ProduceRequest carrying one batch per partition.
     *
     * @param acks 0, 1 or -1 (all)
     * @param timeoutMs how long the leader may wait for replication
     * @param batches the encoded batch of each partition
     * @param topicIds the id of every topic in {@code batches} (Produce v13 names topics by id)
     */
    record Produce(
            short acks,
            int timeoutMs,
            Map<TopicPartition, EncodedBatch> batches,
            Map<String, Uuid> topicIds)
            implements WireRequest<Map<TopicPartition, PartitionResult>> {
        @Override
        public String apiName() {
            return "Produce";
        }
    }

    /**
     * A MetadataRequest.
     *
     * @param topics the topics to describe, or null for every topic of the cluster
     * @param allowAutoTopicCreation whether a cluster that auto-creates topics may create these
     */
    record Metadata(List<String> topics, boolean allowAutoTopicCreation)
            implements WireRequest<ClusterView> {
        @Override
        public String apiName() {
            return "Metadata";
        }
    }

    /** An InitProducerIdRequest for an idempotent (not transactional) producer. */
    record InitProducerId() implements WireRequest<ProducerIdAndEpoch> {
        @Override
        public String apiName() {
            return "InitProducerId";
        }
    }

    /**
     * A batched FindCoordinatorRequest (v4+) for consumer groups.
     *
     * @param groups the group ids
     */
    record FindCoordinator(List<String> groups) implements WireRequest<Map<String, Coordinator>> {
        @Override
        public String apiName() {
            return "FindCoordinator";
        }
    }

    /**
     * A ConsumerGroupHeartbeat (KIP-848, v0-1) to the group's coordinator; meant for the {@code
     * group} channel (a heartbeat must never wait behind a fetch).
     *
     * <p>Every nullable field means "unchanged since my last heartbeat" when null. A join (epoch 0)
     * must send {@code rebalanceTimeoutMs}, the subscription and an EMPTY {@code ownedPartitions}
     * (null is {@code INVALID_REQUEST}); after any error, resend every field. A null {@code
     * ownedPartitions} tells the coordinator the member still owns everything it was assigned.
     *
     * @param groupId the group id
     * @param memberId the member id, made by the client (a UUID) and kept for the process's life
     * @param memberEpoch 0 to join, the current epoch to stay, -1 to leave, -2 for a static
     *     member's temporary leave
     * @param instanceId the static member's instance id, or null
     * @param rackId the member's rack, or null
     * @param rebalanceTimeoutMs how long the member may take to revoke, or -1 for unchanged
     * @param subscribedTopicNames the topics subscribed to, or null for unchanged
     * @param serverAssignor the server-side assignor ({@code uniform}, {@code range}), or null
     * @param ownedPartitions the partitions the member owns now (topic id to partitions), or null
     *     for unchanged
     */
    record ConsumerGroupHeartbeat(
            String groupId,
            String memberId,
            int memberEpoch,
            String instanceId,
            String rackId,
            int rebalanceTimeoutMs,
            List<String> subscribedTopicNames,
            String serverAssignor,
            Map<Uuid, Set<Integer>> ownedPartitions)
            implements WireRequest<HeartbeatResult> {
        /** Validates; copies the collections, keeping null as "unchanged". */
        public ConsumerGroupHeartbeat {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(memberId, "memberId (the client makes one: a UUID)");
            subscribedTopicNames =
                    subscribedTopicNames == null ? null : List.copyOf(subscribedTopicNames);
            ownedPartitions =
                    ownedPartitions == null ? null : TopicIdPartitions.copy(ownedPartitions);
        }

        @Override
        public String apiName() {
            return "ConsumerGroupHeartbeat";
        }
    }

    /**
     * An OffsetCommit (v9+ for consumer-protocol members) to the group's coordinator; meant for the
     * {@code group} channel. Topics with an id in {@code topicIds} go out by id (v10), else the
     * request is capped at v9 and names them.
     *
     * @param groupId the group id
     * @param memberId the member id, or empty for a commit outside any membership
     * @param memberEpoch the member's current epoch (Kafka's {@code GenerationIdOrMemberEpoch}; it
     *     must equal the coordinator's, else {@code STALE_MEMBER_EPOCH}), or -1 with an empty
     *     member id
     * @param offsets per partition, what to commit
     * @param topicIds the id of each topic in {@code offsets} (from metadata); a missing one caps
     *     the request at v9
     */
    record OffsetCommit(
            String groupId,
            String memberId,
            int memberEpoch,
            Map<TopicPartition, OffsetToCommit> offsets,
            Map<String, Uuid> topicIds)
            implements WireRequest<Map<TopicPartition, WireError>> {
        /** Validates; copies the maps. */
        public OffsetCommit {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(memberId, "memberId (empty outside a membership)");
            offsets = Map.copyOf(offsets);
            topicIds = Map.copyOf(topicIds);
        }

        @Override
        public String apiName() {
            return "OffsetCommit";
        }
    }

    /**
     * An OffsetFetch (v9+ checks the member) for one group to its coordinator; meant for the {@code
     * group} channel. Topics with an id in {@code topicIds} go out by id (v10), else the request is
     * capped at v9 and names them.
     *
     * @param groupId the group id
     * @param memberId the member id, or null to skip the member check
     * @param memberEpoch the member's current epoch, or -1 to skip the check
     * @param requireStable whether to refuse offsets of a pending transactional commit ({@code
     *     UNSTABLE_OFFSET_COMMIT}, retriable) instead of returning the last stable ones
     * @param partitions the partitions asked for
     * @param topicIds the id of each topic in {@code partitions}; a missing one caps the request at
     *     v9
     */
    record OffsetFetch(
            String groupId,
            String memberId,
            int memberEpoch,
            boolean requireStable,
            List<TopicPartition> partitions,
            Map<String, Uuid> topicIds)
            implements WireRequest<GroupOffsets> {
        /** Validates; copies the collections. */
        public OffsetFetch {
            Objects.requireNonNull(groupId, "groupId");
            partitions = List.copyOf(partitions);
            topicIds = Map.copyOf(topicIds);
        }

        @Override
        public String apiName() {
            return "OffsetFetch";
        }
    }
}
