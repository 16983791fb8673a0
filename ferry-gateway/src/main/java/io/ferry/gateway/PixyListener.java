package io.ferry.gateway;

import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.ServerTls;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.net.BindException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the kafka-pixy listener ({@code gateway.kafka-pixy.*}): one HTTP server per event loop on
 * its own port, serving {@link PixyRestApi}. {@link #listen} is called from the thread starting the
 * gateway (not an event loop); the servers then run on the gateway's event loops.
 */
final class PixyListener {
    /* Design notes
     * The servers are the main port's kind (Gateway.deploy): HTTP/1.1 in Vert.x's strict thread
     * mode, no h2c, no WebSocket compression, the same request-line and header limits, one
     * ConnectionGuard per event loop with the gateway's timeouts. The instances are deployed
     * like the main port's, one per event loop, so a request is handled on an event loop that
     * also serves the main port (its broker producer is that thread's). They share the main port's
     * count of open connections: gateway.max-connections bounds both, as the fd limit does.
     */
    private static final Logger LOG = LoggerFactory.getLogger(PixyListener.class);

    private PixyListener() {}

    /**
     * Binds the listener on every event loop and returns its port.
     *
     * @param open the main port's count of open connections, shared
     * @param maxOpen gateway.max-connections in force
     * @param tls {@code gateway.security.kafka-pixy.tls}, or null for clear text
     * @throws IllegalStateException naming {@code gateway.kafka-pixy.port} when it cannot bind
     */
    static int listen(
            Vertx vertx,
            GatewayConfig config,
            PixyRestApi api,
            AtomicInteger open,
            int maxOpen,
            GatewayMetrics metrics,
            ServerTls tls) {
        KafkaPixyConfig k = config.kafkaPixy();
        int port = k.port() != 0 ? k.port() : freePort(k.host());
        GatewayConfig.Limits limits = config.limits();
        long sweepMs = ConnectionGuard.sweepMs(limits);
        HttpServerOptions options =
                new HttpServerOptions()
                        .setHost(k.host())
                        .setPort(port)
                        .setIdleTimeout((int) Math.max(1, limits.idleTimeoutMs()))
                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                        .setMaxInitialLineLength(8192)
                        .setMaxHeaderSize(16384)
                        .setHandle100ContinueAutomatically(true)
                        .setPerMessageWebSocketCompressionSupported(false)
                        .setPerFrameWebSocketCompressionSupported(false)
                        .setStrictThreadMode(true)
                        .setHttp2ClearTextEnabled(false);
        if (tls != null) {
            // HTTP/1.1 only, as kafka-pixy's REST clients speak
            tls.configure(options, false, limits.headerTimeoutMs());
        }
        Future<String> deployed =
                vertx.deployVerticle(
                        () ->
                                new VerticleBase() {
                                    @Override
                                    public Future<?> start() {
                                        ConnectionGuard guard =
                                                new ConnectionGuard(
                                                        "kafka-pixy",
                                                        false,
                                                        open,
                                                        maxOpen,
                                                        limits,
                                                        System::nanoTime,
                                                        api::bodyTimedOut,
                                                        metrics);
                                        vertx.setPeriodic(sweepMs, id -> guard.sweep());
                                        Context here = context;
                                        CallContext caller =
                                                CallContext.anonymous(
                                                                r ->
                                                                        here.runOnContext(
                                                                                v -> r.run()))
                                                        .on(Listener.KAFKA_PIXY);
                                        return vertx.createHttpServer(options)
                                                .connectionHandler(guard)
                                                .invalidRequestHandler(api::invalid)
                                                .requestHandler(
                                                        req ->
                                                                api.handle(
                                                                        req,
                                                                        guard.onRequest(req),
                                                                        caller))
                                                .listen()
                                                .onSuccess(
                                                        s -> {
                                                            if (tls != null) {
                                                                tls.register(s);
                                                            }
                                                        });
                                    }
                                },
                        new DeploymentOptions().setInstances(config.eventLoops()));
        try {
            deployed.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while starting the kafka-pixy listener", e);
        } catch (ExecutionException | TimeoutException e) {
            throw cannotBind(k.host(), port, e.getCause() == null ? e : e.getCause());
        }
        return port;
    }

    private static KafkaPixyConfig.CannotListen cannotBind(String host, int port, Throwable cause) {
        if (inUse(host, port, cause)) {
            return new KafkaPixyConfig.CannotListen(
                    "the kafka-pixy listener cannot listen on "
                            + host
                            + ":"
                            + port
                            + ": the port is in use; set gateway.kafka-pixy.port to a free port (0"
                            + " picks one), or gateway.kafka-pixy.enabled: false",
                    true,
                    cause);
        }
        return new KafkaPixyConfig.CannotListen(
                "the kafka-pixy listener cannot listen on "
                        + host
                        + ":"
                        + port
                        + ": "
                        + ApiException.describe(cause),
                false,
                cause);
    }

    /**
     * Whether the bind failed because the port is taken: a {@link BindException} (NIO), or, as the
     * epoll transport reports errno in an exception of its own, a plain bind of the port failing
     * now.
     */
    private static boolean inUse(String host, int port, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true); // as the servers bind: a port in TIME_WAIT is free
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), port));
            return false;
        } catch (BindException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket s =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "the kafka-pixy listener cannot find a free port on " + host + ": " + e, e);
        }
    }

    /**
     * The start lines: where it listens and its TLS mode, and a warning when it is exposed without
     * TLS or authentication ({@code security}: gateway.security.kafka-pixy).
     */
    static void logStarted(
            KafkaPixyConfig k,
            int port,
            ServerTls tls,
            io.ferry.gateway.security.ListenerSecurity security) {
        LOG.info(
                "kafka-pixy listener on {}://{}:{} ({}; kafka-pixy's REST API: produce, topics,"
                        + " _ping)",
                Gateway.scheme(tls),
                k.host(),
                port,
                Gateway.mode(tls));
        String warning = k.exposureWarning(port, security);
        if (warning != null) {
            LOG.warn("{}", warning);
        }
    }
}
