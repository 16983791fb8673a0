package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.deadletter.LocalDeadLetter;
import io.ferry.kafka.KafkaSettings;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consume service under the gateway's front ends, called directly on a real gateway and Kafka
 * (issue 14): what every front end relies on beyond its own wire format: acknowledgements local to
 * the instance, groups left when idle, messages past max-retries in the cluster's dead letter, and
 * the consume metrics on /metrics.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeServiceIT {
    private static InProcessKafka kafka;
    private static final CallContext CALLER = CallContext.anonymous(Runnable::run);
    private Gateway gateway;

    @BeforeAll
    static void start(InProcessKafka k) {
        kafka = k;
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private ConsumeService start(ConsumeConfig consume, Path deadLetter) {
        GatewayConfig base =
                GatewayConfig.of(
                                KafkaSettings.defaults(kafka.bootstrap()),
                                BrokerConfig.of("memory"))
                        .withPort(0)
                        .withHost("127.0.0.1");
        GatewayConfig.Cluster c = base.clusters().get("default");
        gateway =
                Gateway.start(
                        base.withClusters(
                                Map.of(
                                        "default",
                                        new GatewayConfig.Cluster(
                                                c.kafka(),
                                                c.broker(),
                                                new GatewayConfig.DeadLetter(
                                                        true, deadLetter, null, 1L << 30),
                                                consume))));
        return gateway.consumeService();
    }

    private void produce(String topic, int n) {
        Http http = new Http(gateway.port());
        for (int i = 0; i < n; i++) {
            Http.Response r = http.post("/topics/" + topic + "/messages?ack=kafka", "m" + i);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
    }

    private static List<ConsumedMessage> take(ConsumeService s, String topic, String group, int n)
            throws Exception {
        List<ConsumedMessage> all = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(
                    s.take(CALLER, null, topic, group, n - all.size(), Duration.ofSeconds(1))
                            .get(10, TimeUnit.SECONDS));
        }
        assertThat(all).hasSize(n);
        return all;
    }

    private static ConsumeRefused.Code refusedCode(Runnable r) {
        try {
            r.run();
        } catch (ConsumeRefused e) {
            return e.code;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void acknowledgements_areLocal_aGroupLeavesWhenIdle_andMetricsCountWhatWasConsumed(
            @TempDir Path dir) throws Exception {
        kafka.createTopic("svc-idle", 2);
        ConsumeService s =
                start(
                        ConsumeConfig.DEFAULT.withStartAtEarliest(true).withGroupIdleMs(1_000),
                        dir.resolve("dl"));
        assertThat(refusedCode(() -> s.ack(CALLER, null, "svc-idle", "never-here", 0, 0)))
                .isEqualTo(ConsumeRefused.Code.NOT_CONSUMED_HERE);
        produce("svc-idle", 6);
        List<ConsumedMessage> got = take(s, "svc-idle", "svc", 6);
        ConsumedMessage first = got.get(0);
        assertThat(
                        refusedCode(
                                () ->
                                        s.ack(
                                                CALLER,
                                                null,
                                                "svc-idle",
                                                "svc",
                                                first.partition(),
                                                first.offset() + 1_000)))
                .as("an offset this gateway never offered")
                .isEqualTo(ConsumeRefused.Code.NEVER_OFFERED);
        for (ConsumedMessage m : got) {
            s.ack(CALLER, null, "svc-idle", "svc", m.partition(), m.offset());
        }
        assertThat(
                        refusedCode(
                                () ->
                                        s.setOffsets(
                                                CALLER,
                                                null,
                                                "svc-idle",
                                                "svc",
                                                List.of(new OffsetToSet(0, 0, "")))))
                .as("consumed here: its commits would overwrite what is set")
                .isEqualTo(ConsumeRefused.Code.REFUSED);
        assertThat(
                        refusedCode(
                                () ->
                                        s.setOffsets(
                                                CALLER,
                                                null,
                                                "svc-idle",
                                                "other",
                                                List.of(
                                                        new OffsetToSet(0, 0, ""),
                                                        new OffsetToSet(0, 1, "")))))
                .as("a partition given twice")
                .isEqualTo(ConsumeRefused.Code.INVALID_REQUEST);
        s.ack(CALLER, null, "svc-idle", "svc", first.partition(), first.offset()); // idempotent
        Http http = new Http(gateway.port());
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () ->
                                assertThat(http.get("/metrics").body())
                                        .contains(
                                                "ferry_consume_acknowledged_total{cluster=\"default\",group=\"svc\"} 6.0")
                                        .contains("ferry_consume_lag{group=\"svc\""));
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> s.cluster(null).groups().isEmpty());
        assertThat(
                        refusedCode(
                                () ->
                                        s.ack(
                                                CALLER,
                                                null,
                                                "svc-idle",
                                                "svc",
                                                first.partition(),
                                                first.offset())))
                .as("left as idle: this gateway no longer consumes the group")
                .isEqualTo(ConsumeRefused.Code.NOT_CONSUMED_HERE);
        assertThat(
                        s.take(CALLER, null, "svc-idle", "svc", 10, Duration.ofMillis(2_000))
                                .get(20, TimeUnit.SECONDS))
                .as("rejoined: everything acknowledged was committed at the leave")
                .isEmpty();
    }

    @Test
    void aMessagePastMaxRetries_goesToTheClustersDeadLetter_andIsNotOfferedAgain(@TempDir Path dir)
            throws Exception {
        kafka.createTopic("svc-dead", 1);
        ConsumeConfig d = ConsumeConfig.DEFAULT.withStartAtEarliest(true);
        ConsumeConfig oneRetry =
                new ConsumeConfig(
                        d.ackTimeoutMs(),
                        d.maxPending(),
                        1,
                        d.commitIntervalMs(),
                        true,
                        d.longPollTimeoutMs(),
                        d.maxWaitMs(),
                        d.maxWaiting(),
                        d.maxMessages(),
                        d.groupIdleMs());
        Path dl = dir.resolve("dl");
        ConsumeService s = start(oneRetry, dl);
        produce("svc-dead", 2);
        List<ConsumedMessage> got = take(s, "svc-dead", "poison", 2);
        ConsumedMessage bad = got.get(0);
        s.ack(CALLER, null, "svc-dead", "poison", got.get(1).partition(), got.get(1).offset());
        assertThat(s.release(CALLER, null, "svc-dead", "poison", bad.partition(), bad.offset()))
                .as("first release: offered again")
                .isFalse();
        ConsumedMessage again = take(s, "svc-dead", "poison", 1).get(0);
        assertThat(again.offset()).isEqualTo(bad.offset());
        assertThat(again.deliveryCount()).isEqualTo(2);
        assertThat(s.release(CALLER, null, "svc-dead", "poison", bad.partition(), bad.offset()))
                .as("past max-retries 1: dead-lettered")
                .isTrue();
        assertThat(
                        s.take(CALLER, null, "svc-dead", "poison", 10, Duration.ofMillis(500))
                                .get(10, TimeUnit.SECONDS))
                .isEmpty();
        gateway.close(); // the store is the gateway's until then
        gateway = null;
        try (LocalDeadLetter store = LocalDeadLetter.open(dl, 1L << 30)) {
            assertThat(store.list())
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.record().group()).isEqualTo("poison");
                                assertThat(e.record().offset()).isEqualTo(bad.offset());
                            });
        }
    }

    @Test
    void badInput_isRefusedWithItsCode_andTooManyWaitingPollsGetTooManyWaiting(@TempDir Path dir)
            throws Exception {
        kafka.createTopic("svc-bad", 1);
        ConsumeService s =
                start(ConsumeConfig.DEFAULT.withLimits(3_000, 30_000, 1, 100), dir.resolve("dl"));
        assertThat(refusedCode(() -> s.take(CALLER, null, "svc-bad", "", 1, null)))
                .isEqualTo(ConsumeRefused.Code.INVALID_REQUEST);
        assertThat(refusedCode(() -> s.take(CALLER, null, "svc-bad", "a b", 1, null)))
                .isEqualTo(ConsumeRefused.Code.INVALID_GROUP);
        assertThat(refusedCode(() -> s.take(CALLER, null, "__consumer_offsets", "g", 1, null)))
                .isEqualTo(ConsumeRefused.Code.INVALID_TOPIC);
        assertThat(refusedCode(() -> s.take(CALLER, null, "svc-bad", "g", 101, null)))
                .isEqualTo(ConsumeRefused.Code.INVALID_REQUEST);
        assertThat(
                        refusedCode(
                                () ->
                                        s.take(
                                                CALLER,
                                                null,
                                                "svc-bad",
                                                "g",
                                                1,
                                                Duration.ofSeconds(31))))
                .isEqualTo(ConsumeRefused.Code.INVALID_REQUEST);
        assertThat(refusedCode(() -> s.take(CALLER, "nope", "svc-bad", "g", 1, null)))
                .isEqualTo(ConsumeRefused.Code.UNKNOWN_CLUSTER);
        try {
            s.take(CALLER, null, "svc-no-such-topic", "g", 1, null).get(20, TimeUnit.SECONDS);
            throw new AssertionError("expected UNKNOWN_TOPIC");
        } catch (ExecutionException e) {
            assertThat(((ConsumeRefused) e.getCause()).code)
                    .isEqualTo(ConsumeRefused.Code.UNKNOWN_TOPIC);
        }
        var waiting = s.take(CALLER, null, "svc-bad", "g", 1, Duration.ofSeconds(20));
        Awaitility.await().until(() -> s.cluster(null).waiting.get() == 1);
        try {
            s.take(CALLER, null, "svc-bad", "g2", 1, Duration.ofSeconds(20))
                    .get(20, TimeUnit.SECONDS);
            throw new AssertionError("expected TOO_MANY_WAITING");
        } catch (ExecutionException e) {
            assertThat(((ConsumeRefused) e.getCause()).code)
                    .isEqualTo(ConsumeRefused.Code.TOO_MANY_WAITING);
        }
        waiting.cancel(false);
        Awaitility.await().until(() -> s.cluster(null).waiting.get() == 0);
    }
}
