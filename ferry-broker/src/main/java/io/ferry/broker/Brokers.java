package io.ferry.broker;

import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry of broker types; every method is safe to call from any thread.
 *
 * <p>Types are discovered once with {@link ServiceLoader} from the class path (rule 4.1) and may be
 * added with {@link #register(String, BrokerFactory)}. A name can be registered once (rule 4.2).
 */
public final class Brokers {
    private static final Object LOCK = new Object();
    // guarded by LOCK
    private static Map<String, BrokerFactory> factories;

    private Brokers() {}

    /**
     * Registers {@code factory} under {@code name}.
     *
     * @throws BrokerConfigException when {@code name} is already registered
     */
    public static void register(String name, BrokerFactory factory) {
        Objects.requireNonNull(factory, "factory");
        if (name == null || name.isBlank()) {
            throw new BrokerConfigException("broker type name must not be empty");
        }
        synchronized (LOCK) {
            Map<String, BrokerFactory> all = registry();
            if (all.containsKey(name)) {
                throw new BrokerConfigException(
                        "broker type '"
                                + name
                                + "' is already registered (by "
                                + all.get(name).getClass().getName()
                                + ")");
            }
            all.put(name, factory);
        }
    }

    /**
     * The factory of broker type {@code name}.
     *
     * @throws BrokerConfigException naming the unknown type and listing the known ones
     */
    public static BrokerFactory find(String name) {
        synchronized (LOCK) {
            BrokerFactory f = registry().get(name);
            if (f == null) {
                throw new BrokerConfigException(
                        "unknown broker type '"
                                + name
                                + "'; known types: "
                                + String.join(", ", registry().keySet()));
            }
            return f;
        }
    }

    /** The names of the registered types, sorted. */
    public static Set<String> types() {
        synchronized (LOCK) {
            return new TreeSet<>(registry().keySet());
        }
    }

    /**
     * Builds a broker from a named configuration section (rule 4.3): finds its type (default
     * {@value BrokerConfig#DEFAULT_TYPE}), creates the broker, and fails if any given setting was
     * not read by the factory.
     *
     * @throws BrokerConfigException naming the unknown type or the bad or unknown setting
     */
    public static Broker load(Eventer eventer, BrokerConfig config) {
        Objects.requireNonNull(config, "config");
        BrokerFactory factory = find(config.type());
        Broker broker = factory.create(eventer == null ? Eventer.NONE : eventer, config);
        Set<String> unknown = config.unreadSettings();
        if (!unknown.isEmpty()) {
            broker.close();
            throw unknownSettings(config.type(), unknown, factory.settingNames());
        }
        return broker;
    }

    /**
     * Checks a configuration section without creating a broker: its type is registered, no setting
     * is unknown to it (when the type declares {@link BrokerFactory#settingNames}), and {@link
     * BrokerFactory#validate} accepts the values. For a configuration loader, so errors arrive
     * before anything starts.
     *
     * @throws BrokerConfigException naming the unknown type or the bad or unknown setting, and
     *     listing what is known
     */
    public static void validate(BrokerConfig config) {
        Objects.requireNonNull(config, "config");
        BrokerFactory factory = find(config.type());
        Set<String> known = factory.settingNames();
        if (!known.isEmpty()) {
            Set<String> unknown = new TreeSet<>(config.settings().keySet());
            unknown.removeAll(known);
            if (!unknown.isEmpty()) {
                throw unknownSettings(config.type(), unknown, known);
            }
        }
        // a fresh copy: validating must not mark the caller's settings as read
        factory.validate(BrokerConfig.of(config.type(), config.settings()));
    }

    private static BrokerConfigException unknownSettings(
            String type, Set<String> unknown, Set<String> known) {
        return new BrokerConfigException(
                "broker type '"
                        + type
                        + "': unknown setting"
                        + (unknown.size() > 1 ? "s " : " ")
                        + unknown
                        + (known.isEmpty() ? "" : "; known: " + new TreeSet<>(known)));
    }

    private static Map<String, BrokerFactory> registry() {
        if (factories == null) {
            Map<String, BrokerFactory> found = new TreeMap<>();
            for (BrokerFactory f :
                    ServiceLoader.load(BrokerFactory.class, Brokers.class.getClassLoader())) {
                BrokerFactory previous = found.putIfAbsent(f.type(), f);
                if (previous != null) {
                    throw new BrokerConfigException(
                            "broker type '"
                                    + f.type()
                                    + "' is provided twice on the class path: "
                                    + previous.getClass().getName()
                                    + " and "
                                    + f.getClass().getName());
                }
            }
            factories = found;
        }
        return factories;
    }
}
