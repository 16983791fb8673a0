package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code <listener>.tls}: TLS on a listener, its key and certificate (PEM or PKCS#12), mutual TLS,
 * the protocols and how often the files are checked for a new certificate; immutable, any thread.
 * {@link #parse} also reads the files ({@link TlsKeys#load}), so a missing file, a wrong password
 * or a key that does not match its certificate fails at start.
 *
 * <pre>
 * tls:
 *   cert-file: /etc/ferry/server.pem      # PEM chain, leaf first
 *   key-file: /etc/ferry/server.key       # PKCS#8 PEM; key-password when encrypted
 *   # or keystore-file: server.p12 with keystore-password (PKCS#12)
 *   client-auth: required                 # none | optional | required
 *   client-ca-file: /etc/ferry/clients-ca.pem
 *   protocols: [TLSv1.3, TLSv1.2]
 *   reload-check-ms: 10000
 *   engine: auto                          # auto | openssl | jdk
 * </pre>
 *
 * <p>{@link #toString} never shows the passwords.
 *
 * @param certFile {@code cert-file}: the PEM certificate chain, leaf first; null with a keystore
 * @param keyFile {@code key-file}: the PEM private key (PKCS#8); null with a keystore
 * @param keyPassword {@code key-password}: the key file's password when it is encrypted, or null
 * @param keystoreFile {@code keystore-file}: a PKCS#12 key store with the key and chain, or null
 * @param keystorePassword {@code keystore-password}: its password ("" when absent)
 * @param clientAuth {@code client-auth}: whether clients present certificates
 * @param clientCaFile {@code client-ca-file}: the PEM CA certificates client certificates must
 *     chain to; null only when {@code client-auth} is {@code none}
 * @param protocols {@code protocols}: the TLS versions offered, TLSv1.2 and above only
 * @param reloadCheckMs {@code reload-check-ms}: how often the files are checked for changes, in
 *     milliseconds; 0: only on SIGHUP
 * @param engine {@code engine}: the TLS implementation, OpenSSL (BoringSSL, through Netty's
 *     tcnative) when it loads, else the JDK's
 */
public record TlsConfig(
        Path certFile,
        Path keyFile,
        String keyPassword,
        Path keystoreFile,
        String keystorePassword,
        ClientAuth clientAuth,
        Path clientCaFile,
        List<String> protocols,
        long reloadCheckMs,
        Engine engine) {

    /** The TLS implementation of a listener. */
    public enum Engine {
        /** OpenSSL when Netty's tcnative (BoringSSL) loads on this platform, else the JDK's. */
        AUTO,
        /** OpenSSL (BoringSSL through Netty's tcnative); the start fails where it does not load. */
        OPENSSL,
        /** The JDK's own (JSSE). */
        JDK;

        /** Its name in configuration: {@code auto}, {@code openssl}, {@code jdk}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** True when this runs on OpenSSL in this process. */
        public boolean openSsl() {
            return this == OPENSSL
                    || (this == AUTO && io.vertx.core.net.OpenSSLEngineOptions.isAvailable());
        }
    }

    private static Engine engine(JsonNode n, String at) {
        String v = ConfigNodes.text(n, at, "engine", "auto").trim();
        for (Engine e : Engine.values()) {
            if (e.wireName().equals(v)) {
                if (e == Engine.OPENSSL && !io.vertx.core.net.OpenSSLEngineOptions.isAvailable()) {
                    throw new ConfigException(
                            at
                                    + ".engine is openssl, but Netty's tcnative (BoringSSL) does not"
                                    + " load on this platform; use auto or jdk");
                }
                return e;
            }
        }
        throw new ConfigException(at + ".engine is '" + v + "'; expected auto, openssl or jdk");
    }

    /** Whether and how clients present certificates (mutual TLS). */
    public enum ClientAuth {
        /** Clients are not asked for a certificate. */
        NONE,
        /** Clients are asked; one that presents none is still served (as anonymous). */
        OPTIONAL,
        /** A client without a certificate of the CA fails the handshake. */
        REQUIRED;

        /** Its name in configuration: {@code none}, {@code optional}, {@code required}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The protocols accepted, newest first: the default. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** {@code reload-check-ms} by default: 10 s. */
    public static final long DEFAULT_RELOAD_CHECK_MS = 10_000;

    /** The longest {@code reload-check-ms}: a day. */
    public static final long MAX_RELOAD_CHECK_MS = 86_400_000;

    /** No TLS: the listener speaks clear text (the default). */
    public static final TlsConfig OFF =
            new TlsConfig(
                    null,
                    null,
                    null,
                    null,
                    null,
                    ClientAuth.NONE,
                    null,
                    DEFAULT_PROTOCOLS,
                    DEFAULT_RELOAD_CHECK_MS,
                    Engine.AUTO);

    static final Set<String> KEYS =
            Set.of(
                    "cert-file",
                    "key-file",
                    "key-password",
                    "keystore-file",
                    "keystore-password",
                    "client-auth",
                    "client-ca-file",
                    "protocols",
                    "reload-check-ms",
                    "engine");

    private static final Set<String> OLD_PROTOCOLS =
            Set.of("SSLv2", "SSLv2Hello", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1");

    /** Validates the combination (not the files: {@link TlsKeys#load} reads them). */
    public TlsConfig {
        java.util.Objects.requireNonNull(clientAuth, "clientAuth");
        protocols = List.copyOf(protocols);
        if ((certFile == null) != (keyFile == null)) {
            throw new ConfigException("tls needs both cert-file and key-file");
        }
        if (certFile != null && keystoreFile != null) {
            throw new ConfigException(
                    "tls takes cert-file and key-file, or keystore-file: not both");
        }
        if (certFile == null && keystoreFile == null && clientAuth != ClientAuth.NONE) {
            throw new ConfigException(
                    "tls client-auth needs cert-file and key-file or keystore-file");
        }
        if (clientAuth != ClientAuth.NONE && clientCaFile == null) {
            throw new ConfigException(
                    "tls client-auth " + clientAuth.wireName() + " needs client-ca-file");
        }
        if (keystoreFile != null && keystorePassword == null) {
            keystorePassword = "";
        }
    }

    /** True when the listener speaks TLS. */
    public boolean enabled() {
        return certFile != null || keystoreFile != null;
    }

    /** The files read: the chain and key or the keystore, and the client CA file. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (Path p : new Path[] {certFile, keyFile, keystoreFile, clientCaFile}) {
            if (p != null) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /** PEM files: {@code certFile} (the chain) and {@code keyFile}, without a password. */
    public static TlsConfig pem(Path certFile, Path keyFile) {
        return new TlsConfig(
                certFile,
                keyFile,
                null,
                null,
                null,
                ClientAuth.NONE,
                null,
                DEFAULT_PROTOCOLS,
                DEFAULT_RELOAD_CHECK_MS,
                Engine.AUTO);
    }

    /** A PKCS#12 key store. */
    public static TlsConfig pkcs12(Path keystoreFile, String password) {
        return new TlsConfig(
                null,
                null,
                null,
                keystoreFile,
                password,
                ClientAuth.NONE,
                null,
                DEFAULT_PROTOCOLS,
                DEFAULT_RELOAD_CHECK_MS,
                Engine.AUTO);
    }

    /** This with mutual TLS: {@code mode}, client certificates of the CAs in {@code caFile}. */
    public TlsConfig withClientAuth(ClientAuth mode, Path caFile) {
        return new TlsConfig(
                certFile,
                keyFile,
                keyPassword,
                keystoreFile,
                keystorePassword,
                mode,
                caFile,
                protocols,
                reloadCheckMs,
                engine);
    }

    /** This with its key file's password. */
    public TlsConfig withKeyPassword(String password) {
        return new TlsConfig(
                certFile,
                keyFile,
                password,
                keystoreFile,
                keystorePassword,
                clientAuth,
                clientCaFile,
                protocols,
                reloadCheckMs,
                engine);
    }

    /** This checking its files every {@code ms} milliseconds (0: only on SIGHUP). */
    public TlsConfig withReloadCheckMs(long ms) {
        return new TlsConfig(
                certFile,
                keyFile,
                keyPassword,
                keystoreFile,
                keystorePassword,
                clientAuth,
                clientCaFile,
                protocols,
                ms,
                engine);
    }

    /** This on TLS implementation {@code e}. */
    public TlsConfig withEngine(Engine e) {
        return new TlsConfig(
                certFile,
                keyFile,
                keyPassword,
                keystoreFile,
                keystorePassword,
                clientAuth,
                clientCaFile,
                protocols,
                reloadCheckMs,
                e);
    }

    /** This offering only {@code p} (checked as {@link #parse} does). */
    public TlsConfig withProtocols(List<String> p) {
        return new TlsConfig(
                certFile,
                keyFile,
                keyPassword,
                keystoreFile,
                keystorePassword,
                clientAuth,
                clientCaFile,
                protocols(p, "tls"),
                reloadCheckMs,
                engine);
    }

    /**
     * Parses {@code n} (at {@code at}, such as {@code gateway.security.api.tls}) and reads its
     * files; absent means {@link #OFF}.
     *
     * @throws ConfigException naming the key (and the file) that is wrong
     */
    public static TlsConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        Path cert = path(n, at, "cert-file");
        Path key = path(n, at, "key-file");
        Path keystore = path(n, at, "keystore-file");
        String keyPassword = ConfigNodes.text(n, at, "key-password", null);
        String keystorePassword = ConfigNodes.text(n, at, "keystore-password", null);
        if (keystore != null) {
            if (cert != null || key != null) {
                throw new ConfigException(
                        at
                                + " takes cert-file and key-file (PEM) or keystore-file (PKCS#12),"
                                + " not both");
            }
        } else if (cert == null && key == null) {
            throw new ConfigException(
                    at + " needs cert-file and key-file (PEM) or keystore-file (PKCS#12)");
        } else if (cert == null || key == null) {
            throw new ConfigException(
                    at
                            + (cert == null ? ".cert-file" : ".key-file")
                            + " is missing: PEM needs both cert-file and key-file");
        }
        if (keyPassword != null && key == null) {
            throw new ConfigException(at + ".key-password goes with key-file");
        }
        if (keystorePassword != null && keystore == null) {
            throw new ConfigException(at + ".keystore-password goes with keystore-file");
        }
        ClientAuth mode = clientAuth(n, at);
        Path ca = path(n, at, "client-ca-file");
        if (mode != ClientAuth.NONE && ca == null) {
            throw new ConfigException(
                    at
                            + ".client-ca-file is missing: client-auth "
                            + mode.wireName()
                            + " needs the CA certificates (PEM) client certificates must chain to");
        }
        if (mode == ClientAuth.NONE && ca != null) {
            throw new ConfigException(
                    at
                            + ".client-ca-file is set but client-auth is none; set client-auth to"
                            + " optional or required, or remove client-ca-file");
        }
        List<String> protocols = ConfigNodes.strings(n, at, "protocols");
        TlsConfig c =
                new TlsConfig(
                        cert,
                        key,
                        keyPassword,
                        keystore,
                        keystorePassword,
                        mode,
                        ca,
                        protocols.isEmpty() ? DEFAULT_PROTOCOLS : protocols(protocols, at),
                        ConfigNodes.number(
                                n,
                                at,
                                "reload-check-ms",
                                DEFAULT_RELOAD_CHECK_MS,
                                0,
                                MAX_RELOAD_CHECK_MS),
                        engine(n, at));
        TlsKeys.load(c, at); // the files: missing, unreadable, wrong password, key not matching
        return c;
    }

    private static Path path(JsonNode n, String at, String key) {
        String v = ConfigNodes.text(n, at, key, null);
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw new ConfigException(at + "." + key + " is empty; expected a file name");
        }
        return Path.of(v.trim());
    }

    private static ClientAuth clientAuth(JsonNode n, String at) {
        String v = ConfigNodes.text(n, at, "client-auth", "none").trim();
        for (ClientAuth a : ClientAuth.values()) {
            if (a.wireName().equals(v)) {
                return a;
            }
        }
        throw new ConfigException(
                at + ".client-auth is '" + v + "'; expected none, optional or required");
    }

    private static List<String> protocols(List<String> given, String at) {
        List<String> out = new ArrayList<>();
        for (String p : given) {
            if (OLD_PROTOCOLS.contains(p)) {
                throw new ConfigException(
                        at
                                + ".protocols has "
                                + p
                                + ", which is refused: it is older than TLSv1.2 and broken;"
                                + " accepted: TLSv1.3, TLSv1.2");
            }
            if (!DEFAULT_PROTOCOLS.contains(p)) {
                throw new ConfigException(
                        at + ".protocols has '" + p + "'; accepted: TLSv1.3, TLSv1.2");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException(at + ".protocols is empty; accepted: TLSv1.3, TLSv1.2");
        }
        return List.copyOf(out);
    }

    /** One line for the start log: the mode, never a password. */
    public String describe() {
        if (!enabled()) {
            return "clear text";
        }
        return "TLS "
                + String.join("/", protocols)
                + ", client certificates "
                + clientAuth.wireName()
                + (reloadCheckMs > 0
                        ? ", files checked every " + reloadCheckMs + " ms"
                        : ", files re-read on SIGHUP");
    }

    @Override
    public String toString() {
        return "TlsConfig[certFile="
                + certFile
                + ", keyFile="
                + keyFile
                + ", keyPassword="
                + (keyPassword == null ? "none" : "***")
                + ", keystoreFile="
                + keystoreFile
                + ", keystorePassword="
                + (keystorePassword == null ? "none" : "***")
                + ", clientAuth="
                + clientAuth.wireName()
                + ", clientCaFile="
                + clientCaFile
                + ", protocols="
                + protocols
                + ", reloadCheckMs="
                + reloadCheckMs
                + "]";
    }
}
