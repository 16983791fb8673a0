/**
 * The thin adapter over kafka-clients' internal protocol classes (pinned at 4.2.0): node
 * connections and every request the engine sends (Produce, Metadata, InitProducerId,
 * FindCoordinator; ConsumerGroupHeartbeat, OffsetCommit, OffsetFetch, ListOffsets, Fetch and its
 * sessions; DescribeConfigs; ListGroups, ConsumerGroupDescribe, DescribeGroups), one
 * package-private codec per request family. The only package of Ferry that imports {@code
 * org.apache.kafka.clients.NetworkClient}, {@code common.requests}, {@code common.message} and
 * {@code common.record}; covered by contract tests against a real cluster.
 */
package io.ferry.kafka.wire;
