package io.ferry.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.Brokers;
import io.ferry.broker.Eventer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryBrokerRegistryTest {

    @Test
    void memoryType_isDiscoveredWithServiceLoader() {
        assertThat(Brokers.find("memory")).isInstanceOf(MemoryBrokerFactory.class);
    }

    @Test
    void load_defaultType_isAMemoryBrokerWithDefaults() {
        try (Broker b = Brokers.load(Eventer.NONE, BrokerConfig.of(null))) {
            assertThat(b).isInstanceOf(MemoryBroker.class);
            assertThat(b.bufferConfig().events())
                    .isEqualTo(MemoryBrokerSettings.DEFAULT_CAPACITY_EVENTS);
            assertThat(b.bufferConfig().hasByteLimit()).isFalse();
        }
    }

    @Test
    void load_readsEverySetting() {
        Map<String, Object> settings =
                Map.of(
                        "events",
                        1000,
                        "bytes",
                        "1MiB",
                        "flush.min_events",
                        "64",
                        "flush.timeout",
                        "5ms");
        try (Broker b = Brokers.load(Eventer.NONE, BrokerConfig.of("memory", settings))) {
            MemoryBrokerSettings s = ((MemoryBroker) b).settings();
            assertThat(s.capacityEvents()).isEqualTo(1000);
            assertThat(s.capacityBytes()).isEqualTo(1 << 20);
            assertThat(s.flushMinEvents()).isEqualTo(64);
            assertThat(s.flushTimeout()).hasMillis(5);
        }
    }

    @Test
    void load_badOrUnknownSetting_failsNamingIt() {
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        Eventer.NONE,
                                        BrokerConfig.of("memory", Map.of("events", -1))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("setting 'events' is '-1'");
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        Eventer.NONE,
                                        BrokerConfig.of("memory", Map.of("capacity", 10))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("unknown setting")
                .hasMessageContaining("capacity");
    }
}
