package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * KIP-848 membership against a real 1-node Kafka 4.2 in production parity, whose test config lowers
 * the session timeout to 3 s and the heartbeat interval to 500 ms ({@code ProductionParity}): two
 * members split a topic, a clean leave hands everything over, a member that stops heartbeating
 * loses its partitions after the session timeout.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GroupMembershipIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    /**
     * A consumer's side of the listener: owns what it was assigned, completes revocations from
     * another thread (as a consumer settling its acks would).
     */
    private static final class Owner implements MembershipListener {
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void assigned(Set<TopicPartition> partitions) {
            owned.addAll(partitions);
            events.add("assigned " + RecordingListener.names(partitions));
        }

        @Override
        public void revoked(Set<TopicPartition> partitions, Revocation revocation) {
            events.add("revoked " + RecordingListener.names(partitions));
            CompletableFuture.runAsync(
                    () -> {
                        owned.removeAll(partitions); // stopped and committed
                        revocation.done();
                    });
        }

        @Override
        public void lost(Set<TopicPartition> partitions) {
            owned.removeAll(partitions);
            events.add("lost " + RecordingListener.names(partitions));
        }

        @Override
        public void failed(MembershipFailure failure) {
            events.add("failed " + failure);
        }
    }

    private static KafkaCluster kafka() {
        return KafkaCluster.start(KafkaSettings.defaults(cluster.bootstrap()));
    }

    private static Set<TopicPartition> all(String topic, int n) {
        Set<TopicPartition> s = new HashSet<>();
        for (int i = 0; i < n; i++) {
            s.add(new TopicPartition(topic, i));
        }
        return s;
    }

    /** Waits until a and b together own every partition, each some, none twice, both stable. */
    private static void awaitSplit(
            Set<TopicPartition> all, GroupMember ma, Owner a, GroupMember mb, Owner b) {
        Awaitility.await("the two members split " + all)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(
                        () -> {
                            assertThat(ma.state()).isEqualTo(MemberState.STABLE);
                            assertThat(mb.state()).isEqualTo(MemberState.STABLE);
                            Set<TopicPartition> union = new HashSet<>(a.owned);
                            union.addAll(b.owned);
                            assertThat(union).isEqualTo(all);
                            assertThat(a.owned).isNotEmpty();
                            assertThat(b.owned).isNotEmpty();
                            // (doesNotContainAnyElementsOf an empty set throws, not fails: a
                            // CI run hit it while b was still empty)
                            assertThat(java.util.Collections.disjoint(a.owned, b.owned))
                                    .as("no partition owned twice: %s, %s", a.owned, b.owned)
                                    .isTrue();
                            assertThat(ma.owned()).isEqualTo(a.owned);
                            assertThat(mb.owned()).isEqualTo(b.owned);
                        });
    }

    @Test
    void twoMembersSplitSixPartitions_thenOneLeavesCleanly_andTheOtherGetsAll(
            @UniqueTopic String topic) throws Exception {
        cluster.createTopic(topic, 6, 1);
        String group = topic + "-group";
        Set<TopicPartition> all = all(topic, 6);
        try (KafkaCluster ka = kafka();
                KafkaCluster kb = kafka();
                MembershipLoop la = MembershipLoop.start(ka, MembershipSettings.defaults());
                MembershipLoop lb = MembershipLoop.start(kb, MembershipSettings.defaults())) {
            Owner a = new Owner();
            Owner b = new Owner();
            GroupMember ma = la.join(group, List.of(topic), a);
            GroupMember mb = lb.join(group, List.of(topic), b);
            awaitSplit(all, ma, a, mb, b);
            assertThat(ma.memberEpoch()).isPositive();
            assertThat(ma.memberId()).isNotEqualTo(mb.memberId());

            assertThat(lb.leave(group).get(30, TimeUnit.SECONDS)).isEqualTo(MemberState.LEFT);
            assertThat(b.owned).as("b revoked everything before leaving").isEmpty();
            assertThat(b.events)
                    .as("a clean leave revokes, never loses")
                    .noneMatch(e -> e.startsWith("lost") || e.startsWith("failed"));
            assertThat(mb.memberEpoch()).isEqualTo(-1);

            Awaitility.await("a gets every partition")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(
                            () -> {
                                assertThat(a.owned).isEqualTo(all);
                                assertThat(ma.state()).isEqualTo(MemberState.STABLE);
                            });
            assertThat(a.events).noneMatch(e -> e.startsWith("lost") || e.startsWith("failed"));
        }
    }

    @Test
    void aMemberThatStopsHeartbeating_losesItsPartitionsAfterTheSessionTimeout(
            @UniqueTopic String topic) {
        cluster.createTopic(topic, 6, 1);
        String group = topic + "-group";
        Set<TopicPartition> all = all(topic, 6);
        try (KafkaCluster ka = kafka();
                KafkaCluster kb = kafka();
                MembershipLoop la = MembershipLoop.start(ka, MembershipSettings.defaults())) {
            Owner a = new Owner();
            Owner b = new Owner();
            GroupMember ma = la.join(group, List.of(topic), a);
            MembershipLoop lb = MembershipLoop.start(kb, MembershipSettings.defaults());
            GroupMember mb = lb.join(group, List.of(topic), b);
            awaitSplit(all, ma, a, mb, b);
            Set<TopicPartition> bHad = Set.copyOf(b.owned);

            lb.close(); // b's process dies: no leave, no more heartbeats

            Awaitility.await("the session timeout gives b's partitions to a")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(
                            () -> {
                                assertThat(a.owned).isEqualTo(all);
                                assertThat(ma.state()).isEqualTo(MemberState.STABLE);
                            });
            assertThat(a.owned).containsAll(bHad);
            assertThat(a.events).noneMatch(e -> e.startsWith("lost") || e.startsWith("failed"));
        }
    }
}
