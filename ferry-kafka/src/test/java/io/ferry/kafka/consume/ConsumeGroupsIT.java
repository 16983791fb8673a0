package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ConsumeEngine#consumers} on a real 3-node Kafka 4.2 (issue 14, kafka-pixy's
 * ListConsumers): groups of several engines (as several gateway processes) and a classic group of
 * Kafka's own consumer (test code only), listed cluster-wide from Kafka.
 */
@KafkaTest(brokers = 3)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeGroupsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static InProcessKafka kafka;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void start(InProcessKafka k) {
        kafka = k;
    }

    @AfterEach
    void close() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A consume engine on a cluster core of its own (as another gateway process would be). */
    private ConsumeEngine engine(String bootstrap) {
        KafkaCluster c = KafkaCluster.start(KafkaSettings.defaults(bootstrap));
        open.add(c);
        ConsumeEngine e =
                ConsumeEngine.start(
                        c, ConsumeSettings.defaults(), ConsumeEngine.ConsumeDeadLetter.logOnly());
        open.add(e);
        return e;
    }

    private KafkaConsumer<byte[], byte[]> classic(String group, String topic) {
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put("group.id", group);
        p.put("group.protocol", "classic");
        p.put("client.id", "other-app");
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        open.add(c);
        c.subscribe(List.of(topic));
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(
                        () -> {
                            c.poll(Duration.ofMillis(100));
                            return !c.assignment().isEmpty();
                        });
        return c;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static Set<Integer> union(Map<String, List<Integer>> members) {
        Set<Integer> all = new TreeSet<>();
        members.values().forEach(all::addAll);
        return all;
    }

    @Test
    void consumers_showEveryGroupOfTheTopic_acrossEngines_andOnlyTheGroupAsked() throws Exception {
        String topic = "groups-orders";
        String other = "groups-other";
        kafka.createTopic(topic, 4);
        kafka.createTopic(other, 1);
        ConsumeEngine e1 = engine(kafka.bootstrap());
        ConsumeEngine e2 = engine(kafka.bootstrap());
        ConsumeEngine e3 = engine(kafka.bootstrap());
        GroupConsumer a = e1.subscribe("g1", List.of(topic));
        GroupConsumer b = e2.subscribe("g1", List.of(topic));
        GroupConsumer c = e3.subscribe("g2", List.of(topic));
        GroupConsumer d = e3.subscribe("g3", List.of(other));
        KafkaConsumer<byte[], byte[]> k = classic("g-classic", topic);

        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> {
                            assertThat(a.owned()).isNotEmpty();
                            assertThat(b.owned()).isNotEmpty();
                            assertThat(a.owned().size() + b.owned().size()).isEqualTo(4);
                            assertThat(c.owned()).hasSize(4);
                            assertThat(d.owned()).hasSize(1);
                        });
        String memberA = e1.cluster.clientId() + "/" + a.member().memberId();
        String memberB = e2.cluster.clientId() + "/" + b.member().memberId();
        String memberC = e3.cluster.clientId() + "/" + c.member().memberId();
        ConsumeEngine asker = engine(kafka.bootstrap()); // consumes none of them: all from Kafka
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            Map<String, Map<String, List<Integer>>> all =
                                    get(asker.consumers(topic, null, WAIT));
                            assertThat(all).containsOnlyKeys("g1", "g2", "g-classic");
                            assertThat(all.get("g1")).containsOnlyKeys(memberA, memberB);
                            assertThat(all.get("g1").get(memberA))
                                    .containsExactlyElementsOf(sorted(a.owned()));
                            assertThat(all.get("g1").get(memberB))
                                    .containsExactlyElementsOf(sorted(b.owned()));
                            assertThat(union(all.get("g1"))).containsExactly(0, 1, 2, 3);
                            assertThat(all.get("g2"))
                                    .containsExactly(Map.entry(memberC, List.of(0, 1, 2, 3)));
                            assertThat(all.get("g-classic"))
                                    .as("another Kafka consumer, of the classic protocol")
                                    .hasSize(1)
                                    .allSatisfy(
                                            (member, ps) -> {
                                                assertThat(member)
                                                        .startsWith("other-app/other-app-");
                                                assertThat(ps).containsExactly(0, 1, 2, 3);
                                            });
                        });
        assertThat(k.assignment()).hasSize(4);

        Map<String, Map<String, List<Integer>>> g1 = get(e3.consumers(topic, "g1", WAIT));
        assertThat(g1).containsOnlyKeys("g1");
        assertThat(union(g1.get("g1"))).containsExactly(0, 1, 2, 3);
        assertThat(get(e3.consumers(topic, "g-classic", WAIT)).get("g-classic")).hasSize(1);
        assertThat(get(e1.consumers(topic, "g3", WAIT))).as("a group of another topic").isEmpty();
        assertThat(get(e1.consumers(topic, "nobody", WAIT))).as("no such group").isEmpty();
        assertThat(get(e1.consumers(other, null, WAIT))).containsOnlyKeys("g3");
    }

    @Test
    void consumers_ofAnUnknownTopic_failUnknownTopic_andBadInputIsRefusedAtOnce() {
        ConsumeEngine e = engine(kafka.bootstrap());
        Throwable t = failure(e.consumers("groups-missing", null, WAIT));
        assertThat(t).isInstanceOf(ConsumeException.class).hasMessageContaining("groups-missing");
        assertThat(((ConsumeException) t).reason())
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);

        assertThatThrownBy(() -> e.consumers("", null, WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no topic");
        assertThatThrownBy(() -> e.consumers("groups-orders", "bad group!", WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid group name");
    }

    @Test
    void consumers_whenKafkaIsUnreachable_failTimedOut() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        ConsumeEngine e = engine("127.0.0.1:" + port);
        Throwable t = failure(e.consumers("orders", null, Duration.ofSeconds(2)));
        assertThat(t).isInstanceOf(ConsumeException.class).hasMessageContaining("in time");
        assertThat(((ConsumeException) t).reason()).isEqualTo(ConsumeException.Reason.TIMED_OUT);
    }

    private static List<Integer> sorted(Set<TopicPartition> tps) {
        return tps.stream().map(TopicPartition::partition).sorted().toList();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("not failed");
        } catch (ExecutionException x) {
            return x.getCause();
        } catch (Exception x) {
            throw new AssertionError(x);
        }
    }
}
