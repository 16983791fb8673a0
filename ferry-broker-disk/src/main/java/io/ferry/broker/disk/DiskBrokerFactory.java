package io.ferry.broker.disk;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.BrokerConfigException;
import io.ferry.broker.BrokerFactory;
import io.ferry.broker.Eventer;
import java.util.Set;

/** Registers {@link DiskBroker} as broker type {@code disk}; stateless, any thread. */
public final class DiskBrokerFactory implements BrokerFactory {
    /** The registry name. */
    public static final String TYPE = "disk";

    /** For {@link java.util.ServiceLoader}. */
    public DiskBrokerFactory() {}

    /** The settings this type reads (see {@link DiskBrokerSettings}). */
    static final Set<String> SETTINGS =
            Set.of(
                    "path",
                    "bytes",
                    "events",
                    "segment.bytes",
                    "fsync",
                    "fsync.max_events",
                    "fsync.interval",
                    "checkpoint.interval",
                    "flush.min_events",
                    "flush.timeout");

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
        return DiskBroker.create(eventer, settings(config));
    }

    private static DiskBrokerSettings settings(BrokerConfig config) {
        try {
            return DiskBrokerSettings.from(config);
        } catch (BrokerConfigException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BrokerConfigException("broker type 'disk': " + e.getMessage());
        }
    }
}
