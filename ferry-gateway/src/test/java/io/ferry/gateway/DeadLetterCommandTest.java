package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry dead-letter} without Kafka: the listing and the usage errors. */
class DeadLetterCommandTest {
    @TempDir Path dir;

    private static DeadLetterRecord record(String topic, String code, String error, long atMs) {
        Event e =
                Event.builder(topic)
                        .key("k".getBytes(StandardCharsets.UTF_8))
                        .value(new byte[100])
                        .headers(List.of(new Header("h", new byte[] {1, 2})))
                        .build();
        return DeadLetterRecord.forProduce(
                e, "main", 1, code, error, "topic '" + topic + "':\nrefused", atMs, 2);
    }

    @BeforeEach
    void fill() throws IOException {
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, 1 << 20)) {
            dl.append(
                    record("orders", "RECORD_TOO_LARGE", "MESSAGE_TOO_LARGE", 1_700_000_000_000L));
            dl.append(record("orders", "INVALID_RECORD", "INVALID_TIMESTAMP", 1_700_000_000_500L));
            dl.append(record("audit", "RECORD_TOO_LARGE", "MESSAGE_TOO_LARGE", 1_700_000_001_000L));
        }
    }

    @Test
    void list_printsATable_andTheTotalByCode() {
        CliRun r = CliRun.of("dead-letter", "list", "--dir", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0))
                .startsWith("ID")
                .contains("FAILED AT (UTC)", "CLUSTER", "SOURCE", "TOPIC", "PARTITION")
                .contains("CODE", "SIZE")
                .endsWith("MESSAGE");
        assertThat(lines.get(1))
                .startsWith("1 ")
                .contains("2023-11-14T22:13:20.000Z", "main", "PRODUCE", "orders")
                .contains("RECORD_TOO_LARGE/MESSAGE_TOO_LARGE")
                .endsWith("topic 'orders': refused"); // the newline folded
        assertThat(lines.get(2)).startsWith("2 ").contains("INVALID_RECORD/INVALID_TIMESTAMP");
        assertThat(lines.get(3)).startsWith("3 ").contains("audit");
        // columns line up: every row's TOPIC cell starts where the header's does
        int topicColumn = lines.get(0).indexOf("TOPIC");
        assertThat(lines.get(3).substring(topicColumn)).startsWith("audit ");
        assertThat(lines.get(lines.size() - 1))
                .matches("3 records, \\d+ bytes: INVALID_RECORD 1, RECORD_TOO_LARGE 2");
    }

    @Test
    void list_byCodeAndTopic_showsOnlyTheMatches_andTheirTotal() {
        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "list",
                        "--dir",
                        dir.toString(),
                        "--code",
                        "RECORD_TOO_LARGE",
                        "--topic",
                        "audit");
        assertThat(r.code()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4); // header, one row, blank, total
        assertThat(lines.get(1)).startsWith("3 ");
        assertThat(lines.get(3)).matches("1 of 3 records, \\d+ bytes: RECORD_TOO_LARGE 1");
    }

    @Test
    void list_ofAMissingDirectory_exits2_namingIt() {
        CliRun r = CliRun.of("dead-letter", "list", "--dir", dir.resolve("nope").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--dir is '" + dir.resolve("nope") + "'");
    }

    @Test
    void deadLetter_withoutASubcommand_isAUsageError() {
        CliRun r = CliRun.of("dead-letter");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("a subcommand is needed: list, replay");
    }

    @Test
    void replay_withoutWhereToSend_isAUsageError() {
        CliRun r = CliRun.of("dead-letter", "replay", "--dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--bootstrap").contains("--config");
    }

    @Test
    void replay_ofIdsNotInTheDeadLetter_exits2_beforeSendingAnything() throws IOException {
        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--bootstrap",
                        "127.0.0.1:1",
                        "--ids",
                        "2,9,7");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--ids names [7, 9], not in the dead letter");
        try (LocalDeadLetter dl = LocalDeadLetter.open(dir, 1 << 20)) {
            assertThat(dl.size()).isEqualTo(3);
        }
    }

    @Test
    void replay_whenNothingIsSelected_exits0_sayingSo() {
        CliRun r =
                CliRun.of(
                        "dead-letter",
                        "replay",
                        "--dir",
                        dir.toString(),
                        "--bootstrap",
                        "127.0.0.1:1",
                        "--code",
                        "UNKNOWN_TOPIC");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("nothing to replay: none of the 3 records");
    }

    @Test
    void list_whileAnotherStoreHasTheDirectory_exits1_sayingItIsInUse() throws IOException {
        try (LocalDeadLetter held = LocalDeadLetter.open(dir, 1 << 20)) {
            CliRun r = CliRun.of("dead-letter", "list", "--dir", dir.toString());
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().strip()).startsWith("ferry: dead letter: ").contains("in use");
            assertThat(held.size()).isEqualTo(3);
        }
    }
}
