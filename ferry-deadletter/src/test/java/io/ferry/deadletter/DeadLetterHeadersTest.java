package io.ferry.deadletter;

import static io.ferry.deadletter.Records.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLetterHeadersTest {
    private static String text(Event e, String name) {
        return e.headers().stream()
                .filter(h -> h.key().equals(name))
                .map(h -> new String(h.value(), java.nio.charset.StandardCharsets.UTF_8))
                .reduce((a, b) -> b)
                .orElse(null);
    }

    @Test
    void toDeadLetterEvent_keepsKeyValueAndHeadersInOrder_thenAppendsTheFacts() {
        DeadLetterRecord r = Records.produce("orders", "RECORD_TOO_LARGE", 100);
        Event dl = DeadLetterHeaders.toDeadLetterEvent("orders.dlq", r);
        assertThat(dl.topic()).isEqualTo("orders.dlq");
        assertThat(dl.partition()).isEqualTo(Event.NO_PARTITION);
        assertThat(dl.key()).isEqualTo(r.key());
        assertThat(dl.value()).isEqualTo(r.value());
        assertThat(dl.timestampMs()).isEqualTo(r.failedAtMs());
        assertThat(dl.headers().subList(0, r.headers().size())).isEqualTo(r.headers());
        List<String> appended = new ArrayList<>();
        for (Header h : dl.headers().subList(r.headers().size(), dl.headers().size())) {
            appended.add(h.key());
        }
        assertThat(appended)
                .containsExactly(
                        "ferry.dlq.topic",
                        "ferry.dlq.partition",
                        "ferry.dlq.bound-partition",
                        "ferry.dlq.timestamp",
                        "ferry.dlq.source",
                        "ferry.dlq.cluster",
                        "ferry.dlq.code",
                        "ferry.dlq.kafka-error",
                        "ferry.dlq.message",
                        "ferry.dlq.failed-at",
                        "ferry.dlq.attempts",
                        "ferry.dlq.original-headers");
        assertThat(text(dl, "ferry.dlq.topic")).isEqualTo("orders");
        assertThat(text(dl, "ferry.dlq.code")).isEqualTo("RECORD_TOO_LARGE");
        assertThat(text(dl, "ferry.dlq.kafka-error")).isEqualTo("MESSAGE_TOO_LARGE");
        assertThat(text(dl, "ferry.dlq.timestamp")).isEqualTo("1700000000123");
        assertThat(text(dl, "ferry.dlq.original-headers")).isEqualTo("6");
    }

    @Test
    void roundTrip_produce_withBinaryNonAsciiAndDuplicateHeaders_isByteExact() {
        DeadLetterRecord r = Records.produce("orders", "RECORD_TOO_LARGE", 300);
        Event dl = DeadLetterHeaders.toDeadLetterEvent("dlq", r);
        DeadLetterRecord back = DeadLetterHeaders.fromKafka(dl.key(), dl.value(), dl.headers());
        assertThat(back).isEqualTo(r);
        assertThat(back.headers()).isEqualTo(Records.trickyHeaders());
        assertThat(back.headers().get(0).value())
                .containsExactly(0, 0xff, 0x80, 10, 13, 0); // binary, untouched
        assertThat(back.toEvent()).isEqualTo(r.toEvent());
    }

    @Test
    void roundTrip_consume_keepsGroupOffsetAndDeliveryCount_andANullKey() {
        DeadLetterRecord r = Records.consume();
        Event dl = DeadLetterHeaders.toDeadLetterEvent("dlq", r);
        assertThat(text(dl, "ferry.dlq.group")).isEqualTo("billing");
        assertThat(text(dl, "ferry.dlq.kafka-error")).isNull();
        DeadLetterRecord back = DeadLetterHeaders.fromKafka(dl.key(), dl.value(), dl.headers());
        assertThat(back).isEqualTo(r);
        assertThat(back.key()).isNull();
        assertThat(back.offset()).isEqualTo(4242L);
        assertThat(back.deliveryCount()).isEqualTo(7);
    }

    @Test
    void roundTrip_ofARecordDeadLetteredTwice_stripsOnlyTheLastBlock() {
        DeadLetterRecord first = Records.produce("orders", "UNKNOWN_TOPIC", 10);
        Event once = DeadLetterHeaders.toDeadLetterEvent("orders.dlq", first);
        // the dead-letter topic itself refused it: dead-lettered again, with ferry.dlq.* inside
        DeadLetterRecord second =
                DeadLetterRecord.forProduce(
                        once, "main", -1, "INVALID_TOPIC", null, "no dlq topic", 5, 1);
        Event twice = DeadLetterHeaders.toDeadLetterEvent("last.dlq", second);
        DeadLetterRecord back =
                DeadLetterHeaders.fromKafka(twice.key(), twice.value(), twice.headers());
        assertThat(back).isEqualTo(second);
        assertThat(back.toEvent()).isEqualTo(once);
        DeadLetterRecord inner =
                DeadLetterHeaders.fromKafka(back.key(), back.value(), back.headers());
        assertThat(inner).isEqualTo(first);
    }

    @Test
    void roundTrip_withoutOriginalHeaders() {
        DeadLetterRecord r =
                DeadLetterRecord.forProduce(
                        Event.of("t", null, null), "c", -1, "KAFKA_ERROR", null, "m", 1, 0);
        Event dl = DeadLetterHeaders.toDeadLetterEvent("dlq", r);
        assertThat(DeadLetterHeaders.fromKafka(null, null, dl.headers())).isEqualTo(r);
    }

    @Test
    void fromKafka_ofAnOrdinaryRecord_failsSayingWhy() {
        assertThatThrownBy(
                        () ->
                                DeadLetterHeaders.fromKafka(
                                        null, utf8("v"), List.of(new Header("a", utf8("b")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ferry.dlq.original-headers");
    }

    @Test
    void fromKafka_withAMissingFact_namesIt() {
        DeadLetterRecord r = Records.produce("orders", "UNKNOWN_TOPIC", 1);
        Event dl = DeadLetterHeaders.toDeadLetterEvent("dlq", r);
        List<Header> h = new ArrayList<>(dl.headers());
        h.removeIf(x -> x.key().equals(DeadLetterHeaders.CODE));
        assertThatThrownBy(() -> DeadLetterHeaders.fromKafka(dl.key(), dl.value(), h))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no header ferry.dlq.code");
    }

    @Test
    void fromKafka_withAForeignHeaderAmongTheAppended_isRefused() {
        DeadLetterRecord r = Records.produce("orders", "UNKNOWN_TOPIC", 1);
        Event dl = DeadLetterHeaders.toDeadLetterEvent("dlq", r);
        List<Header> h = new ArrayList<>(dl.headers());
        h.add(h.size() - 1, new Header("x-added-later", utf8("1")));
        assertThatThrownBy(() -> DeadLetterHeaders.fromKafka(dl.key(), dl.value(), h))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x-added-later");
    }
}
