package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import io.ferry.deadletter.DeadLetterEntry;
import io.ferry.deadletter.DeadLetterHeaders;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry dead-letter replay} against a real cluster, through Ferry's own engine. */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadLetterReplayIT {
    private static final long MAX = 1 << 24;
    private static InProcessKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record of {@code topic} with binary, non-ASCII, null and repeated headers. */
    private static DeadLetterRecord record(String topic, int partition, String key, long tsMs) {
        List<Header> headers =
                List.of(
                        new Header("bin", new byte[] {0, (byte) 0xff, (byte) 0x80, 0}),
                        new Header("名前", utf8("Grüße ✓")),
                        new Header("dup", utf8("1")),
                        new Header("nil", null),
                        new Header("dup", utf8("2")));
        Event e =
                Event.builder(topic)
                        .partition(partition)
                        .key(utf8(key))
                        .value(utf8("value of " + key))
                        .headers(headers)
                        .timestampMs(tsMs)
                        .build();
        return DeadLetterRecord.forProduce(
                e,
                "main",
                partition,
                "RECORD_TOO_LARGE",
                "MESSAGE_TOO_LARGE",
                "topic '" + topic + "': too large then",
                tsMs + 1,
                3);
    }

    private static List<Header> headersOf(ConsumerRecord<byte[], byte[]> c) {
        List<Header> out = new ArrayList<>();
        c.headers().forEach(h -> out.add(new Header(h.key(), h.value())));
        return out;
    }

    private List<Long> fill(DeadLetterRecord... records) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, MAX)) {
            for (DeadLetterRecord r : records) {
                ids.add(dl.append(r));
            }
        }
        return ids;
    }

    private List<DeadLetterEntry> left() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, MAX)) {
            return dl.list();
        }
    }

    @Test
    void replay_sendsEveryRecordToItsTopic_withItsOriginalHeaders_andEmptiesTheStore(
            @UniqueTopic String topic) throws IOException {
        kafka.createTopic(topic, 2);
        long ts = System.currentTimeMillis() - 60_000;
        DeadLetterRecord a = record(topic, 0, "a", ts);
        DeadLetterRecord b = record(topic, 1, "b", ts + 1);
        DeadLetterRecord c = record(topic, 1, "c", ts + 2);
        fill(a, b, c);

        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--bootstrap",
                        kafka.bootstrap());

        assertThat(r.code()).as(r.toString()).isZero();
        // (the engine's log lines go to stdout in the tests, to stderr in the product)
        assertThat(r.out().lines().filter(l -> l.startsWith("replayed")))
                .containsExactly(
                        "replayed 3 of 3 records; 0 failed; 0 unanswered; 0 left in the dead"
                                + " letter");
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>(kafka.readAll(topic, 2));
        read.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        assertThat(read).hasSize(3);
        List<DeadLetterRecord> sent = List.of(a, b, c);
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<byte[], byte[]> got = read.get(i);
            Event want = sent.get(i).toEvent();
            assertThat(got.partition()).isEqualTo(want.partition());
            assertThat(got.key()).isEqualTo(want.key());
            assertThat(got.value()).isEqualTo(want.value());
            assertThat(got.timestamp()).isEqualTo(want.timestampMs());
            // byte-exact, in order, duplicates kept, and no ferry.dlq.* header added
            assertThat(headersOf(got)).isEqualTo(want.headers());
            assertThat(headersOf(got)).noneMatch(h -> h.key().startsWith(DeadLetterHeaders.PREFIX));
        }
        assertThat(left()).isEmpty();
    }

    @Test
    void replay_ofARecordForAMissingTopic_leavesIt_andReportsIt_exit1(
            @UniqueTopic String topic, @UniqueTopic String missing) throws IOException {
        kafka.createTopic(topic, 1);
        long ts = System.currentTimeMillis() - 60_000;
        List<Long> ids = fill(record(topic, 0, "ok", ts), record(missing, 0, "lost", ts));

        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--bootstrap",
                        kafka.bootstrap(),
                        "--timeout",
                        "20");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out())
                .contains(
                        "replayed 1 of 2 records; 1 failed; 0 unanswered; 1 left in the dead letter")
                .contains("id " + ids.get(1) + " failed again: UNKNOWN_TOPIC");
        assertThat(kafka.readAll(topic, 1)).hasSize(1);
        List<DeadLetterEntry> left = left();
        assertThat(left).extracting(DeadLetterEntry::id).containsExactly(ids.get(1));
        assertThat(left.get(0).record().topic()).isEqualTo(missing);

        // the cause fixed (issue 12: replay after the cause is fixed): the topic now exists
        kafka.createTopic(missing, 1);
        CliRun again =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--bootstrap",
                        kafka.bootstrap(),
                        "--timeout",
                        "20");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(kafka.readAll(missing, 1))
                .extracting(rec -> new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8))
                .containsExactly("value of lost");
        assertThat(left()).isEmpty();
    }

    @Test
    void replay_withAConfigFileAndIds_sendsOnlyThoseThroughItsCluster(@UniqueTopic String topic)
            throws IOException {
        kafka.createTopic(topic, 1);
        long ts = System.currentTimeMillis() - 60_000;
        List<Long> ids =
                fill(
                        record(topic, 0, "x", ts),
                        record(topic, 0, "y", ts + 1),
                        record(topic, 0, "z", ts + 2));
        Path file = dir.resolveSibling(dir.getFileName() + "-ferry.yaml");
        Files.writeString(
                file,
                """
                clusters:
                  other:
                    kafka: {bootstrap.servers: '127.0.0.1:1'}
                  main:
                    kafka: {bootstrap.servers: '%s', linger.ms: 5}
                """
                        .formatted(kafka.bootstrap()));

        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--config",
                        file.toString(),
                        "--cluster",
                        "main",
                        "--ids",
                        ids.get(0) + "," + ids.get(2));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("replayed 2 of 2 records; 0 failed; 0 unanswered; 1 left");
        assertThat(kafka.readAll(topic, 1))
                .extracting(c -> new String(c.key(), StandardCharsets.UTF_8))
                .containsExactly("x", "z");
        assertThat(left()).extracting(DeadLetterEntry::id).containsExactly(ids.get(1));
    }
}
