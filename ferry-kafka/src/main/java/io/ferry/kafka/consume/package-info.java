/**
 * The consume engine: KIP-848 group membership ({@link io.ferry.kafka.consume.MembershipLoop},
 * {@link io.ferry.kafka.consume.GroupMember}), fetch and commit executors, and per-message
 * acknowledgement tracking, on the same {@link io.ferry.kafka.KafkaCluster} as the produce engine.
 */
package io.ferry.kafka.consume;
