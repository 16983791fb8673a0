package io.ferry.broker.memory;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.BrokerFactory;
import io.ferry.broker.Eventer;

/** Registers {@link MemoryBroker} as broker type {@code memory}; stateless, any thread. */
public final class MemoryBrokerFactory implements BrokerFactory {
    /** The registry name. */
    public static final String TYPE = "memory";

    /** For {@link java.util.ServiceLoader}. */
    public MemoryBrokerFactory() {}

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Broker create(Eventer eventer, BrokerConfig config) {
        MemoryBrokerSettings settings;
        try {
            settings = MemoryBrokerSettings.from(config);
        } catch (BrokerConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BrokerConfigException("broker type 'memory': " + e.getMessage());
        }
        return MemoryBroker.create(eventer, settings);
    }
}
