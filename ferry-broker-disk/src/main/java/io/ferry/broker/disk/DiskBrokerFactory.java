package io.ferry.broker.disk;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.BrokerFactory;
import io.ferry.broker.Eventer;

/** Registers {@link DiskBroker} as broker type {@code disk}; stateless, any thread. */
public final class DiskBrokerFactory implements BrokerFactory {
    /** The registry name. */
    public static final String TYPE = "disk";

    /** For {@link java.util.ServiceLoader}. */
    public DiskBrokerFactory() {}

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Broker create(Eventer eventer, BrokerConfig config) {
        DiskBrokerSettings settings;
        try {
            settings = DiskBrokerSettings.from(config);
        } catch (BrokerConfigException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BrokerConfigException("broker type 'disk': " + e.getMessage());
        }
        return DiskBroker.create(eventer, settings);
    }
}
