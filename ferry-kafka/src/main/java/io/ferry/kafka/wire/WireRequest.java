package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A request the engine sends on a {@link NodeChannel}, in Ferry's terms; immutable. {@link
 * NetworkNodeChannel} turns each into Kafka's protocol request and its answer into {@code R}, so
 * the engine never sees kafka-clients' internal classes and a fake channel can answer in the same
 * terms.
 *
 * <p>Which channel a request is meant for: Produce on a leader's {@code produce} channel; Metadata,
 * InitProducerId, FindCoordinator and DescribeConfigs on the {@code control} channel;
 * ConsumerGroupHeartbeat, OffsetCommit and OffsetFetch on a {@code group} channel to the group's
 * coordinator; ListOffsets on the control channel of the partitions' leader or a {@code group} one;
 * ListGroups (to every node), ConsumerGroupDescribe and DescribeGroups (to the coordinator) on a
 * channel of their own; Fetch on a leader's {@code fetch} channel (one per node and lane), because
 * a broker answers one request per connection at a time and a long-poll fetch would hold a
 * heartbeat or a commit behind it for up to its {@code maxWaitMs}.
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

    /**
     * A DescribeConfigs of topics (only {@code keys} of each), which any node answers; meant for
     * the {@code control} channel.
     *
     * @param topics the topics
     * @param keys the config names asked for (Kafka's names, e.g. {@code max.message.bytes})
     */
    record DescribeConfigs(List<String> topics, List<String> keys)
            implements WireRequest<Map<String, DescribedConfigs>> {
        /** Validates; copies the lists. */
        public DescribeConfigs {
            topics = List.copyOf(topics);
            keys = List.copyOf(keys);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("keys: name the configs (none means all)");
            }
        }

        @Override
        public String apiName() {
            return "DescribeConfigs";
        }
    }

    /**
     * A ListGroups (v0-5) of every group the node coordinates, unfiltered (the caller filters: the
     * states and types filters need v4 and v5); meant for a channel that never carries fetches.
     * Each broker lists only its own groups: a cluster-wide listing asks every node.
     */
    record ListGroups() implements WireRequest<ListedGroups> {
        @Override
        public String apiName() {
            return "ListGroups";
        }
    }

    /**
     * A ConsumerGroupDescribe (KIP-848, v0-1) to the groups' coordinator; a classic group is
     * answered {@code GROUP_ID_NOT_FOUND} (describe it with {@link DescribeGroups}).
     *
     * @param groups the group ids
     */
    record ConsumerGroupDescribe(List<String> groups)
            implements WireRequest<Map<String, DescribedGroup>> {
        /** Validates; copies the list. */
        public ConsumerGroupDescribe {
            groups = List.copyOf(groups);
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("groups: name at least one");
            }
        }

        @Override
        public String apiName() {
            return "ConsumerGroupDescribe";
        }
    }

    /**
     * A DescribeGroups (v0-6) of classic groups to their coordinator; an unknown group is answered
     * {@code GROUP_ID_NOT_FOUND} (v6 on Kafka 4), or without error in state {@code Dead} (before).
     *
     * @param groups the group ids
     */
    record DescribeGroups(List<String> groups) implements WireRequest<Map<String, DescribedGroup>> {
        /** Validates; copies the list. */
        public DescribeGroups {
            groups = List.copyOf(groups);
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("groups: name at least one");
            }
        }

        @Override
        public String apiName() {
            return "DescribeGroups";
        }
    }

    /**
     * A ListOffsets (v1-11) to the partitions' leader; meant for a channel that never carries
     * fetches (the leader's {@code control} one, or a {@code group} one), so it does not wait
     * behind a long poll.
     *
     * @param isolation READ_COMMITTED makes "latest" the last stable offset
     * @param queries per partition, what is asked
     */
    record ListOffsets(IsolationLevel isolation, Map<TopicPartition, OffsetQuery> queries)
            implements WireRequest<Map<TopicPartition, ListedOffset>> {
        /** Validates; copies the map. */
        public ListOffsets {
            Objects.requireNonNull(isolation, "isolation");
            queries = Map.copyOf(queries);
        }

        @Override
        public String apiName() {
            return "ListOffsets";
        }
    }

    /**
     * A Fetch (v4-18) from a partition leader; meant for that node's {@code fetch} channel, one per
     * node and lane: a broker answers one request per connection at a time, so a long poll (up to
     * {@code maxWaitMs}) holds up whatever else is queued on its connection. The request may wait
     * up to {@code maxWaitMs} longer than the channel's request timeout.
     *
     * <p>Sessionless ({@link #sessionless}) it is a full fetch of {@code partitions}; in a fetch
     * session (KIP-227) {@link FetchSession} builds it: {@code partitions} are then only the added
     * or changed ones, {@link Session#forgotten()} the ones dropped.
     *
     * @param partitions the partitions to send, in priority order (with too little room, the broker
     *     fills the first ones)
     * @param maxWaitMs how long the broker may wait for {@code minBytes}
     * @param minBytes the bytes to wait for (1: answer as soon as anything is there)
     * @param maxBytes the most bytes in the answer (the first batch comes whole even when larger)
     * @param isolation READ_COMMITTED stops at the last stable offset and lists aborted
     *     transactions
     * @param rackId the client's rack (the broker may then name a preferred read replica), or empty
     * @param session the session part ({@link Session#NONE} for a sessionless fetch)
     */
    record Fetch(
            List<FetchPartition> partitions,
            int maxWaitMs,
            int minBytes,
            int maxBytes,
            IsolationLevel isolation,
            String rackId,
            Session session)
            implements WireRequest<FetchResult> {
        /** Validates; copies the list. */
        public Fetch {
            partitions = List.copyOf(partitions);
            Objects.requireNonNull(isolation, "isolation");
            rackId = rackId == null ? "" : rackId;
            Objects.requireNonNull(session, "session (Session.NONE for a sessionless fetch)");
        }

        /** A sessionless full fetch of {@code partitions}. */
        public static Fetch sessionless(
                List<FetchPartition> partitions,
                int maxWaitMs,
                int minBytes,
                int maxBytes,
                IsolationLevel isolation) {
            return new Fetch(
                    partitions, maxWaitMs, minBytes, maxBytes, isolation, "", Session.NONE);
        }

        /**
         * Every topic id the answer may name, with its name: the session's and the partitions'.
         * Fetch v13+ answers name topics by id only.
         */
        public Map<Uuid, String> topicNames() {
            Map<Uuid, String> names = new LinkedHashMap<>(session.topicNames());
            for (FetchPartition p : partitions) {
                if (!p.topicId().equals(Uuid.ZERO_UUID)) {
                    names.putIfAbsent(p.topicId(), p.partition().topic());
                }
            }
            return Collections.unmodifiableMap(names);
        }

        /**
         * True when every partition has a topic id (Fetch v13+ may be used); false caps the request
         * at v12, which names topics.
         */
        public boolean useTopicIds() {
            if (!session.topicIds()) {
                return false;
            }
            List<TopicIdPartition> all = new ArrayList<>(session.forgotten());
            all.addAll(session.replaced());
            return partitions.stream().noneMatch(p -> p.topicId().equals(Uuid.ZERO_UUID))
                    && all.stream().noneMatch(p -> p.topicId().equals(Uuid.ZERO_UUID));
        }

        @Override
        public String apiName() {
            return "Fetch";
        }

        /**
         * The fetch session part of a Fetch (KIP-227), as {@link FetchSession} builds it;
         * immutable.
         *
         * @param id the session id (0: none)
         * @param epoch the session epoch: 0 opens a session (a full fetch), -1 is sessionless (or
         *     closes {@code id}), 1 and up continue it (incremental)
         * @param forgotten the partitions to drop from the session
         * @param replaced partitions whose topic was recreated under a new id (v13+ forgets the old
         *     one)
         * @param topicNames every topic id of the session, with its name (to read the answer by)
         * @param topicIds false when a partition of the session has no topic id (caps at v12)
         */
        public record Session(
                int id,
                int epoch,
                List<TopicIdPartition> forgotten,
                List<TopicIdPartition> replaced,
                Map<Uuid, String> topicNames,
                boolean topicIds) {
            /** No session: a full fetch the broker keeps nothing for. */
            public static final Session NONE =
                    new Session(0, -1, List.of(), List.of(), Map.of(), true);

            /** Copies the collections. */
            public Session {
                forgotten = List.copyOf(forgotten);
                replaced = List.copyOf(replaced);
                topicNames = Map.copyOf(topicNames);
            }

            /** True for a full fetch (no session yet, or sessionless); false for incremental. */
            public boolean isFull() {
                return epoch == 0 || epoch == -1;
            }
        }
    }
}
