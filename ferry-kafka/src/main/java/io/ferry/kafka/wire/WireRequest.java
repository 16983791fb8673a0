package io.ferry.kafka.wire;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A request the engine sends on a {@link NodeChannel}, in Ferry's terms; immutable. {@link
 * NetworkNodeChannel} turns each into Kafka's protocol request and its answer into {@code R}, so
 * the engine never sees kafka-clients' internal classes and a fake channel can answer in the same
 * terms.
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
}
