package io.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {

    private static BrokerConfig config(String name, Object value) {
        return BrokerConfig.of("memory", Map.of(name, value));
    }

    @Test
    void getInt_acceptsNumbersAndStrings_withinRange() {
        assertThat(config("events", 64).getInt("events", 1, 1, 100)).isEqualTo(64);
        assertThat(config("events", " 1_000 ").getInt("events", 1, 1, 10_000)).isEqualTo(1000);
        assertThat(BrokerConfig.of("memory").getInt("events", 7, 1, 100)).isEqualTo(7);
    }

    @Test
    void getInt_outOfRangeOrNotANumber_failsNamingSettingAndRange() {
        assertThatThrownBy(() -> config("events", 0).getInt("events", 1, 1, 100))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessage(
                        "broker type 'memory': setting 'events' is '0'; expected an integer between 1 and 100");
        assertThatThrownBy(() -> config("events", 1.5).getInt("events", 1, 1, 100))
                .hasMessageContaining("setting 'events' is '1.5'");
    }

    @Test
    void getBytes_understandsUnits() {
        assertThat(config("bytes", "64MiB").getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .isEqualTo(64L << 20);
        assertThat(config("bytes", "100MB").getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .isEqualTo(100_000_000L);
        assertThat(config("bytes", "1 GiB").getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .isEqualTo(1L << 30);
        assertThat(config("bytes", 4096).getBytes("bytes", 0, 0, Long.MAX_VALUE)).isEqualTo(4096);
        assertThatThrownBy(
                        () -> config("bytes", "12 parsecs").getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .hasMessageContaining("setting 'bytes' is '12 parsecs'");
        assertThatThrownBy(() -> config("bytes", "-5").getBytes("bytes", 0, 0, Long.MAX_VALUE))
                .hasMessageContaining("setting 'bytes'");
    }

    @Test
    void getDuration_understandsUnits_bareNumberIsMillis() {
        Duration max = Duration.ofHours(1);
        assertThat(
                        config("flush.timeout", "250ms")
                                .getDuration("flush.timeout", Duration.ZERO, Duration.ZERO, max))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(
                        config("flush.timeout", 5)
                                .getDuration("flush.timeout", Duration.ZERO, Duration.ZERO, max))
                .isEqualTo(Duration.ofMillis(5));
        assertThat(
                        config("flush.timeout", "2s")
                                .getDuration("flush.timeout", Duration.ZERO, Duration.ZERO, max))
                .isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(
                        () ->
                                config("flush.timeout", "2h")
                                        .getDuration(
                                                "flush.timeout", Duration.ZERO, Duration.ZERO, max))
                .hasMessageContaining("setting 'flush.timeout' is '2h'");
        assertThatThrownBy(
                        () ->
                                config("flush.timeout", "soon")
                                        .getDuration(
                                                "flush.timeout", Duration.ZERO, Duration.ZERO, max))
                .hasMessageContaining("expected a duration");
    }

    @Test
    void getBoolean_acceptsOnlyTrueOrFalse() {
        assertThat(config("x", "TRUE").getBoolean("x", false)).isTrue();
        assertThat(config("x", false).getBoolean("x", true)).isFalse();
        assertThatThrownBy(() -> config("x", "yes").getBoolean("x", false))
                .hasMessageContaining("expected true or false");
    }

    @Test
    void unreadSettings_listsWhatNoGetterRead() {
        BrokerConfig c = BrokerConfig.of("memory", Map.of("events", 1, "bytez", 2));
        c.getInt("events", 1, 1, 10);
        assertThat(c.unreadSettings()).containsExactly("bytez");
    }
}
