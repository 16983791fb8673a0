package io.ferry.broker.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.Brokers;
import io.ferry.broker.Eventer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskBrokerRegistryTest {
    @TempDir Path dir;

    @Test
    void diskType_isDiscoveredWithServiceLoader() {
        assertThat(Brokers.find("disk")).isInstanceOf(DiskBrokerFactory.class);
    }

    @Test
    void load_readsEverySetting_andDeclaresDurableAcks() {
        Map<String, Object> settings =
                Map.of(
                        "path",
                        dir.toString(),
                        "bytes",
                        "64MiB",
                        "events",
                        1000,
                        "segment.bytes",
                        "1MiB",
                        "fsync",
                        "never",
                        "fsync.max_events",
                        512,
                        "fsync.interval",
                        "2ms",
                        "checkpoint.interval",
                        "1s",
                        "flush.min_events",
                        "8",
                        "flush.timeout",
                        "5ms");
        try (Broker b = Brokers.load(Eventer.NONE, BrokerConfig.of("disk", settings))) {
            DiskBrokerSettings s = ((DiskBroker) b).settings();
            assertThat(s.directory()).isEqualTo(dir);
            assertThat(s.capacityBytes()).isEqualTo(64L << 20);
            assertThat(s.capacityEvents()).isEqualTo(1000);
            assertThat(s.segmentBytes()).isEqualTo(1 << 20);
            assertThat(s.fsync()).isEqualTo(FsyncMode.NEVER);
            assertThat(s.groupCommitMaxEvents()).isEqualTo(512);
            assertThat(s.groupCommitInterval()).isEqualTo(Duration.ofMillis(2));
            assertThat(s.checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(s.flushMinEvents()).isEqualTo(8);
            assertThat(s.flushTimeout()).hasMillis(5);
            assertThat(b.capabilities())
                    .contains(
                            BrokerCapability.ACKS_ON_DURABLE_STORE,
                            BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART);
            assertThat(b.bufferConfig().events()).isEqualTo(1000);
            assertThat(b.bufferConfig().bytes()).isEqualTo(64L << 20);
        }
    }

    @Test
    void load_badMissingOrUnknownSetting_failsNamingIt() {
        assertThatThrownBy(() -> Brokers.load(Eventer.NONE, BrokerConfig.of("disk", Map.of())))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("'path' is required");
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        Eventer.NONE,
                                        BrokerConfig.of(
                                                "disk",
                                                Map.of(
                                                        "path",
                                                        dir.toString(),
                                                        "fsync",
                                                        "sometimes"))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("'fsync' is 'sometimes'")
                .hasMessageContaining("always or never");
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        Eventer.NONE,
                                        BrokerConfig.of(
                                                "disk",
                                                Map.of(
                                                        "path",
                                                        dir.toString(),
                                                        "segment.bytes",
                                                        10))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("segment.bytes");
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        Eventer.NONE,
                                        BrokerConfig.of(
                                                "disk",
                                                Map.of("path", dir.toString(), "capacity", 10))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("unknown setting")
                .hasMessageContaining("capacity");
    }
}
