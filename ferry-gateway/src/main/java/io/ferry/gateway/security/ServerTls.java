package io.ferry.gateway.security;

import io.ferry.gateway.GatewayConfig.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's TLS ({@code gateway.security.<listener>.tls}): configures its HTTP servers and
 * swaps in a new certificate when the files change. {@link #configure} and {@link #register} are
 * called while the servers start (any thread, event loops included); {@link #checkOnce} only from
 * the one reload thread ({@link TlsReloads}), or a test.
 */
public final class ServerTls {
    /* Design notes
     * Rotation: checkOnce() fingerprints the files (SHA-256 of their bytes); when the fingerprint
     * differs from the one in use it loads them (TlsKeys.load checks the key against the
     * certificate) and hands the new options to every registered server's updateSSLOptions. Vert.x
     * swaps the SSL context of the port's actual server: new handshakes get the new certificate,
     * open connections keep their session. A failed load (a half-written pair, a wrong file) is
     * logged once per fingerprint and the old certificate stays; the next change is tried again.
     * Threads: `servers` is written by the event loops at start (copy-on-write), read by the
     * reload thread; `current` and `lastFailed` are the reload thread's only (volatile so a test
     * or a log line on another thread reads the latest).
     */
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /** What {@link #checkOnce} did. */
    public enum Outcome {
        /** The files are as in use (or as the last failed attempt). */
        UNCHANGED,
        /** A new certificate is in use. */
        RELOADED,
        /** The files changed but could not be used: the old certificate stays. */
        FAILED
    }

    private final String at;
    private final TlsConfig config;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    // only accessed by the reload thread (volatile for readers elsewhere)
    private volatile TlsKeys current;
    private volatile String lastFailed;

    /**
     * Loads the files of {@code config} (at {@code at}, such as {@code gateway.security.api.tls}).
     *
     * @throws ConfigException when they cannot be used
     */
    public ServerTls(String at, TlsConfig config) {
        if (!config.enabled()) {
            throw new IllegalArgumentException(at + " is off");
        }
        this.at = at;
        this.config = config;
        this.current = TlsKeys.load(config, at);
        warnIfExpired(current);
    }

    /** Its settings. */
    public TlsConfig config() {
        return config;
    }

    /** The setting's name, such as {@code gateway.security.api.tls}. */
    public String at() {
        return at;
    }

    /** The keys in use. */
    public TlsKeys current() {
        return current;
    }

    /**
     * Turns TLS on in {@code o}: the key and chain, client auth and its CAs, the protocols, ALPN
     * offering {@code h2} (and {@code http/1.1}) when {@code http2} (gRPC is served on the port),
     * else {@code http/1.1} only; a handshake must be done within {@code handshakeTimeoutMs} (the
     * listener's header timeout: a connection is counted and timed only once it is).
     */
    public HttpServerOptions configure(
            HttpServerOptions o, boolean http2, long handshakeTimeoutMs) {
        ServerSSLOptions s = current.sslOptions(config);
        o.setSsl(true)
                .setSslHandshakeTimeout(Math.max(1, handshakeTimeoutMs))
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setKeyCertOptions(s.getKeyCertOptions())
                .setClientAuth(s.getClientAuth())
                .setEnabledSecureTransportProtocols(s.getEnabledSecureTransportProtocols())
                .setUseAlpn(true)
                .setSslEngineOptions(
                        config.engine().openSsl()
                                ? new io.vertx.core.net.OpenSSLEngineOptions()
                                : new io.vertx.core.net.JdkSSLEngineOptions())
                .setAlpnVersions(
                        http2
                                ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)
                                : List.of(HttpVersion.HTTP_1_1));
        if (s.getTrustOptions() != null) {
            o.setTrustOptions(s.getTrustOptions());
        }
        return o;
    }

    /** Adds a server (listening) to those {@link #checkOnce} updates. */
    public void register(HttpServer s) {
        servers.add(s);
    }

    /**
     * Checks the files once; when they changed, loads them and updates every server, waiting for
     * each update. Reload thread only (it blocks).
     */
    public Outcome checkOnce() {
        String now;
        try {
            now = TlsKeys.fingerprint(config, at);
        } catch (ConfigException e) {
            return failed("unreadable:" + e.getMessage(), e.getMessage());
        }
        if (now.equals(current.fingerprint()) || now.equals(lastFailed)) {
            return Outcome.UNCHANGED;
        }
        TlsKeys next;
        try {
            next = TlsKeys.load(config, at);
        } catch (ConfigException e) {
            return failed(now, e.getMessage());
        }
        ServerSSLOptions options = next.sslOptions(config);
        for (HttpServer s : servers) {
            Future<Boolean> f = s.updateSSLOptions(options);
            try {
                f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failed(now, "interrupted while updating the servers");
            } catch (java.util.concurrent.ExecutionException
                    | java.util.concurrent.TimeoutException e) {
                return failed(
                        now,
                        "the servers refused the new certificate: "
                                + (e.getCause() == null ? e : e.getCause())
                                        .getClass()
                                        .getSimpleName());
            }
        }
        current = next;
        lastFailed = null;
        warnIfExpired(next);
        LOG.info(
                "{}: reloaded the certificate, now serving {} from {}; new connections get it,"
                        + " open ones keep theirs",
                at,
                next.describeCertificate(),
                config.files());
        return Outcome.RELOADED;
    }

    private Outcome failed(String fingerprint, String why) {
        if (!fingerprint.equals(lastFailed)) {
            lastFailed = fingerprint;
            LOG.warn(
                    "{}: the changed files cannot be used, still serving {}: {}; fix the files,"
                            + " they are checked again when they change",
                    at,
                    current.describeCertificate(),
                    why);
        }
        return Outcome.FAILED;
    }

    private void warnIfExpired(TlsKeys k) {
        // a log line only: no decision depends on the wall clock
        java.time.Instant now = java.time.Instant.now();
        if (k.certificate().getNotAfter().toInstant().isBefore(now)) {
            LOG.warn(
                    "{}: the certificate {} has expired; clients will refuse it",
                    at,
                    k.describeCertificate());
        } else if (k.certificate().getNotBefore().toInstant().isAfter(now)) {
            LOG.warn(
                    "{}: the certificate {} is not valid yet; clients will refuse it",
                    at,
                    k.describeCertificate());
        }
    }
}
