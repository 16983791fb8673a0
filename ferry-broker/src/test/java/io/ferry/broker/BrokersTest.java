package io.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BrokersTest {

    /** A factory that remembers what it was given and reads one setting. */
    private static final class RecordingFactory implements BrokerFactory {
        final AtomicReference<BrokerConfig> seen = new AtomicReference<>();
        final AtomicReference<Broker> made = new AtomicReference<>();

        @Override
        public String type() {
            return "recording";
        }

        @Override
        public Broker create(Eventer eventer, BrokerConfig config) {
            seen.set(config);
            config.getInt("events", 10, 1, 100);
            Broker b = new ClosedBroker();
            made.set(b);
            return b;
        }
    }

    @Test
    void register_thenFind_returnsTheFactory() {
        RecordingFactory f = new RecordingFactory();
        Brokers.register("rule4_1-find", f);
        assertThat(Brokers.find("rule4_1-find")).isSameAs(f);
        assertThat(Brokers.types()).contains("rule4_1-find");
    }

    @Test
    void register_sameNameTwice_fails() {
        Brokers.register("rule4_2-dup", new RecordingFactory());
        assertThatThrownBy(() -> Brokers.register("rule4_2-dup", new RecordingFactory()))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("'rule4_2-dup' is already registered");
    }

    @Test
    void find_unknownName_listsKnownTypes() {
        Brokers.register("rule4_2-known", new RecordingFactory());
        assertThatThrownBy(() -> Brokers.find("no-such-broker"))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("unknown broker type 'no-such-broker'")
                .hasMessageContaining("rule4_2-known");
    }

    @Test
    void load_withoutType_usesMemory() {
        assertThat(BrokerConfig.of(null, Map.of()).type()).isEqualTo("memory");
        assertThat(BrokerConfig.of("  ").type()).isEqualTo(BrokerConfig.DEFAULT_TYPE);
    }

    @Test
    void load_passesSettingsAndEventer() {
        RecordingFactory f = new RecordingFactory();
        Brokers.register("rule4_3-load", f);
        Broker b =
                Brokers.load(Eventer.NONE, BrokerConfig.of("rule4_3-load", Map.of("events", 42)));
        assertThat(b).isSameAs(f.made.get());
        assertThat(f.seen.get().settings()).containsEntry("events", 42);
    }

    @Test
    void load_unknownSetting_failsNamingItAndClosesTheBroker() {
        RecordingFactory f = new RecordingFactory();
        Brokers.register("rule4_3-unknown", f);
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        null,
                                        BrokerConfig.of(
                                                "rule4_3-unknown",
                                                Map.of("events", 5, "evnets", 6))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("unknown setting")
                .hasMessageContaining("evnets");
        assertThat(((ClosedBroker) f.made.get()).closed).isTrue();
    }

    @Test
    void load_badSetting_failsNamingIt() {
        Brokers.register("rule4_3-bad", new RecordingFactory());
        assertThatThrownBy(
                        () ->
                                Brokers.load(
                                        null,
                                        BrokerConfig.of("rule4_3-bad", Map.of("events", "many"))))
                .isInstanceOf(BrokerConfigException.class)
                .hasMessageContaining("setting 'events' is 'many'")
                .hasMessageContaining("an integer between 1 and 100");
    }

    /** The smallest broker: does nothing, remembers close. */
    private static final class ClosedBroker implements Broker {
        volatile boolean closed;

        @Override
        public BufferConfig bufferConfig() {
            return new BufferConfig(0, 0);
        }

        @Override
        public Set<BrokerCapability> capabilities() {
            return Set.of();
        }

        @Override
        public Producer producer(ProducerConfig config) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Consumer consumer() {
            throw new UnsupportedOperationException();
        }

        @Override
        public BrokerStats stats() {
            return new BrokerStats(0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
