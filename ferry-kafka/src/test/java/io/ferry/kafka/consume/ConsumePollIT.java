package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the gateway's front ends need of a group consumer on a real Kafka (issue 14): long polls
 * without a waiting thread ({@link GroupConsumer#poll}), per topic, given back when their client
 * went away ({@link GroupConsumer#takeBack}), and a subscription that grows as clients ask for more
 * topics ({@link GroupConsumer#subscribe}).
 */
@KafkaTest(brokers = 1)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumePollIT {
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

    private ConsumeEngine engine() {
        KafkaCluster c = KafkaCluster.start(KafkaSettings.defaults(kafka.bootstrap()));
        open.add(c);
        ConsumeEngine e =
                ConsumeEngine.start(
                        c,
                        ConsumeSettings.defaults()
                                .withReset(FetchLane.OffsetReset.EARLIEST)
                                .withCommitIntervalMs(200)
                                .withFetch(FetchSettings.defaults().withMaxWaitMs(100)),
                        ConsumeEngine.ConsumeDeadLetter.logOnly());
        open.add(e);
        return e;
    }

    /** Writes values {@code from .. from+n-1}, creating the topic first when {@code from} is 0. */
    private static void produce(String topic, int partitions, long from, long n) {
        if (from == 0) {
            kafka.createTopic(topic, partitions);
        }
        TestData.write(
                kafka,
                topic,
                partitions,
                from,
                from + n,
                i -> ByteBuffer.allocate(8).putLong(i).array(),
                Map.of());
    }

    private static long id(ConsumedMessage m) {
        return ByteBuffer.wrap(m.value()).getLong();
    }

    /** Polls {@code topic} until {@code n} messages came (each poll waits up to a second). */
    private static List<ConsumedMessage> pollAll(GroupConsumer g, String topic, int n)
            throws Exception {
        List<ConsumedMessage> all = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(
                    g.poll(topic, n - all.size(), Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS));
        }
        assertThat(all).hasSize(n);
        return all;
    }

    private static void waitForPartitions(GroupConsumer g, int n) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> g.owned().size() == n);
    }

    @Test
    void aLongPoll_completesWhenAMessageComes_onlyWithItsTopic_andEmptyAtItsDeadline()
            throws Exception {
        produce("poll-a", 2, 0, 1);
        produce("poll-b", 2, 0, 1);
        GroupConsumer g = engine().subscribe("poll-1", List.of("poll-a", "poll-b"));
        waitForPartitions(g, 4);
        assertThat(pollAll(g, "poll-b", 1))
                .extracting(ConsumedMessage::topic)
                .containsOnly("poll-b");
        assertThat(pollAll(g, "poll-a", 1))
                .extracting(ConsumedMessage::topic)
                .containsOnly("poll-a");

        CompletableFuture<List<ConsumedMessage>> empty =
                g.poll("poll-a", 10, Duration.ofMillis(300));
        assertThat(empty.isDone()).as("nothing there: it waits").isFalse();
        assertThat(empty.get(5, TimeUnit.SECONDS)).as("empty at its deadline").isEmpty();

        CompletableFuture<List<ConsumedMessage>> waiting =
                g.poll("poll-a", 10, Duration.ofSeconds(30));
        assertThat(g.pollsWaiting()).isEqualTo(1);
        produce("poll-b", 2, 1, 5);
        produce("poll-a", 2, 1, 3);
        List<ConsumedMessage> got = waiting.get(20, TimeUnit.SECONDS);
        assertThat(got).isNotEmpty().extracting(ConsumedMessage::topic).containsOnly("poll-a");
        assertThat(g.pollsWaiting()).isZero();
    }

    @Test
    void aCancelledLongPoll_takesNothing_andMessagesGivenBack_areOfferedAgainFirst()
            throws Exception {
        kafka.createTopic("poll-c", 1);
        GroupConsumer g = engine().subscribe("poll-2", List.of("poll-c"));
        waitForPartitions(g, 1);
        CompletableFuture<List<ConsumedMessage>> gone =
                g.poll("poll-c", 10, Duration.ofSeconds(30));
        assertThat(gone.cancel(false)).isTrue();
        produce("poll-c", 1, 1, 20);
        List<ConsumedMessage> first = pollAll(g, "poll-c", 20);
        assertThat(first).extracting(ConsumedMessage::deliveryCount).containsOnly(1);
        Set<Long> ids = new HashSet<>();
        first.forEach(m -> ids.add(id(m)));
        assertThat(ids).as("the cancelled poll took none of them").hasSize(20);

        assertThat(g.takeBack(first.subList(0, 5))).isEqualTo(5);
        List<ConsumedMessage> again = pollAll(g, "poll-c", 5);
        assertThat(again)
                .extracting(ConsumedMessage::offset)
                .containsExactlyElementsOf(
                        first.subList(0, 5).stream().map(ConsumedMessage::offset).toList());
        for (ConsumedMessage m : first) {
            g.ack(m.topic(), m.partition(), m.offset());
        }
        assertThat(g.counters().values().iterator().next().pending()).isZero();
    }

    @Test
    void subscribe_addsATopic_whoseMessagesThenCome_andAClosedConsumerFailsItsWaitingPolls()
            throws Exception {
        produce("poll-d", 2, 0, 4);
        produce("poll-e", 3, 0, 6);
        GroupConsumer g = engine().subscribe("poll-3", List.of("poll-d"));
        waitForPartitions(g, 2);
        assertThat(pollAll(g, "poll-d", 4))
                .extracting(ConsumedMessage::topic)
                .containsOnly("poll-d");
        g.subscribe(List.of("poll-e", "poll-d"));
        assertThat(g.topics()).containsExactly("poll-d", "poll-e");
        waitForPartitions(g, 5);
        assertThat(pollAll(g, "poll-e", 6))
                .extracting(ConsumedMessage::topic)
                .containsOnly("poll-e");

        CompletableFuture<List<ConsumedMessage>> waiting = g.poll(null, 1, Duration.ofSeconds(60));
        g.close();
        try {
            waiting.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected CLOSED, got " + waiting.join());
        } catch (ExecutionException e) {
            assertThat(((ConsumeException) e.getCause()).reason())
                    .isEqualTo(ConsumeException.Reason.CLOSED);
        }
    }
}
