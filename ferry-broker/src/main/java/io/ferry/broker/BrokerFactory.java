package io.ferry.broker;

import java.util.Set;

/**
 * Creates brokers of one type; implementations are stateless and safe to call from any thread.
 *
 * <p>Discovered with {@link java.util.ServiceLoader} (list the class in {@code
 * META-INF/services/io.ferry.broker.BrokerFactory}) or registered explicitly with {@link
 * Brokers#register(String, BrokerFactory)} (rule 4.1).
 */
public interface BrokerFactory {

    /** The type name this factory registers under when discovered, e.g. {@code memory}. */
    String type();

    /**
     * A new broker configured from {@code config}. Read every setting through {@code config}'s
     * typed getters: those fail naming the setting, and settings nobody read are reported as
     * unknown by {@link Brokers#load(Eventer, BrokerConfig)}.
     *
     * @throws BrokerConfigException naming the setting that was wrong
     */
    Broker create(Eventer eventer, BrokerConfig config);

    /**
     * The names of the settings this type reads, for errors that list them and for {@link
     * Brokers#validate}; empty when the type does not declare them (then only {@link Brokers#load}
     * finds unknown settings, by what {@link #create} did not read).
     */
    default Set<String> settingNames() {
        return Set.of();
    }

    /**
     * Checks {@code config}'s settings as {@link #create} would, without creating anything (no
     * thread, no file, no directory), so that a bad configuration fails when it is loaded. The
     * default checks nothing.
     *
     * @throws BrokerConfigException naming the setting that is wrong and what is accepted
     */
    default void validate(BrokerConfig config) {}
}
