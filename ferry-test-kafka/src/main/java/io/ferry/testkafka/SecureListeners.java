package io.ferry.testkafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The SASL_PLAINTEXT and SSL listeners an {@link InProcessKafka} adds beside the kit's PLAINTEXT
 * one: their ports, broker settings and client settings; immutable once created, any thread.
 */
final class SecureListeners {
    /*
     * How (kafka-test-common-runtime 4.2.0): TestKitNodes.Builder.setBrokerSecurityProtocol takes
     * only PLAINTEXT or SASL_PLAINTEXT, and its SASL_PLAINTEXT writes a JAAS file with the kit's own
     * users, sets the JVM-wide java.security.auth.login.config and turns on an authorizer that lets
     * only its admin in. So the kit's listeners stay as they are (EXTERNAL for clients and between
     * brokers, CONTROLLER for the quorum, both PLAINTEXT and pre-bound by the kit's socket factory:
     * the configured port of those two is ignored, a restarted node gets its old port back) and
     * each broker gets extra listeners through per-server "listeners" (the kit only putIfAbsent()s
     * its own, and per-server properties are applied after it). The extra ones are not pre-bound,
     * so their ports are picked here before the start, which keeps them across a broker restart.
     * The PLAIN users go into the per-listener JAAS setting
     * listener.name.sasl_plaintext.plain.sasl.jaas.config: nothing JVM-wide.
     */
    private static final String KIT_BROKER_LISTENER = "EXTERNAL";
    private static final String KIT_CONTROLLER_LISTENER = "CONTROLLER";
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String PLAIN_MODULE =
            "org.apache.kafka.common.security.plain.PlainLoginModule";

    private final boolean combined;

    /** protocol -> broker id -> port; only the protocols asked for. */
    private final Map<SecurityProtocol, Map<Integer, Integer>> ports;

    private final Map<String, String> users;
    private final TlsMaterial tls;

    private SecureListeners(
            boolean combined,
            Map<SecurityProtocol, Map<Integer, Integer>> ports,
            Map<String, String> users,
            TlsMaterial tls) {
        this.combined = combined;
        this.ports = ports;
        this.users = users;
        this.tls = tls;
    }

    /**
     * Picks the ports and, for {@code ssl}, generates the certificates into {@code tlsDir}; {@code
     * users} is null for no SASL listener.
     */
    static SecureListeners create(
            Path tlsDir, int brokers, boolean combined, Map<String, String> users, boolean ssl) {
        Map<SecurityProtocol, Map<Integer, Integer>> ports = new EnumMap<>(SecurityProtocol.class);
        if (users != null) {
            users.forEach(
                    (name, password) -> {
                        if (!USER.matcher(name).matches()) {
                            throw new IllegalArgumentException(
                                    "SASL user name '" + name + "'; expected [A-Za-z0-9._-]+");
                        }
                    });
            ports.put(SecurityProtocol.SASL_PLAINTEXT, freePorts(brokers));
        }
        TlsMaterial tls = null;
        if (ssl) {
            tls = TlsMaterial.generate(tlsDir);
            ports.put(SecurityProtocol.SSL, freePorts(brokers));
        }
        return new SecureListeners(combined, ports, users, tls);
    }

    private static Map<Integer, Integer> freePorts(int brokers) {
        Map<Integer, Integer> byBroker = new TreeMap<>();
        for (int id = 0; id < brokers; id++) {
            // bound and released at once: another process could take it before the broker binds,
            // which on loopback in a test run is unlikely; the start then fails and says so
            try (ServerSocket s = new ServerSocket(0)) {
                byBroker.put(id, s.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException("no free port for a listener", e);
            }
        }
        return byBroker;
    }

    /** Each broker's {@code listeners}, when there is a secure one; else nothing. */
    Map<Integer, Map<String, String>> perBrokerProperties() {
        if (ports.isEmpty()) {
            return Map.of();
        }
        Map<Integer, Map<String, String>> out = new HashMap<>();
        int brokers = ports.values().iterator().next().size();
        for (int id = 0; id < brokers; id++) {
            StringBuilder l = new StringBuilder(KIT_BROKER_LISTENER + "://localhost:0");
            for (Map.Entry<SecurityProtocol, Map<Integer, Integer>> e : ports.entrySet()) {
                l.append(',').append(e.getKey().name).append("://localhost:");
                l.append(e.getValue().get(id));
            }
            if (combined && id == 0) {
                l.append(',').append(KIT_CONTROLLER_LISTENER).append("://localhost:0");
            }
            out.put(id, Map.of("listeners", l.toString()));
        }
        return out;
    }

    /** The settings every node gets: the protocol map, the SASL users, the keystore. */
    Map<String, String> sharedProperties() {
        if (ports.isEmpty()) {
            return Map.of();
        }
        Map<String, String> p = new LinkedHashMap<>();
        StringBuilder map =
                new StringBuilder(
                        KIT_BROKER_LISTENER
                                + ":PLAINTEXT,"
                                + KIT_CONTROLLER_LISTENER
                                + ":PLAINTEXT");
        for (SecurityProtocol sp : ports.keySet()) {
            map.append(',').append(sp.name).append(':').append(sp.name);
        }
        p.put("listener.security.protocol.map", map.toString());
        if (users != null) {
            String prefix = "listener.name.sasl_plaintext.";
            p.put(prefix + "sasl.enabled.mechanisms", "PLAIN");
            p.put(
                    prefix + "plain.sasl.jaas.config",
                    PLAIN_MODULE
                            + " required "
                            + users.entrySet().stream()
                                    .map(e -> "user_" + e.getKey() + "=" + quoted(e.getValue()))
                                    .collect(Collectors.joining(" "))
                            + ";");
        }
        if (tls != null) {
            String prefix = "listener.name.ssl.";
            p.put(prefix + "ssl.keystore.location", tls.keystore().toString());
            p.put(prefix + "ssl.keystore.password", tls.password());
            p.put(prefix + "ssl.key.password", tls.password());
            p.put(prefix + "ssl.keystore.type", TlsMaterial.TYPE);
        }
        return p;
    }

    /** A JAAS option value: in double quotes, with backslash and quote escaped. */
    private static String quoted(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    String bootstrap(SecurityProtocol protocol) {
        Map<Integer, Integer> byBroker = ports.get(protocol);
        if (byBroker == null) {
            throw new IllegalStateException(
                    "this cluster has no "
                            + protocol
                            + " listener; ask the builder for it (saslPlain(...) or ssl())");
        }
        return byBroker.values().stream()
                .map(port -> "localhost:" + port)
                .collect(Collectors.joining(","));
    }

    Map<String, Object> saslPlainClientSettings(String user, String password) {
        Map<String, Object> s = new HashMap<>();
        s.put("bootstrap.servers", bootstrap(SecurityProtocol.SASL_PLAINTEXT));
        s.put("security.protocol", SecurityProtocol.SASL_PLAINTEXT.name);
        s.put("sasl.mechanism", "PLAIN");
        s.put(
                "sasl.jaas.config",
                PLAIN_MODULE
                        + " required username="
                        + quoted(user)
                        + " password="
                        + quoted(password)
                        + ";");
        return s;
    }

    Map<String, Object> sslClientSettings() {
        Map<String, Object> s = new HashMap<>(tls().clientTruststoreSettings());
        s.put("bootstrap.servers", bootstrap(SecurityProtocol.SSL));
        s.put("security.protocol", SecurityProtocol.SSL.name);
        return s;
    }

    TlsMaterial tls() {
        if (tls == null) {
            throw new IllegalStateException(
                    "this cluster has no SSL listener; ask the builder for it with ssl()");
        }
        return tls;
    }
}
