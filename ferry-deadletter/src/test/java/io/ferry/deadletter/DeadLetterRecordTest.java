package io.ferry.deadletter;

import static io.ferry.deadletter.Records.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Event;
import org.junit.jupiter.api.Test;

class DeadLetterRecordTest {
    @Test
    void forProduce_keepsTheEvent_andToEventGivesItBackUnchanged() {
        Event e =
                Event.builder("orders")
                        .partition(3)
                        .key(utf8("k"))
                        .value(utf8("v"))
                        .headers(Records.trickyHeaders())
                        .timestampMs(1234)
                        .build();
        DeadLetterRecord r =
                DeadLetterRecord.forProduce(
                        e, "main", 3, "INVALID_RECORD", "INVALID_TIMESTAMP", "bad ts", 99, 1);
        assertThat(r.toEvent()).isEqualTo(e);
        assertThat(r.source()).isEqualTo(DeadLetterRecord.Source.PRODUCE);
        assertThat(r.requestedPartition()).isEqualTo(3);
        assertThat(r.boundPartition()).isEqualTo(3);
        assertThat(r.kafkaError()).isEqualTo("INVALID_TIMESTAMP");
        assertThat(r.group()).isNull();
        assertThat(r.offset()).isEqualTo(DeadLetterRecord.UNKNOWN);
        assertThat(r.deliveryCount()).isEqualTo(DeadLetterRecord.UNKNOWN);
        assertThat(r.eventSizeBytes()).isEqualTo(e.sizeBytes());
    }

    @Test
    void forConsume_bindsThePartitionReadFrom_andRequestsNone() {
        DeadLetterRecord r = Records.consume();
        assertThat(r.source()).isEqualTo(DeadLetterRecord.Source.CONSUME);
        assertThat(r.boundPartition()).isEqualTo(5);
        assertThat(r.requestedPartition()).isEqualTo(Event.NO_PARTITION);
        assertThat(r.toEvent().partition()).isEqualTo(Event.NO_PARTITION);
        assertThat(r.group()).isEqualTo("billing");
        assertThat(r.offset()).isEqualTo(4242L);
        assertThat(r.deliveryCount()).isEqualTo(7);
        assertThat(r.attempts()).isEqualTo(7);
        assertThat(r.kafkaError()).isNull();
    }

    @Test
    void aRecord_withoutACode_isRefused() {
        assertThatThrownBy(
                        () ->
                                DeadLetterRecord.forProduce(
                                        Event.of("t", null), "c", -1, " ", null, "m", 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code");
    }

    @Test
    void aConsumeRecord_withoutAGroup_isRefused() {
        assertThatThrownBy(
                        () ->
                                DeadLetterRecord.forConsume(
                                        Event.of("t", null), 1, "c", "", 1, "X", "m", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group");
    }
}
