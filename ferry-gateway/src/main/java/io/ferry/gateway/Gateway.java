package io.ferry.gateway;

import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.ServerTls;
import io.ferry.gateway.security.TlsConfig;
import io.ferry.gateway.security.TlsReloads;
import io.ferry.kafka.consume.ConsumeEngine;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's server: the HTTP API and the gRPC services over one {@link ClusterRuntime} per configured
 * Kafka cluster. {@link #start} and {@link #shutdown} may be called from any thread (not an event
 * loop).
 *
 * <pre>{@code
 * try (Gateway g = Gateway.start(GatewayConfig.load(Path.of("ferry.yaml")))) {
 *     // serving on g.port() until shutdown()
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
    /* Design notes
     * Threads: `event-loops` Vert.x event loops, each running one instance of the HTTP verticle
     * (its own HttpServer on the shared port; with gateway.kafka-pixy.enabled also one server of
     * the kafka-pixy listener, PixyListener; where gRPC is served, its own GrpcServer); the
     * pipelines' engine threads; the caller's thread for start and shutdown.
     * Shutdown (graceful, SIGTERM): 1. every new request gets 503 (healthz and metrics still
     * answer); 2. wait for the requests in progress (ack=kafka ones wait for Kafka) until the
     * deadline; 3. each pipeline drains its broker into Kafka with the time left and reports what it
     * could not deliver; 4. the HTTP servers and Vert.x close.
     */
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final Map<String, ClusterRuntime> clusters;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final Vertx vertx;
    private final HttpApi api;

    /** The doors of Ferry's API (HTTP and gRPC), the kafka-pixy listener, the management port. */
    private final Door apiDoor;

    private final Door pixyDoor;
    private final Door managementDoor;

    /** The kafka-pixy listener's routes (served only when gateway.kafka-pixy.enabled). */
    private final PixyRestApi pixy;

    /** The gRPC services (Ferry's and kafka-pixy's), null when gateway.grpc.port is off. */
    private final GrpcApi grpc;

    /** The transport-neutral services the front ends adapt (HttpApi, GrpcApi, PixyRestApi). */
    private final ProduceService produceService;

    private final ClusterQueries queries;

    /** Consumption for every front end: groups, long polls, acknowledgements, offsets. */
    private final ConsumeService consumeService;

    private final AtomicInteger port = new AtomicInteger();
    private final AtomicInteger managementPort = new AtomicInteger(GatewayConfig.MANAGEMENT_OFF);
    private final AtomicInteger kafkaPixyPort = new AtomicInteger(KAFKA_PIXY_OFF);
    private final AtomicInteger grpcPort = new AtomicInteger(GrpcSettings.OFF);

    /** Open connections of the main port, over every event loop. */
    private final AtomicInteger openConnections = new AtomicInteger();

    /** Open connections of the management port. */
    private final AtomicInteger openManagementConnections = new AtomicInteger();

    /** gateway.max-connections, or the limit derived from the fd limit at start. */
    private final int maxConnections;

    /** TLS of Ferry's API (HTTP and gRPC ports), the management port, kafka-pixy; null: off. */
    private volatile ServerTls apiTls;

    private volatile ServerTls managementTls;
    private volatile ServerTls pixyTls;

    /** Re-reads the certificate files of the TLS listeners; null without TLS. */
    private volatile TlsReloads tlsReloads;

    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    private volatile boolean shuttingDown;
    private volatile FatalErrors fatal;
    private volatile Boolean shutdownResult;

    private Gateway(
            GatewayConfig config, Map<String, ClusterRuntime> clusters, LongSupplier limitClock) {
        this.config = config;
        this.clusters = clusters;
        clusters.values().forEach(metrics::cluster);
        this.vertx =
                Vertx.vertx(
                        new VertxOptions()
                                .setEventLoopPoolSize(config.eventLoops())
                                .setPreferNativeTransport(config.nativeTransport()));
        Timers timers =
                new Timers() {
                    @Override
                    public long schedule(long delayMs, Runnable task) {
                        // on an event loop: the timer fires on the caller's own context
                        return vertx.setTimer(Math.max(1, delayMs), id -> task.run());
                    }

                    @Override
                    public void cancel(long id) {
                        vertx.cancelTimer(id);
                    }
                };
        try {
            var security = config.security();
            LongSupplier wall = System::currentTimeMillis;
            this.apiDoor =
                    Door.of(
                            "api",
                            security.api(),
                            "gateway.security.api",
                            metrics,
                            vertx,
                            wall,
                            limitClock);
            this.pixyDoor =
                    Door.of(
                            "kafka-pixy",
                            security.kafkaPixy(),
                            "gateway.security.kafka-pixy",
                            metrics,
                            vertx,
                            wall,
                            limitClock);
            this.managementDoor =
                    Door.of(
                            "management",
                            security.management(),
                            "gateway.security.management",
                            metrics,
                            vertx,
                            wall,
                            limitClock);
        } catch (RuntimeException e) {
            vertx.close();
            metrics.close();
            throw e;
        }
        Authorizer authorizer =
                new RuleAuthorizer(
                        config.security(), new RefusalAudit(metrics.registry, config.security()));
        this.produceService = new ProduceService(clusters, authorizer, timers);
        this.queries = new ClusterQueries(clusters, this::shuttingDown, authorizer);
        this.consumeService = consumeService(config, clusters, authorizer);
        consumeService.onTick(new ConsumeMetrics(metrics.registry, consumeService)::refresh);
        this.api =
                new HttpApi(
                        this, config, metrics, produceService, queries, apiDoor, managementDoor);
        var consume = new PixyConsumeHttp(consumeService, config.retryAfterSeconds());
        this.pixy =
                new PixyRestApi(
                        this, config, metrics, produceService, queries, api, consume, pixyDoor);
        this.grpc =
                config.grpc().port() == GrpcSettings.OFF
                        ? null
                        : new GrpcApi(this, config, produceService, queries, apiDoor);
        this.maxConnections =
                config.limits().maxConnections() > 0
                        ? config.limits().maxConnections()
                        : FdLimits.derivedMaxConnections(FdLimits.maxFds(), FdLimits.openFds());
        metrics.connections(openConnections, openManagementConnections, api);
    }

    private static ConsumeService consumeService(
            GatewayConfig config, Map<String, ClusterRuntime> clusters, Authorizer authorizer) {
        Map<String, ConsumeCluster> consume = new LinkedHashMap<>();
        clusters.forEach(
                (name, rt) -> {
                    ConsumeConfig cc = config.clusters().get(name).consume();
                    consume.put(
                            name,
                            new ConsumeCluster(
                                    name,
                                    rt,
                                    cc,
                                    () ->
                                            ConsumeEngine.start(
                                                    rt.kafka(),
                                                    cc.engineSettings(),
                                                    rt.consumeDeadLetter()),
                                    System::currentTimeMillis));
                });
        return new ConsumeService(consume, config.defaultCluster(), authorizer);
    }

    /** Consumption, for the front ends. */
    ConsumeService consumeService() {
        return consumeService;
    }

    /** The network transport in use: {@code epoll} (native) or {@code nio}. */
    String transport() {
        return vertx.isNativeTransportEnabled() ? "epoll" : "nio";
    }

    /**
     * Connects to every cluster, starts their brokers and the HTTP server.
     *
     * @throws GatewayConfig.ConfigException or {@link io.ferry.broker.BrokerConfigException} for a
     *     bad setting
     * @throws IllegalStateException when the port cannot be bound (Kafka need not be up: each
     *     cluster connects in the background, and /readyz says how it goes)
     */
    public static Gateway start(GatewayConfig config) {
        return start(config, System::nanoTime);
    }

    /**
     * {@link #start(GatewayConfig)} with the rate limiters on {@code limitClock} (nanoseconds; a
     * test's own clock, so that nothing refills unless the test says so).
     */
    static Gateway start(GatewayConfig config, LongSupplier limitClock) {
        Map<String, ClusterRuntime> clusters = new LinkedHashMap<>();
        long maxHeap = Runtime.getRuntime().maxMemory();
        int sharers =
                (int)
                        config.clusters().values().stream()
                                .filter(c -> MemoryBounds.unboundedMemoryBroker(c.broker()))
                                .count();
        try {
            for (Map.Entry<String, GatewayConfig.Cluster> c : config.clusters().entrySet()) {
                GatewayConfig.Cluster bounded =
                        new GatewayConfig.Cluster(
                                c.getValue().kafka(),
                                MemoryBounds.withHeapBound(c.getValue().broker(), maxHeap, sharers),
                                c.getValue().deadLetter(),
                                c.getValue().consume());
                MemoryBounds.warnIfOverHeap(c.getKey(), bounded.broker(), maxHeap);
                clusters.put(c.getKey(), new ClusterRuntime(c.getKey(), bounded));
                LOG.info(
                        "cluster {}: started (Kafka at {}, broker {}{}); /readyz says when Kafka answers",
                        c.getKey(),
                        c.getValue().kafka().bootstrapServers(),
                        bounded.broker(),
                        MemoryBounds.unboundedMemoryBroker(c.getValue().broker())
                                ? " (bytes: a share of the max heap, " + (maxHeap >> 20) + " MiB)"
                                : "");
            }
        } catch (RuntimeException e) {
            clusters.values().forEach(ClusterRuntime::close);
            throw e;
        }
        Gateway g;
        try {
            g = new Gateway(config, Map.copyOf(clusters), limitClock);
        } catch (RuntimeException e) {
            clusters.values().forEach(ClusterRuntime::close);
            throw e;
        }
        try {
            g.listen();
        } catch (RuntimeException e) {
            g.closeTlsReloads();
            g.vertx.close();
            g.consumeService.close();
            g.metrics.close();
            clusters.values().forEach(ClusterRuntime::close);
            throw e;
        }
        LOG.info(
                "gateway listening on {}://{}:{} ({}; {} event loops, {} transport, default cluster '{}', default ack {}, max-connections {}{})",
                scheme(g.apiTls),
                config.host(),
                g.port(),
                mode(g.apiTls),
                config.eventLoops(),
                g.transport(),
                config.defaultCluster(),
                config.defaultAck().wireName(),
                g.maxConnections,
                config.limits().maxConnections() > 0
                        ? ""
                        : " derived from the fd limit " + FdLimits.maxFds());
        if (g.grpcPort() != GrpcSettings.OFF) {
            LOG.info(
                    "gRPC (ferry.v1.Ferry, KafkaPixy) on {}:{} over {}{}",
                    config.host(),
                    g.grpcPort(),
                    g.apiTls == null
                            ? "HTTP/2 cleartext"
                            : "HTTP/2 with " + mode(g.apiTls) + " (ALPN h2)",
                    config.grpc().ownPort()
                            ? " (a port of its own: the HTTP port stays HTTP/1.1)"
                            : " (the HTTP port)");
        }
        if (g.managementPort() != GatewayConfig.MANAGEMENT_OFF) {
            LOG.info(
                    "management port listening on {}://{}:{} ({}; /healthz, /readyz, /metrics; at most {} connections)",
                    scheme(g.managementTls),
                    config.host(),
                    g.managementPort(),
                    mode(g.managementTls),
                    MANAGEMENT_MAX_CONNECTIONS);
        }
        if (g.kafkaPixyPort() != KAFKA_PIXY_OFF) {
            PixyListener.logStarted(
                    config.kafkaPixy(),
                    g.kafkaPixyPort(),
                    g.pixyTls,
                    config.security().kafkaPixy());
        }
        for (String w : Exposure.api(config, g.port(), g.grpcPort())) {
            LOG.warn("{}", w);
        }
        if (config.nativeTransport() && !g.vertx.isNativeTransportEnabled()) {
            LOG.warn(
                    "gateway: the native (epoll) transport did not load, using Java NIO: {}",
                    String.valueOf(g.vertx.unavailableNativeTransportCause()));
        }
        return g;
    }

    /** {@code https} with TLS, else {@code http}. */
    static String scheme(ServerTls tls) {
        return tls == null ? "http" : "https";
    }

    /** The TLS mode for a start line. */
    static String mode(ServerTls tls) {
        return tls == null ? "clear text" : tls.config().describe();
    }

    /** The TLS of {@code c}'s listener {@code at}, or null when off; reads the files. */
    private static ServerTls tls(TlsConfig c, String at) {
        return c.enabled() ? new ServerTls(at, c) : null;
    }

    private void closeTlsReloads() {
        TlsReloads r = tlsReloads;
        if (r != null) {
            r.close();
        }
    }

    /** The management port's own limit of open connections (a few monitoring clients). */
    static final int MANAGEMENT_MAX_CONNECTIONS = 64;

    private void listen() {
        apiTls = tls(config.security().api().tls(), "gateway.security.api.tls");
        managementTls =
                tls(config.security().management().tls(), "gateway.security.management.tls");
        pixyTls =
                config.kafkaPixy().enabled()
                        ? tls(
                                config.security().kafkaPixy().tls(),
                                "gateway.security.kafka-pixy.tls")
                        : null;
        // Vert.x shares one port between the servers of the instances only when they ask for the
        // same port: port 0 is resolved to a free port first
        int p = config.port() != 0 ? config.port() : freePort(config.host());
        boolean sharedGrpc = config.grpc().port() == GrpcSettings.SAME_PORT;
        deploy(p, false, sharedGrpc, config.eventLoops(), openConnections, maxConnections, apiTls);
        port.set(p);
        if (config.grpc().ownPort()) {
            int own = config.grpc().ownPort(config.port());
            int gp = own != 0 ? own : freePort(config.host());
            // its connections count against the same gateway.max-connections as the HTTP port's
            deploy(gp, false, true, config.eventLoops(), openConnections, maxConnections, apiTls);
            grpcPort.set(gp);
        } else if (sharedGrpc) {
            grpcPort.set(p);
        }
        if (config.managementPort() != GatewayConfig.MANAGEMENT_OFF) {
            int m =
                    config.managementPort() != 0
                            ? config.managementPort()
                            : freePort(config.host());
            deploy(
                    m,
                    true,
                    false,
                    1,
                    openManagementConnections,
                    MANAGEMENT_MAX_CONNECTIONS,
                    managementTls);
            managementPort.set(m);
        }
        if (config.kafkaPixy().enabled()) {
            kafkaPixyPort.set(
                    PixyListener.listen(
                            vertx,
                            config,
                            pixy,
                            openConnections,
                            maxConnections,
                            metrics,
                            pixyTls));
        }
        List<ServerTls> withTls = new ArrayList<>();
        for (ServerTls t : new ServerTls[] {apiTls, managementTls, pixyTls}) {
            if (t != null) {
                withTls.add(t);
            }
        }
        boolean apiKeys = false;
        for (ListenerSecurity l :
                new ListenerSecurity[] {
                    config.security().api(),
                    config.security().kafkaPixy(),
                    config.security().management()
                }) {
            apiKeys |= l.authentication().apiKeys() != null;
        }
        if (!withTls.isEmpty() || apiKeys) {
            // SIGHUP re-reads the certificates and the API key files at once
            tlsReloads = TlsReloads.start(withTls, this::reloadSecurity);
        }
    }

    /**
     * Deploys {@code instances} HTTP servers on port {@code p}, each on its event loop with its
     * {@link ConnectionGuard}; with {@code grpc}, the port also speaks HTTP/2 cleartext and sends
     * {@code application/grpc} requests to the gRPC services; with {@code tls}, the port speaks TLS
     * (ALPN offering h2 only where gRPC is served) and its servers are updated on rotation.
     */
    private void deploy(
            int p,
            boolean management,
            boolean grpc,
            int instances,
            AtomicInteger open,
            int maxOpen,
            ServerTls tls) {
        GatewayConfig.Limits limits = config.limits();
        long sweepMs = ConnectionGuard.sweepMs(limits);
        HttpServerOptions options =
                new HttpServerOptions()
                        .setHost(config.host())
                        .setPort(p)
                        .setIdleTimeout((int) Math.max(1, limits.idleTimeoutMs()))
                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                        .setMaxInitialLineLength(8192)
                        .setMaxHeaderSize(16384)
                        .setHandle100ContinueAutomatically(true)
                        // no WebSocket endpoints: without these Netty's WebSocket extension handler
                        // sits in
                        // every connection's pipeline and inspects every request and response
                        .setPerMessageWebSocketCompressionSupported(false)
                        .setPerFrameWebSocketCompressionSupported(false)
                        // every read and write of a request and its answer happens on the request's
                        // event
                        // loop (answers that wait for Kafka come back through its context): Vert.x
                        // can then
                        // skip its outbound message queue (HTTP/1.1 connections only).
                        .setStrictThreadMode(true)
                        // h2c (prior knowledge and upgrade) only where gRPC is served: Vert.x then
                        // makes a connection (and calls ConnectionGuard) only once its first
                        // bytes arrive, so the header timeout and max-connections cannot see
                        // silent connections (docs/gateway.md, "gRPC")
                        .setHttp2ClearTextEnabled(grpc && tls == null);
        if (tls != null) {
            tls.configure(options, grpc, limits.headerTimeoutMs());
        }
        await(
                vertx.deployVerticle(
                        () ->
                                new VerticleBase() {
                                    @Override
                                    public Future<?> start() {
                                        ConnectionGuard guard =
                                                new ConnectionGuard(
                                                        management ? "management" : "main",
                                                        management,
                                                        open,
                                                        maxOpen,
                                                        limits,
                                                        System::nanoTime,
                                                        api::bodyTimedOut,
                                                        metrics);
                                        vertx.setPeriodic(sweepMs, id -> guard.sweep());
                                        // anonymous until the gateway authenticates; the
                                        // services continue on this server's own context
                                        io.vertx.core.Context here = context;
                                        CallContext caller =
                                                CallContext.anonymous(
                                                        r -> here.runOnContext(v -> r.run()));
                                        io.vertx.grpc.server.GrpcServer rpc =
                                                grpc
                                                        ? Gateway.this.grpc.server(vertx, caller)
                                                        : null;
                                        return vertx.createHttpServer(options)
                                                .connectionHandler(guard)
                                                .invalidRequestHandler(api::invalid)
                                                .requestHandler(
                                                        req -> {
                                                            ConnectionGuard.Conn c =
                                                                    guard.onRequest(req);
                                                            if (rpc != null
                                                                    && GrpcApi.isGrpc(req)) {
                                                                rpc.handle(req);
                                                            } else {
                                                                api.handle(
                                                                        req, c, management, caller);
                                                            }
                                                        })
                                                .listen()
                                                .onSuccess(
                                                        s -> {
                                                            if (tls != null) {
                                                                tls.register(s);
                                                            }
                                                        });
                                    }
                                },
                        new DeploymentOptions().setInstances(instances)),
                "binding " + config.host() + ":" + p);
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket s =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot find a free port on " + host + ": " + e, e);
        }
    }

    private static <T> T await(Future<T> f, String what) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    what + " failed: " + (e.getCause() == null ? e : e.getCause()), e);
        }
    }

    /** The HTTP port bound. */
    public int port() {
        return port.get();
    }

    /**
     * The port gRPC is served on: the HTTP port, a port of its own, or {@link GrpcSettings#OFF}.
     */
    public int grpcPort() {
        return grpcPort.get();
    }

    /** The management port bound, or {@link GatewayConfig#MANAGEMENT_OFF}. */
    public int managementPort() {
        return managementPort.get();
    }

    /** {@link #kafkaPixyPort} when the kafka-pixy listener is off. */
    public static final int KAFKA_PIXY_OFF = -1;

    /** The kafka-pixy listener's port bound, or {@link #KAFKA_PIXY_OFF}. */
    public int kafkaPixyPort() {
        return kafkaPixyPort.get();
    }

    /** The limit of open connections on the main port in force (configured or derived). */
    public int maxConnections() {
        return maxConnections;
    }

    /** Events the brokers of every cluster hold now (accepted, not yet acknowledged by Kafka). */
    public long bufferedEvents() {
        return clusters.values().stream().mapToLong(ClusterRuntime::bufferedEvents).sum();
    }

    /** The configuration. */
    public GatewayConfig config() {
        return config;
    }

    Map<String, ClusterRuntime> clusters() {
        return clusters;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    /**
     * From now on an Error in any thread, or any exception that kills a {@code ferry-*} thread,
     * marks the gateway failed ({@code /healthz} 503, produce requests 503) and exits the process
     * through {@code exit} with status {@value FatalErrors#EXIT_STATUS}. For the {@code ferry}
     * command; an application embedding the gateway decides for itself. Any thread.
     */
    public void failFast(java.util.function.IntConsumer exit) {
        FatalErrors f = new FatalErrors(exit, config.shutdownTimeoutMs() + 5_000);
        fatal = f;
        Thread.setDefaultUncaughtExceptionHandler(f);
        vertx.exceptionHandler(f::onVertxException);
        if (Boolean.FALSE.equals(FatalErrors.exitsOnOutOfMemory())) {
            LOG.warn(
                    "the JVM runs without -XX:+ExitOnOutOfMemoryError: an OutOfMemoryError that"
                            + " Netty or Vert.x catch may leave the gateway half alive (./ferry"
                            + " passes it)");
        }
    }

    /** What made the gateway fail (see {@link #failFast}), or null. */
    String failure() {
        FatalErrors f = fatal;
        return f == null ? null : f.failure();
    }

    /**
     * Re-reads the security files of every listener now (the API key files; a SIGHUP). Any thread
     * but an event loop (it reads files); true when something changed.
     */
    public boolean reloadSecurity() {
        boolean a = apiDoor.reload();
        boolean k = pixyDoor.reload();
        boolean m = managementDoor.reload();
        return a || k || m;
    }

    /** Called after every request; completes {@code idle} once shutting down with none left. */
    void requestEnded() {
        if (shuttingDown && requestsInProgress() == 0) {
            idle.complete(null);
        }
    }

    /**
     * The first step of {@link #shutdown}: from now on new requests get 503, and the engines send
     * what they hold without waiting for linger.ms. Idempotent.
     */
    synchronized void beginShutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        long buffered = clusters.values().stream().mapToLong(ClusterRuntime::bufferedEvents).sum();
        LOG.info(
                "shutting down: new requests get 503; {} requests in progress, {} events buffered; draining within {} ms",
                requestsInProgress(),
                buffered,
                config.shutdownTimeoutMs());
        clusters.values().forEach(c -> c.pipeline.engine().flush());
        if (grpc != null) {
            grpc.beginShutdown(); // consume streams end (UNAVAILABLE) instead of holding it
        }
        requestEnded();
    }

    /** Requests in progress now: the main port, the kafka-pixy listener and gRPC calls. */
    int requestsInProgress() {
        return api.inFlight() + pixy.inFlight() + (grpc == null ? 0 : grpc.inFlight());
    }

    /**
     * Graceful shutdown within {@code gateway.shutdown-timeout-ms}: new requests get 503, the
     * requests in progress finish, the brokers drain into Kafka; logs what could not be delivered.
     * Idempotent.
     *
     * @return true when everything accepted was settled (delivered or failed for good with a
     *     reason)
     */
    public synchronized boolean shutdown() {
        if (shutdownResult != null) {
            return shutdownResult;
        }
        long deadline =
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownTimeoutMs());
        beginShutdown();
        consumeService.close(); // waiting long polls are answered; each group commits and leaves
        try {
            idle.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn(
                    "shutdown: {} requests still in progress at the deadline",
                    requestsInProgress());
        }
        boolean all = true;
        for (ClusterRuntime c : clusters.values()) {
            all &= c.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("closing the HTTP server: {}", e.toString());
        }
        closeTlsReloads();
        metrics.close();
        LOG.info(
                "gateway stopped; {}",
                all
                        ? "everything accepted was delivered or reported"
                        : "some events could not be delivered (see above)");
        shutdownResult = all;
        return all;
    }

    @Override
    public void close() {
        shutdown();
    }
}
