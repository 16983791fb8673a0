package io.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void sizeBytes_countsKeyValueTopicAndHeaders() {
        Event e =
                Event.builder("orders")
                        .key(new byte[3])
                        .value(new byte[10])
                        .headers(List.of(new Header("h", new byte[5])))
                        .build();
        assertThat(e.sizeBytes())
                .isEqualTo(
                        Event.RECORD_OVERHEAD_BYTES
                                + "orders".length()
                                + 3
                                + 10
                                + (1 + 5 + Event.HEADER_OVERHEAD_BYTES));
    }

    @Test
    void nullKeyAndValue_areAllowed() {
        Event e = Event.of("t", null, null);
        assertThat(e.key()).isNull();
        assertThat(e.value()).isNull();
        assertThat(e.hasPartition()).isFalse();
        assertThat(e.timestampMs()).isEqualTo(Event.NO_TIMESTAMP);
    }

    @Test
    void badFields_failNamingThem() {
        assertThatThrownBy(() -> Event.of("", new byte[0]))
                .hasMessageContaining("topic must not be empty");
        assertThatThrownBy(() -> Event.builder("t").partition(-2).build())
                .hasMessageContaining("partition must be >= 0");
        assertThatThrownBy(() -> Event.builder("t").timestampMs(-5).build())
                .hasMessageContaining("timestampMs");
        assertThatThrownBy(() -> Event.of(null, new byte[0]))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("topic");
    }

    @Test
    void equality_isByContent() {
        Event a =
                Event.builder("t")
                        .partition(2)
                        .key(new byte[] {1})
                        .value(new byte[] {2})
                        .timestampMs(5)
                        .build();
        Event b =
                Event.builder("t")
                        .partition(2)
                        .key(new byte[] {1})
                        .value(new byte[] {2})
                        .timestampMs(5)
                        .build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Event.of("t", new byte[] {1}, new byte[] {2}));
    }
}
