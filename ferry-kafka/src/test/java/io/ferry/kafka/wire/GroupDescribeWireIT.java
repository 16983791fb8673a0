package io.ferry.kafka.wire;

import static io.ferry.kafka.wire.LiveChannels.answer;
import static io.ferry.kafka.wire.LiveChannels.bootstrapNode;
import static io.ferry.kafka.wire.LiveChannels.created;
import static io.ferry.kafka.wire.LiveChannels.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.LiveChannels.GroupChannel;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contract tests of the group listing's requests (ListGroups, ConsumerGroupDescribe,
 * DescribeGroups, and Metadata of no topics) against a real 1-node Kafka 4.2 cluster in production
 * parity: a KIP-848 group joined with ConsumerGroupHeartbeat beside a classic group of Kafka's own
 * consumer (test code only).
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GroupDescribeWireIT {
    private static InProcessKafka cluster;

    @BeforeAll
    static void start(InProcessKafka kafka) {
        cluster = kafka;
    }

    /** A classic-protocol consumer of {@code topic} in {@code group}, polled until assigned. */
    private static KafkaConsumer<byte[], byte[]> classicMember(String group, String topic) {
        Properties p = new Properties();
        p.putAll(cluster.clientSettings());
        p.put("group.id", group);
        p.put("group.protocol", "classic");
        p.put("client.id", "contract-classic");
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        long deadline = System.currentTimeMillis() + 60_000;
        while (c.assignment().isEmpty()) {
            assertThat(System.currentTimeMillis())
                    .as("classic member assigned")
                    .isLessThan(deadline);
            c.poll(Duration.ofMillis(100));
        }
        return c;
    }

    /** A KIP-848 member heartbeating until it owns every one of {@code partitions}. */
    private static String kip848Member(GroupChannel g, String group, String topic, Uuid id, int n) {
        String memberId = Uuid.randomUuid().toString();
        HeartbeatResult r =
                g.call(
                        new WireRequest.ConsumerGroupHeartbeat(
                                group,
                                memberId,
                                0,
                                null,
                                null,
                                30_000,
                                List.of(topic),
                                null,
                                Map.of()),
                        HeartbeatResult::error);
        Map<Uuid, Set<Integer>> owned = r.assignment() == null ? Map.of() : r.assignment();
        long deadline = System.currentTimeMillis() + 30_000;
        while (owned.getOrDefault(id, Set.of()).size() < n) {
            assertThat(System.currentTimeMillis()).as("all assigned").isLessThan(deadline);
            r =
                    g.call(
                            new WireRequest.ConsumerGroupHeartbeat(
                                    group,
                                    memberId,
                                    r.memberEpoch(),
                                    null,
                                    null,
                                    -1,
                                    null,
                                    null,
                                    owned),
                            HeartbeatResult::error);
            assertThat(r.error().isNone()).as(r.error().toString()).isTrue();
            owned = r.assignment() == null ? owned : r.assignment();
        }
        // report what it owns, so the coordinator's current assignment is the whole topic
        g.call(
                new WireRequest.ConsumerGroupHeartbeat(
                        group, memberId, r.memberEpoch(), null, null, -1, null, null, owned),
                HeartbeatResult::error);
        return memberId;
    }

    @Test
    void listAndDescribe_showAKip848AndAClassicGroup_withTheirMembersAssignments(
            @UniqueTopic String topic) {
        String kip848 = topic + "-kip848";
        String classic = topic + "-classic";
        String unknown = topic + "-nobody";
        try (NetworkNodeChannel control = open(bootstrapNode(cluster), "control");
                GroupChannel g = new GroupChannel(control, kip848)) {
            cluster.createTopic(topic, 2, 1);
            Uuid id = created(control, topic).topicId();
            String memberId = kip848Member(g, kip848, topic, id, 2);
            try (KafkaConsumer<byte[], byte[]> c = classicMember(classic, topic);
                    NetworkNodeChannel node = open(g.channel().node(), "groups")) {
                ClusterView brokers = answer(node, new WireRequest.Metadata(List.of(), false));
                assertThat(brokers.nodes()).as("the live brokers").containsKey(node.node().id());
                assertThat(brokers.topics()).as("no topics asked, none described").isEmpty();

                ListedGroups listed = answer(node, new WireRequest.ListGroups());
                assertThat(listed.error().isNone()).isTrue();
                assertThat(listed.groups())
                        .contains(
                                new ListedGroups.Group(kip848, "consumer", "Stable", "consumer"),
                                new ListedGroups.Group(classic, "consumer", "Stable", "classic"));

                Map<String, DescribedGroup> d848 =
                        answer(
                                node,
                                new WireRequest.ConsumerGroupDescribe(
                                        List.of(kip848, classic, unknown)));
                assertThat(d848.get(kip848).error().isNone()).isTrue();
                assertThat(d848.get(kip848).members()).hasSize(1);
                DescribedGroup.Member m = d848.get(kip848).members().get(0);
                assertThat(m.memberId()).isEqualTo(memberId);
                assertThat(m.clientId()).isEqualTo("contract");
                assertThat(m.assigned())
                        .as("named by topic name")
                        .containsExactlyInAnyOrder(
                                new TopicPartition(topic, 0), new TopicPartition(topic, 1));
                assertThat(d848.get(classic).error().name())
                        .as("a classic group is not a consumer group to ConsumerGroupDescribe")
                        .isEqualTo("GROUP_ID_NOT_FOUND");
                assertThat(d848.get(unknown).error().name()).isEqualTo("GROUP_ID_NOT_FOUND");

                Map<String, DescribedGroup> dClassic =
                        answer(node, new WireRequest.DescribeGroups(List.of(classic, unknown)));
                assertThat(dClassic.get(classic).error().isNone()).isTrue();
                assertThat(dClassic.get(classic).protocolType()).isEqualTo("consumer");
                assertThat(dClassic.get(classic).members())
                        .singleElement()
                        .satisfies(
                                cm -> {
                                    assertThat(cm.clientId()).isEqualTo("contract-classic");
                                    assertThat(cm.memberId()).startsWith("contract-classic-");
                                    assertThat(Set.copyOf(cm.assigned()))
                                            .as("decoded from the consumer protocol's bytes")
                                            .isEqualTo(c.assignment());
                                });
                assertThat(dClassic.get(unknown).error().name())
                        .as("v6 on Kafka 4: an unknown group is an error (before: Dead)")
                        .isEqualTo("GROUP_ID_NOT_FOUND");
                assertThat(dClassic.get(unknown).members()).isEmpty();
            }
        }
    }
}
