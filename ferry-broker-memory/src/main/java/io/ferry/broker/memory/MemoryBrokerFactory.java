package io.ferry.broker.memory;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.BrokerFactory;
import io.ferry.broker.Eventer;
import java.util.Set;

/** Registers {@link MemoryBroker} as broker type {@code memory}; stateless, any thread. */
public final class MemoryBrokerFactory implements BrokerFactory {
    /** The registry name. */
    public static final String TYPE = "memory";

    /** For {@link java.util.ServiceLoader}. */
    public MemoryBrokerFactory() {}

    /** The settings this type reads (see {@link MemoryBrokerSettings}). */
    static final Set<String> SETTINGS =
            Set.of("events", "bytes", "flush.min_events", "flush.timeout");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<String> settingNames() {
        return SETTINGS;
    }

    @Override
    public void validate(BrokerConfig config) {
        settings(config);
    }

    @Override
    public Broker create(Eventer eventer, BrokerConfig config) {
        return MemoryBroker.create(eventer, settings(config));
    }

    private static MemoryBrokerSettings settings(BrokerConfig config) {
        try {
            return MemoryBrokerSettings.from(config);
        } catch (BrokerConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BrokerConfigException("broker type 'memory': " + e.getMessage());
        }
    }
}
