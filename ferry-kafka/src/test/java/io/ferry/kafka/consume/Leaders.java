package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;

/**
 * Partition leaders and log ends of a test topic, read and moved with Kafka's {@code Admin}: the
 * consume ITs' one copy of these helpers. Test thread only.
 */
final class Leaders {
    private Leaders() {}

    static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
    }

    /** Partition to leader node id. */
    static Map<Integer, Integer> of(Admin admin, String topic) throws Exception {
        Map<Integer, Integer> m = new HashMap<>();
        for (TopicPartitionInfo info : describe(admin, topic).partitions()) {
            m.put(info.partition(), info.leader() == null ? -1 : info.leader().id());
        }
        return m;
    }

    /** The log end offset of each of {@code topic}'s partitions {@code 0 .. partitions-1}. */
    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, int partitions)
            throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q)
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    /**
     * Rotates every replica list so each preferred leader changes, then elects until every leader
     * moved (as KafkaFaultsIT does for the produce side).
     */
    static void moveEvery(Admin admin, String topic) throws Exception {
        Map<Integer, Integer> before = of(admin, topic);
        Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
        for (TopicPartitionInfo info : describe(admin, topic).partitions()) {
            List<Integer> replicas = new ArrayList<>();
            info.replicas().forEach(r -> replicas.add(r.id()));
            while (replicas.get(0) == info.leader().id()) {
                replicas.add(replicas.remove(0));
            }
            moves.put(
                    new TopicPartition(topic, info.partition()),
                    Optional.of(new NewPartitionReassignment(replicas)));
        }
        admin.alterPartitionReassignments(moves).all().get(30, TimeUnit.SECONDS);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> admin.listPartitionReassignments().reassignments().get().isEmpty());
        // The election acts on the controller's view and metadata follows a moment later; an
        // election asked for too early is "not needed": ask again until the move shows.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            try {
                                admin.electLeaders(ElectionType.PREFERRED, moves.keySet())
                                        .all()
                                        .get(10, TimeUnit.SECONDS);
                            } catch (ExecutionException e) {
                                // ELECTION_NOT_NEEDED for a partition already moved: checked below
                            }
                            Map<Integer, Integer> now = of(admin, topic);
                            for (int i = 0; i < before.size(); i++) {
                                assertThat(now.get(i))
                                        .as("leader of partition %d moved", i)
                                        .isNotEqualTo(before.get(i));
                            }
                        });
    }
}
