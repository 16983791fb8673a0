package io.ferry.deadletter;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Dead-letter records for the tests. */
final class Records {
    private Records() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Headers with a binary value, a non-ASCII one, a null one and a repeated name. */
    static List<Header> trickyHeaders() {
        return List.of(
                new Header("trace", new byte[] {0, (byte) 0xff, (byte) 0x80, 10, 13, 0}),
                new Header("名前", utf8("Grüße, 世界 ✓")),
                new Header("dup", utf8("first")),
                new Header("empty", new byte[0]),
                new Header("nothing", null),
                new Header("dup", utf8("second")));
    }

    static DeadLetterRecord produce(String topic, String code, int valueBytes) {
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < valueBytes; i++) {
            value[i] = (byte) (i * 31);
        }
        Event e =
                Event.builder(topic)
                        .partition(2)
                        .key(utf8("k-" + topic))
                        .value(value)
                        .headers(trickyHeaders())
                        .timestampMs(1_700_000_000_123L)
                        .build();
        return DeadLetterRecord.forProduce(
                e,
                "main",
                2,
                code,
                code.equals("RECORD_TOO_LARGE") ? "MESSAGE_TOO_LARGE" : null,
                "topic '" + topic + "' partition 2: refused",
                1_700_000_001_000L,
                3);
    }

    static DeadLetterRecord consume() {
        Event m =
                Event.builder("payments")
                        .partition(5)
                        .key(null)
                        .value(utf8("{\"amount\":12}"))
                        .headers(trickyHeaders())
                        .timestampMs(1_600_000_000_000L)
                        .build();
        return DeadLetterRecord.forConsume(
                m,
                4242L,
                "main",
                "billing",
                7,
                "REDELIVERY_LIMIT",
                "not acked after 7 deliveries",
                1_700_000_002_000L);
    }
}
