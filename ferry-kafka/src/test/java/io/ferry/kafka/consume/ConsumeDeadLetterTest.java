package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.deadletter.DeadLetterEntry;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The consume side's local dead letter: what it stores, and when it keeps a message unsettled. */
class ConsumeDeadLetterTest {

    private static DeadLetterRecord record(int valueBytes) {
        Event e =
                Event.builder("orders")
                        .partition(3)
                        .key("k".getBytes())
                        .value(new byte[valueBytes])
                        .timestampMs(1_000)
                        .build();
        return DeadLetterRecord.forConsume(
                e, 42, "main", "billing", 6, "REDELIVERY_LIMIT", "not acknowledged", 2_000);
    }

    @Test
    void aMessagePastItsRetries_isStoredWithItsGroupOffsetAndDeliveryCount(@TempDir Path dir)
            throws Exception {
        try (LocalDeadLetter store = LocalDeadLetter.open(dir, 1 << 20)) {
            ConsumeEngine.ConsumeDeadLetter dl = ConsumeEngine.ConsumeDeadLetter.local(store);
            assertThat(dl.store(record(10))).isTrue();
            List<DeadLetterEntry> all = store.list();
            assertThat(all).hasSize(1);
            DeadLetterRecord r = all.get(0).record();
            assertThat(r.group()).isEqualTo("billing");
            assertThat(r.offset()).isEqualTo(42);
            assertThat(r.deliveryCount()).isEqualTo(6);
            assertThat(r.boundPartition()).isEqualTo(3);
            assertThat(r.code()).isEqualTo("REDELIVERY_LIMIT");
        }
    }

    @Test
    void aFullStore_keepsTheMessageUnsettled_andOneThatNeverFits_isSettledLoudly(@TempDir Path dir)
            throws Exception {
        try (LocalDeadLetter store = LocalDeadLetter.open(dir, 4_096, 4_096)) {
            ConsumeEngine.ConsumeDeadLetter dl = ConsumeEngine.ConsumeDeadLetter.local(store);
            assertThat(dl.store(record(100_000))).as("never fits: settled, logged").isTrue();
            boolean stored = true;
            int n = 0;
            while (stored && n < 100) {
                stored = dl.store(record(1_000));
                n++;
            }
            assertThat(stored).as("full: kept unsettled, offered again later").isFalse();
            assertThat(store.list()).hasSizeLessThan(n);
        }
    }
}
