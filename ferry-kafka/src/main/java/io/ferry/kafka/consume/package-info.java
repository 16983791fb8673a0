/**
 * The consume engine: KIP-848 group membership ({@link io.ferry.kafka.consume.MembershipLoop},
 * {@link io.ferry.kafka.consume.GroupMember}), fetch and commit executors mapped per node, and the
 * offset trackers of per-message acknowledgements, on the same {@link io.ferry.kafka.KafkaCluster}
 * as the produce engine (CONSUME-NOTES.md, {@code docs/consume.md}).
 */
package io.ferry.kafka.consume;
