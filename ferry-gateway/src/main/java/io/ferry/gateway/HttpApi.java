package io.ferry.gateway;

import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.TopicInfo;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP routes of the gateway: every path both unprefixed (the default cluster) and under {@code
 * /clusters/{cluster}}. Handlers run on Vert.x event-loop threads and never block; answers that
 * wait for Kafka are written back on the request's own context.
 */
// timers[] is indexed by Route.ordinal(): no map lookup per request
@SuppressWarnings("EnumOrdinal")
final class HttpApi {
    /* Design notes
     * Dispatch is Ferry's own: a handful of fixed paths, matched by prefix and segment without a
     * regular expression or a routing context per request. Vert.x Web's Router took about a tenth
     * of the event-loop samples of a single POST in a profile; replacing it saved a few percent
     * of CPU per request (docs/gateway.md, "Second round"). Every request is counted in flight and timed from its head to its end (or
     * the connection's close), by route and status. Two routes may share a path (GET and POST of
     * /records and /offsets: consume and produce, read and set): the method picks the route. A
     * request may leave a hook (Exchange.abandoned) that runs when its connection closes before
     * its answer: a consume long poll cancels its take there.
     */
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final CharSequence APPLICATION_JSON =
            HttpHeaders.createOptimized("application/json");
    private static final String CLUSTERS = "/clusters/";
    private static final String TOPICS = "/topics";

    /** The gateway's paths; the pattern names the route in metrics. */
    // HttpMethod is immutable; Vert.x does not annotate it
    @SuppressWarnings("ImmutableEnumChecker")
    enum Route {
        MESSAGES(
                HttpMethod.POST,
                "/topics/:topic/messages",
                "ack",
                "key",
                "keyEncoding",
                "partition",
                "timestamp"),
        RECORDS(HttpMethod.POST, "/topics/:topic/records", "ack"),
        CONSUME(HttpMethod.GET, "/topics/:topic/records", "group", "max", "wait", "format"),
        ACKS(HttpMethod.POST, "/topics/:topic/acks", "group"),
        RELEASES(HttpMethod.POST, "/topics/:topic/releases", "group"),
        OFFSETS(HttpMethod.GET, "/topics/:topic/offsets", "group"),
        SET_OFFSETS(HttpMethod.POST, "/topics/:topic/offsets", "group"),
        GROUPS(HttpMethod.GET, "/topics/:topic/groups", "group"),
        TOPIC(HttpMethod.GET, "/topics/:topic"),
        TOPIC_LIST(HttpMethod.GET, "/topics"),
        HEALTH(HttpMethod.GET, "/healthz"),
        READY(HttpMethod.GET, "/readyz"),
        METRICS(HttpMethod.GET, "/metrics"),
        OPENAPI(HttpMethod.GET, "/openapi.yaml");

        final HttpMethod method;
        final String pattern;

        /** The query parameters it takes; any other is refused (QueryCheck). */
        final java.util.Set<String> params;

        Route(HttpMethod method, String pattern, String... params) {
            this.method = method;
            this.pattern = pattern;
            this.params = java.util.Set.of(params);
        }

        /**
         * Operations routes: not limited by gateway.max-concurrent-requests, not refused while
         * shutting down (/readyz then answers 503 itself), and the only ones on the management
         * port.
         */
        boolean ops() {
            return this == HEALTH || this == READY || this == METRICS;
        }

        /** Answers HEAD as GET: every GET route but consume, which takes messages. */
        boolean answersHead() {
            return method.equals(HttpMethod.GET) && this != CONSUME;
        }

        /**
         * Its {@code route} label in metrics: the pattern (under {@code /clusters/:cluster} when
         * {@code clustered}), with {@code GET } before it when a POST route has the same pattern
         * ({@code GET /topics/:topic/records} is consume).
         */
        String label(boolean clustered) {
            String p = clustered ? "/clusters/:cluster" + pattern : pattern;
            for (Route r : values()) {
                if (r != this && r.pattern.equals(pattern) && method.equals(HttpMethod.GET)) {
                    return "GET " + p;
                }
            }
            return p;
        }

        /** The {@code Allow} header of its path: the methods of every route of the pattern. */
        String allow() {
            boolean get = false;
            boolean head = false;
            boolean post = false;
            for (Route r : values()) {
                if (r.pattern.equals(pattern)) {
                    get |= r.method.equals(HttpMethod.GET);
                    head |= r.answersHead();
                    post |= r.method.equals(HttpMethod.POST);
                }
            }
            String a = (get ? ", GET" : "") + (head ? ", HEAD" : "") + (post ? ", POST" : "");
            return a.substring(2);
        }
    }

    private final Gateway gateway;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final Produce produce;
    private final ClusterQueries queries;
    private final ConsumeHttp consume;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Request-body bytes in progress, bounded by gateway.max-in-flight-body-bytes. */
    final BodyBudget bodies;

    private final byte[] openApi;

    /** Per route, the timers of its unprefixed [0] and /clusters/{cluster} [1] form. */
    private final GatewayMetrics.RouteTimers[][] timers =
            new GatewayMetrics.RouteTimers[Route.values().length][];

    /** The timers of requests that matched no route. */
    private final GatewayMetrics.RouteTimers otherTimers;

    /** Per POST route (by ordinal), what runs once its body is read. */
    private final BodyReader.Then[] afterBody = new BodyReader.Then[Route.values().length];

    /** The doors of the main port and of the management port (docs/security.md). */
    private final Door door;

    private final Door managementDoor;

    /** Per route (by ordinal), what runs once the request passed its door. */
    private final Door.Then[] afterDoor = new Door.Then[Route.values().length];

    /** Answers a refusal at the door (CORS, before the route matters). */
    private final Door.Refused atDoor = this::refusedAtDoor;

    HttpApi(
            Gateway gateway,
            GatewayConfig config,
            GatewayMetrics metrics,
            ProduceService service,
            ClusterQueries queries,
            Door door,
            Door managementDoor) {
        this.gateway = gateway;
        this.door = door;
        this.managementDoor = managementDoor;
        this.config = config;
        this.metrics = metrics;
        this.produce = new Produce(this, config, service);
        this.queries = queries;
        this.consume = new ConsumeHttp(this, config, gateway.consumeService());
        this.bodies =
                new BodyBudget(
                        config.limits().maxInFlightBodyBytes() > 0
                                ? config.limits().maxInFlightBodyBytes()
                                : MemoryBounds.inFlightBodyBytes(
                                        Runtime.getRuntime().maxMemory(), config.maxBodyBytes()));
        this.otherTimers = metrics.route("other");
        for (Route r : Route.values()) {
            timers[r.ordinal()] =
                    r == Route.OPENAPI
                            ? new GatewayMetrics.RouteTimers[] {otherTimers, otherTimers}
                            : new GatewayMetrics.RouteTimers[] {
                                metrics.route(r.label(false)), metrics.route(r.label(true))
                            };
            afterBody[r.ordinal()] = new RunAfterBody(r);
            afterDoor[r.ordinal()] = new AfterDoor(r);
        }
        try (InputStream in = HttpApi.class.getResourceAsStream("/openapi.yaml")) {
            this.openApi = in == null ? new byte[0] : in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests being handled now. */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Every request: matches its path, admits it, reads its body (POST) and runs its route. {@code
     * conn} is its connection's state (null when untracked); {@code management}: it came on the
     * management port, which serves only the operations routes; {@code caller} is the caller the
     * services hear of (anonymous, on the server's event-loop context).
     */
    void handle(
            HttpServerRequest req,
            ConnectionGuard.Conn conn,
            boolean management,
            CallContext caller) {
        long start = System.nanoTime();
        String path = req.path();
        String cluster = null;
        String rest = path;
        if (path.startsWith(CLUSTERS)) {
            int slash = path.indexOf('/', CLUSTERS.length());
            if (slash > CLUSTERS.length()) {
                cluster = Exchange.pathSegment(path.substring(CLUSTERS.length(), slash));
                rest = path.substring(slash);
            } else {
                rest = null;
            }
        }
        Route route = null; // null: no such path (404)
        String topic = null;
        if (rest == null) {
            // "/clusters/" without a cluster name and a path after it
        } else if (rest.startsWith(TOPICS)) {
            if (rest.length() == TOPICS.length()) {
                route = Route.TOPIC_LIST;
            } else if (rest.charAt(TOPICS.length()) == '/') {
                int from = TOPICS.length() + 1;
                int slash = rest.indexOf('/', from);
                String segment = slash < 0 ? rest.substring(from) : rest.substring(from, slash);
                if (!segment.isEmpty()) {
                    topic = Exchange.pathSegment(segment);
                    String tail = slash < 0 ? "" : rest.substring(slash);
                    route =
                            switch (tail) {
                                case "" -> Route.TOPIC;
                                case "/messages" -> Route.MESSAGES;
                                case "/records" -> get(req) ? Route.CONSUME : Route.RECORDS;
                                case "/acks" -> Route.ACKS;
                                case "/releases" -> Route.RELEASES;
                                case "/offsets" -> get(req) ? Route.OFFSETS : Route.SET_OFFSETS;
                                case "/groups" -> Route.GROUPS;
                                default -> null;
                            };
                }
            }
        } else {
            route =
                    switch (rest) {
                        case "/healthz" -> Route.HEALTH;
                        case "/readyz" -> Route.READY;
                        case "/metrics" -> Route.METRICS;
                        case "/openapi.yaml" -> cluster == null ? Route.OPENAPI : null;
                        default -> null;
                    };
        }
        if (management && route != null && !route.ops()) {
            route = null;
        }
        Exchange ex = new Exchange(req, cluster, topic, conn, start);
        ex.caller = caller;
        GatewayMetrics.RouteTimers t =
                route == null ? otherTimers : timers[route.ordinal()][cluster == null ? 0 : 1];
        int n = inFlight.incrementAndGet();
        Finish finish = new Finish(ex, t, start);
        ex.response.endHandler(finish);
        ex.response.closeHandler(finish);
        try {
            admit(ex, route, n, management ? managementDoor : door);
        } catch (ApiException e) {
            error(ex, e);
        } catch (IllegalArgumentException e) {
            error(ex, ApiException.badRequest("invalid_request", e.getMessage()));
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    /** GET or HEAD: the method picks between the GET and POST routes of one path. */
    private static boolean get(HttpServerRequest req) {
        HttpMethod m = req.method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD);
    }

    /**
     * Counts the request out and times it, once: when its answer is written or its connection
     * closes (then, first, runs its {@link Exchange#abandoned} hook).
     */
    private final class Finish implements Handler<Void> {
        private final Exchange ex;
        private final GatewayMetrics.RouteTimers timers;
        private final long start;
        private boolean done; // event-loop thread of the request

        Finish(Exchange ex, GatewayMetrics.RouteTimers timers, long start) {
            this.ex = ex;
            this.timers = timers;
            this.start = start;
        }

        @Override
        public void handle(Void v) {
            if (done) {
                return;
            }
            done = true;
            if (ex.abandoned != null && !ex.response.ended()) {
                try {
                    ex.abandoned.run();
                } catch (RuntimeException e) {
                    LOG.error("undoing an abandoned request failed", e);
                }
            }
            inFlight.decrementAndGet();
            bodies.release(ex.reservedBytes);
            gateway.requestEnded();
            long now = System.nanoTime();
            timers.record(ex.response.getStatusCode(), now - start);
            if (ex.conn != null) {
                if (ex.closeAfterAnswer) {
                    ex.conn.connection.close();
                } else {
                    ex.conn.answered(now);
                }
            }
        }
    }

    /** The body of {@code ex} did not arrive within gateway.body-timeout-ms: 408, then close. */
    void bodyTimedOut(Exchange ex) {
        ex.closeAfterAnswer = true;
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        error(
                ex,
                new ApiException(
                        408,
                        "request_timeout",
                        "the request body did not arrive within gateway.body-timeout-ms="
                                + config.limits().bodyTimeoutMs()
                                + " ms of the request head; the connection is closed"));
    }

    /**
     * Refuses new work while shutting down or over the limit of concurrent requests; else runs the
     * route.
     */
    private void admit(Exchange ex, Route route, int inFlightNow, Door door) {
        if (door.cors(ex, atDoor)) {
            return; // a CORS preflight, or an origin CORS does not allow
        }
        if (route == null) {
            HttpMethod m = ex.request.method();
            error(
                    ex,
                    new ApiException(
                            404,
                            "not_found",
                            "no such path: "
                                    + m
                                    + " "
                                    + ex.request.path()
                                    + (ex.conn != null && ex.conn.management
                                            ? "; the management port serves only /healthz,"
                                                    + " /readyz and /metrics"
                                            : "; see /openapi.yaml")));
            return;
        }
        boolean ops = route.ops();
        if (!ops && gateway.failure() != null) {
            error(
                    ex,
                    new ApiException(
                            503,
                            "failed",
                            "the gateway failed and is exiting ("
                                    + gateway.failure()
                                    + "); retry on another instance"));
            return;
        }
        if (gateway.shuttingDown() && !ops) {
            error(
                    ex,
                    new ApiException(
                            503,
                            "shutting_down",
                            "the gateway is shutting down; retry on another instance"));
            return;
        }
        if (inFlightNow > config.maxConcurrentRequests() && !ops) {
            ex.response.putHeader(
                    HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
            error(
                    ex,
                    new ApiException(
                            429,
                            "too_many_requests",
                            "over gateway.max-concurrent-requests="
                                    + config.maxConcurrentRequests()
                                    + " requests in progress; retry after "
                                    + config.retryAfterSeconds()
                                    + " s"));
            return;
        }
        if (door.guards() && !door.letsThrough(route.ops(), route == Route.METRICS)) {
            door.pass(ex, afterDoor[route.ordinal()]);
            return;
        }
        proceed(ex, route);
    }

    /** Past the door: checks the method, the query and the encoding, reads the body, runs. */
    private void proceed(Exchange ex, Route route) {
        HttpMethod method = ex.request.method();
        if (!method.equals(route.method)
                && !(method.equals(HttpMethod.HEAD) && route.answersHead())) {
            ex.response.putHeader(HttpHeaders.ALLOW, route.allow());
            error(
                    ex,
                    new ApiException(
                            405,
                            "method_not_allowed",
                            ex.request.method() + " is not allowed on " + ex.request.path()));
            return;
        }
        QueryCheck.check(ex.request.query(), route.params);
        if (route.method.equals(HttpMethod.POST)) {
            String encoding = ex.request.getHeader(HttpHeaders.CONTENT_ENCODING);
            if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                error(
                        ex,
                        new ApiException(
                                415,
                                "unsupported_encoding",
                                "Content-Encoding '"
                                        + encoding
                                        + "' is not accepted: send the body uncompressed"
                                        + " (identity); Kafka batches are compressed per cluster"
                                        + " (kafka.compression.type)"));
                return;
            }
            BodyReader.read(ex, config.maxBodyBytes(), bodies, afterBody[route.ordinal()]);
        } else {
            run(ex, route);
        }
    }

    /** Goes on with a request that passed its door, or answers its refusal there. */
    private final class AfterDoor implements Door.Then {
        private final Route route;

        AfterDoor(Route route) {
            this.route = route;
        }

        @Override
        public void passed(Exchange ex) {
            try {
                proceed(ex, route);
            } catch (ApiException e) {
                error(ex, e);
            } catch (IllegalArgumentException e) {
                error(ex, ApiException.badRequest("invalid_request", e.getMessage()));
            } catch (RuntimeException e) {
                fail(ex, e);
            }
        }

        @Override
        public void refused(Exchange ex, Door.Refusal why) {
            refusedAtDoor(ex, why);
        }

        @Override
        public boolean limited() {
            return !route.ops();
        }
    }

    private void refusedAtDoor(Exchange ex, Door.Refusal why) {
        why.headers(ex.response);
        error(ex, why.http());
    }

    /** Runs a POST route once its body is read. */
    private final class RunAfterBody implements BodyReader.Then {
        private final Route route;

        RunAfterBody(Route route) {
            this.route = route;
        }

        @Override
        public void read(Exchange ex) {
            door.bodyRead(ex); // the management port reads no bodies
            run(ex, route);
        }

        @Override
        public void refused(Exchange ex, ApiException why) {
            if (why.status == 429) {
                ex.response.putHeader(
                        HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
            }
            error(ex, why);
        }
    }

    /** Runs the route's handler; a refusal it throws is answered. */
    private void run(Exchange ex, Route route) {
        try {
            switch (route) {
                case MESSAGES -> produce.message(ex);
                case RECORDS -> produce.records(ex);
                case CONSUME -> consume.take(ex);
                case ACKS -> consume.acks(ex);
                case RELEASES -> consume.releases(ex);
                case OFFSETS -> consume.offsets(ex);
                case SET_OFFSETS -> consume.setOffsets(ex);
                case GROUPS -> consume.groups(ex);
                case TOPIC -> describeTopic(ex);
                case TOPIC_LIST -> listTopics(ex);
                case HEALTH -> health(ex);
                case READY -> ready(ex);
                case METRICS ->
                        ex.response
                                .setStatusCode(200)
                                .putHeader(
                                        HttpHeaders.CONTENT_TYPE,
                                        "text/plain; version=0.0.4; charset=utf-8")
                                .end(metrics.scrape(gateway.clusters().values()));
                case OPENAPI ->
                        ex.response
                                .putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml")
                                .end(io.vertx.core.buffer.Buffer.buffer(openApi));
            }
        } catch (ApiException e) {
            error(ex, e);
        } catch (IllegalArgumentException e) {
            error(ex, ApiException.badRequest("invalid_request", e.getMessage()));
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    private void health(Exchange ex) {
        String failed = gateway.failure();
        if (failed == null) {
            json(ex, 200, new JsonObject().put("status", "alive"));
        } else {
            json(ex, 503, new JsonObject().put("status", "failed").put("reason", failed));
        }
    }

    /**
     * A request the HTTP decoder could not read (Vert.x's invalid-request handler): 414 for an
     * over-long request line, 431 for over-long headers, else 400; in the JSON error shape, and the
     * connection is closed (the decoder cannot go on with it).
     */
    void invalid(HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        ApiException e;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            e =
                    new ApiException(
                            414,
                            "uri_too_long",
                            "the request line is over 8192 bytes; send long values in the body"
                                    + " (POST /topics/{topic}/records)");
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            e =
                    new ApiException(
                            431,
                            "headers_too_large",
                            "the request headers are over 16384 bytes in all");
        } else {
            e =
                    ApiException.badRequest(
                            "invalid_request",
                            "the request is not valid HTTP/1.1 (request line or headers)");
        }
        Exchange ex = new Exchange(req, null, null, null, System.nanoTime());
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        ex.response.endHandler(v -> req.connection().close());
        error(ex, e);
    }

    /** A bug or an unexpected failure: logged, answered 500. */
    void fail(Exchange ex, Throwable t) {
        LOG.error("request {} {} failed", ex.request.method(), ex.request.path(), t);
        error(
                ex,
                new ApiException(
                        500,
                        "internal_error",
                        "the gateway failed to handle the request (logged on the gateway)"));
    }

    /** The cluster a request names: its {@code /clusters/{cluster}} prefix, else the default. */
    String clusterName(Exchange ctx) {
        return ctx.cluster == null ? config.defaultCluster() : ctx.cluster;
    }

    /**
     * Lists the cluster's topics from Kafka; while Kafka does not answer (within {@link
     * TopicCheck#TIMEOUT_MS}), from the last listing, saying so ({@code "stale": true}).
     */
    private void listTopics(Exchange ctx) {
        answer(
                ctx,
                queries.listTopics(ctx.caller, clusterName(ctx)),
                a -> {
                    ClusterQueries.TopicListing l = a.value();
                    JsonObject body =
                            new JsonObject()
                                    .put("cluster", l.cluster())
                                    .put("topics", new JsonArray(l.topics()));
                    if (l.stale()) {
                        body.put("stale", true);
                    }
                    json(ctx, 200, body);
                });
    }

    /**
     * Describes a topic from Kafka (one bounded refresh); while Kafka does not answer, from the
     * engine's cache, saying how old it is.
     */
    private void describeTopic(Exchange ctx) {
        answer(
                ctx,
                queries.describeTopic(ctx.caller, clusterName(ctx), ctx.topic),
                a -> {
                    ClusterQueries.TopicDescription d = a.value();
                    TopicMeta info = d.topic();
                    JsonArray parts = new JsonArray();
                    for (TopicInfo.Partition p : info.partitions()) {
                        parts.add(
                                new JsonObject()
                                        .put("partition", p.partition())
                                        .put("leader", p.leader() < 0 ? null : p.leader())
                                        .put("replicas", new JsonArray(p.replicas()))
                                        .put("isr", new JsonArray(p.isr())));
                    }
                    JsonObject body =
                            new JsonObject()
                                    .put("cluster", d.cluster())
                                    .put("topic", info.name())
                                    .put("internal", info.internal())
                                    .put("partitions", parts);
                    if (d.stale()) {
                        body.put("stale", true).put("ageMs", info.ageMs());
                    }
                    json(ctx, 200, body);
                });
    }

    /**
     * Runs {@code then} with the answer of {@code stage} (which completes on the request's event
     * loop); a failure of either is answered 500, never left unanswered.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private <T> void answer(
            Exchange ctx,
            java.util.concurrent.CompletionStage<ClusterQueries.Answer<T>> stage,
            java.util.function.Consumer<ClusterQueries.Answer<T>> then) {
        stage.whenComplete(
                (a, err) -> {
                    try {
                        if (err != null) {
                            throw new IllegalStateException(err);
                        }
                        if (a.refusal() != null) {
                            error(ctx, Produce.http(a.refusal()));
                        } else {
                            then.accept(a);
                        }
                    } catch (RuntimeException e) {
                        fail(ctx, e);
                    }
                });
    }

    /**
     * Ready when every cluster asked about (all, or the path's) is ready: metadata fetched, and
     * nothing stops delivery; else 503 with each cluster's state and reason. Answers from the
     * engines' status at once, never waiting for Kafka.
     */
    private void ready(Exchange ctx) {
        ClusterQueries.Answer<ClusterQueries.Readiness> a = queries.readiness(ctx.cluster);
        if (a.refusal() != null) {
            error(ctx, Produce.http(a.refusal()));
            return;
        }
        ClusterQueries.Readiness r = a.value();
        if (r.shuttingDown()) {
            error(ctx, new ApiException(503, "shutting_down", "the gateway is shutting down"));
            return;
        }
        JsonObject clusters = new JsonObject();
        boolean anyDegraded = false;
        for (ClusterQueries.ClusterReadiness c : r.clusters()) {
            ClusterStatus s = c.status();
            JsonObject one =
                    new JsonObject()
                            .put("state", s.state().name().toLowerCase(Locale.ROOT))
                            .put("nodes", c.nodes());
            String degraded = c.degraded();
            if (!s.ready()) {
                one.put("reason", s.reason());
            } else if (degraded != null) {
                anyDegraded = true;
                one.put("degraded", true).put("reason", degraded);
            }
            clusters.put(c.cluster(), one);
        }
        boolean ok = r.ready();
        json(
                ctx,
                ok ? 200 : 503,
                new JsonObject()
                        .put(
                                "status",
                                ok ? (anyDegraded ? "degraded" : "ready") : "kafka_unavailable")
                        .put("clusters", clusters));
    }

    /** Answers {@code body} with {@code status}. Event-loop thread of the request. */
    static void json(Exchange ctx, int status, JsonObject body) {
        json(ctx, status, body.toBuffer());
    }

    /**
     * Answers {@code body}, JSON text already encoded, with {@code status}. Event-loop thread of
     * the request.
     */
    static void json(Exchange ctx, int status, io.vertx.core.buffer.Buffer body) {
        if (ctx.response.ended() || ctx.response.closed()) {
            return;
        }
        ctx.response
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .end(body);
    }

    /** Answers a refusal as {@code {"error":{"status":..,"code":..,"message":..}}}. */
    void error(Exchange ctx, ApiException e) {
        if (e.status != 404 || !"not_found".equals(e.code)) {
            String c = ctx.cluster == null ? config.defaultCluster() : ctx.cluster;
            // the label is a configured cluster, never a name taken from the request
            metrics.refused(gateway.clusters().containsKey(c) ? c : "unknown", e.code);
        }
        json(
                ctx,
                e.status,
                new JsonObject()
                        .put(
                                "error",
                                new JsonObject()
                                        .put("status", e.status)
                                        .put("code", e.code)
                                        .put("message", e.getMessage())));
    }
}
