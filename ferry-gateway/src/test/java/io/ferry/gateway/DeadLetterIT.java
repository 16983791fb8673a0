package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.deadletter.DeadLetterEntry;
import io.ferry.deadletter.DeadLetterHeaders;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records Kafka refuses for good end in the dead letter, never nowhere (issue 12): over the topic's
 * {@code max.message.bytes}, a timestamp outside what the topic accepts, a topic deleted while its
 * records wait; in the dead-letter topic with headers naming the original, or in the local
 * directory (its default, and its fallback when that topic cannot be written); delivered +
 * dead-lettered = accepted. Regression: they were accepted with 202 and dropped after a log line.
 */
@KafkaTest
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadLetterIT {
    private static InProcessKafka kafka;
    private Gateway gateway;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic("dl-small", 1, Map.of("max.message.bytes", "2000"));
        kafka.createTopic("dl-ts", 1, Map.of("message.timestamp.before.max.ms", "60000"));
        kafka.createTopic("ferry-dlq", 1);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.shutdown();
        }
    }

    private static Map<String, Object> settings(Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrap());
        m.put("linger.ms", 1);
        // compressed batches: the door cannot be certain of a record's size in the log, so it
        // accepts the large ones and Kafka refuses them (the door's own refusals: TopicConfigsIT)
        m.put("compression.type", "lz4");
        m.putAll(extra);
        return m;
    }

    private Http start(
            BrokerConfig broker, GatewayConfig.DeadLetter dl, Map<String, Object> kafkaExtra) {
        GatewayConfig c =
                GatewayConfig.of(KafkaSettings.from(settings(kafkaExtra)), broker).withPort(0);
        GatewayConfig.Cluster d = c.clusters().get("default");
        gateway =
                Gateway.start(
                        c.withClusters(
                                Map.of(
                                        "default",
                                        new GatewayConfig.Cluster(d.kafka(), d.broker(), dl))));
        return new Http(gateway.port());
    }

    /** {@code n} random letters and digits: lz4 finds no repeats to shrink them by. */
    private static String incompressible(int n) {
        java.util.Random r = new java.util.Random(n);
        String abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(abc.charAt(r.nextInt(abc.length())));
        }
        return b.toString();
    }

    /** Posts the refused-for-good mix at ack=local: 4 good, 3 too large, 2 too old. */
    private static List<String> postMix(Http http, String tag) {
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertThat(http.post("/topics/dl-small/messages?ack=local", tag + "good" + i).status())
                    .isEqualTo(202);
        }
        for (int i = 0; i < 3; i++) {
            String v = tag + "big" + i + "-" + incompressible(5_000);
            assertThat(http.post("/topics/dl-small/messages?ack=local&key=k" + i, v).status())
                    .as("accepted: the topic's limit is not known at the door")
                    .isEqualTo(202);
            refused.add(v);
        }
        // outside the topic's 60 s window, but within the door's 60 s margin for clock skew:
        // accepted here, refused by Kafka
        long old = System.currentTimeMillis() - 90_000L;
        for (int i = 0; i < 2; i++) {
            String v = tag + "old" + i;
            assertThat(http.post("/topics/dl-ts/messages?ack=local&timestamp=" + old, v).status())
                    .isEqualTo(202);
            refused.add(v);
        }
        return refused;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), UTF_8);
    }

    @Test
    void memoryBroker_refusedForGood_endInTheDeadLetterTopic_withHeadersNamingTheOriginal(
            @TempDir Path dir) {
        Http http =
                start(
                        BrokerConfig.of("memory", Map.of("events", 1024)),
                        new GatewayConfig.DeadLetter(true, dir, "ferry-dlq", 1L << 30),
                        Map.of());
        List<String> refused = postMix(http, "m-");
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(
                        () -> {
                            dead.clear();
                            for (var r : kafka.readAll("ferry-dlq", 1)) {
                                if (new String(r.value(), UTF_8).startsWith("m-")) {
                                    dead.add(r);
                                }
                            }
                            return dead.size() >= refused.size();
                        });
        Map<String, String> codeByValue = new HashMap<>();
        for (var r : dead) {
            String v = new String(r.value(), UTF_8);
            codeByValue.put(v, header(r, DeadLetterHeaders.CODE));
            assertThat(header(r, DeadLetterHeaders.CLUSTER)).isEqualTo("default");
            assertThat(header(r, DeadLetterHeaders.ATTEMPTS)).isNotNull();
            DeadLetterRecord back =
                    DeadLetterHeaders.fromKafka(
                            r.key(),
                            r.value(),
                            java.util.Arrays.stream(r.headers().toArray())
                                    .map(h -> new io.ferry.broker.Header(h.key(), h.value()))
                                    .toList());
            assertThat(back.topic()).isEqualTo(v.contains("old") ? "dl-ts" : "dl-small");
            assertThat(back.boundPartition()).isZero();
            assertThat(back.kafkaError()).isNotNull();
        }
        assertThat(codeByValue.keySet()).containsExactlyInAnyOrderElementsOf(refused);
        refused.forEach(
                v ->
                        assertThat(codeByValue.get(v))
                                .isEqualTo(
                                        v.contains("old") ? "INVALID_RECORD" : "RECORD_TOO_LARGE"));
        long good =
                kafka.readAll("dl-small", 1).stream()
                        .filter(r -> new String(r.value(), UTF_8).startsWith("m-good"))
                        .count();
        assertThat(good + dead.size()).as("delivered + dead-lettered = accepted").isEqualTo(9);
    }

    @Test
    void diskBroker_withoutATopic_refusedForGood_endInTheLocalDirectory(@TempDir Path dir)
            throws Exception {
        Path dl = dir.resolve("dlq");
        Http http =
                start(
                        BrokerConfig.of("disk", Map.of("path", dir.resolve("spool").toString())),
                        new GatewayConfig.DeadLetter(true, dl, null, 1L << 30),
                        Map.of());
        refusedEndInTheDirectory(http, "d-", dl);
    }

    @Test
    void aDeadLetterTopicThatDoesNotExist_fallsBackToTheLocalDirectory(@TempDir Path dir)
            throws Exception {
        Path dl = dir.resolve("dlq");
        Http http =
                start(
                        BrokerConfig.of("memory", Map.of("events", 1024)),
                        new GatewayConfig.DeadLetter(true, dl, "no-such-dlq", 1L << 30),
                        Map.of());
        refusedEndInTheDirectory(http, "f-", dl);
    }

    @Test
    void aTopicDeletedWhileItsRecordsWait_deadLettersThem(@TempDir Path dir) throws Exception {
        kafka.createTopic("dl-deleted", 1);
        Path dl = dir.resolve("dlq");
        Http http =
                start(
                        BrokerConfig.of("memory", Map.of("events", 1024)),
                        new GatewayConfig.DeadLetter(true, dl, null, 1L << 30),
                        Map.of(
                                "linger.ms",
                                120_000,
                                "batch.size",
                                1_000_000,
                                "metadata.max.age.ms",
                                1_000));
        assertThat(http.post("/topics/dl-deleted/messages?ack=local", "w0").status())
                .isEqualTo(202);
        assertThat(http.post("/topics/dl-deleted/messages?ack=local", "w1").status())
                .isEqualTo(202);
        try (var admin = kafka.admin()) {
            admin.deleteTopics(List.of("dl-deleted")).all().get(30, TimeUnit.SECONDS);
        }
        awaitDeadLettered(2);
        gateway.shutdown();
        gateway = null;
        assertThat(local(dl)).containsExactlyInAnyOrder("w0", "w1");
    }

    /** Posts the mix; the refused records end in the local dead letter of {@code dl}. */
    private void refusedEndInTheDirectory(Http http, String tag, Path dl) throws Exception {
        List<String> refused = postMix(http, tag);
        awaitDeadLettered(refused.size());
        gateway.shutdown();
        gateway = null;
        assertThat(local(dl)).containsExactlyInAnyOrderElementsOf(refused);
    }

    private void awaitDeadLettered(long n) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(
                        () ->
                                gateway.clusters().get("default").pipeline.engine().deadLettered()
                                        >= n);
    }

    /** The values in the local dead letter of {@code dir}. */
    private static List<String> local(Path dir) throws Exception {
        List<String> values = new ArrayList<>();
        try (LocalDeadLetter store = LocalDeadLetter.open(dir, 1L << 30)) {
            for (DeadLetterEntry e : store.list()) {
                values.add(new String(e.record().value(), UTF_8));
            }
        }
        return values;
    }
}
