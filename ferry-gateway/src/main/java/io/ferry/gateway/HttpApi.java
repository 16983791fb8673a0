package io.ferry.gateway;

import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.TopicInfo;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
final class HttpApi implements Handler<HttpServerRequest> {
    /* Design notes
     * Dispatch is Ferry's own: a handful of fixed paths, matched by prefix and segment without a
     * regular expression or a routing context per request. Vert.x Web's Router took about a tenth
     * of the event-loop samples of a single POST in a profile; replacing it saved a few percent
     * of CPU per request (docs/gateway.md, "Second round"). Every request is counted in flight and timed from its head to its end (or
     * the connection's close), by route and status.
     */
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final CharSequence APPLICATION_JSON =
            HttpHeaders.createOptimized("application/json");
    private static final String CLUSTERS = "/clusters/";
    private static final String TOPICS = "/topics";

    /** The gateway's paths; the pattern names the route in metrics. */
    // HttpMethod is immutable; Vert.x does not annotate it
    @SuppressWarnings("ImmutableEnumChecker")
    private enum Route {
        MESSAGES(HttpMethod.POST, "/topics/:topic/messages"),
        RECORDS(HttpMethod.POST, "/topics/:topic/records"),
        TOPIC(HttpMethod.GET, "/topics/:topic"),
        TOPIC_LIST(HttpMethod.GET, "/topics"),
        HEALTH(HttpMethod.GET, "/healthz"),
        READY(HttpMethod.GET, "/readyz"),
        METRICS(HttpMethod.GET, "/metrics"),
        OPENAPI(HttpMethod.GET, "/openapi.yaml");

        final HttpMethod method;
        final String pattern;

        Route(HttpMethod method, String pattern) {
            this.method = method;
            this.pattern = pattern;
        }

        /** Not limited nor refused while shutting down. */
        boolean ops() {
            return this == HEALTH || this == METRICS;
        }
    }

    private final Gateway gateway;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final Produce produce;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final byte[] openApi;

    /** Per route, the timers of its unprefixed [0] and /clusters/{cluster} [1] form. */
    private final GatewayMetrics.RouteTimers[][] timers =
            new GatewayMetrics.RouteTimers[Route.values().length][];

    /** The timers of requests that matched no route. */
    private final GatewayMetrics.RouteTimers otherTimers;

    private final BodyReader.Then messagesBody = new RunAfterBody(Route.MESSAGES);
    private final BodyReader.Then recordsBody = new RunAfterBody(Route.RECORDS);

    HttpApi(Gateway gateway, GatewayConfig config, GatewayMetrics metrics) {
        this.gateway = gateway;
        this.config = config;
        this.metrics = metrics;
        this.produce = new Produce(this, config);
        this.otherTimers = metrics.route("other");
        for (Route r : Route.values()) {
            timers[r.ordinal()] =
                    r == Route.OPENAPI
                            ? new GatewayMetrics.RouteTimers[] {otherTimers, otherTimers}
                            : new GatewayMetrics.RouteTimers[] {
                                metrics.route(r.pattern),
                                metrics.route("/clusters/:cluster" + r.pattern)
                            };
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

    /** Every request: matches its path, admits it, reads its body (POST) and runs its route. */
    @Override
    public void handle(HttpServerRequest req) {
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
                                case "/records" -> Route.RECORDS;
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
        Exchange ex = new Exchange(req, cluster, topic);
        GatewayMetrics.RouteTimers t =
                route == null ? otherTimers : timers[route.ordinal()][cluster == null ? 0 : 1];
        int n = inFlight.incrementAndGet();
        Finish finish = new Finish(ex, t, start);
        ex.response.endHandler(finish);
        ex.response.closeHandler(finish);
        try {
            admit(ex, route, n);
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    /**
     * Counts the request out and times it, once: when its answer is written or its connection
     * closes.
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
            inFlight.decrementAndGet();
            gateway.requestEnded();
            timers.record(ex.response.getStatusCode(), System.nanoTime() - start);
        }
    }

    /**
     * Refuses new work while shutting down or over the limit of concurrent requests; else runs the
     * route.
     */
    private void admit(Exchange ex, Route route, int inFlightNow) {
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
                                    + "; see /openapi.yaml"));
            return;
        }
        boolean ops = route.ops();
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
        if (!ex.request.method().equals(route.method)) {
            error(
                    ex,
                    new ApiException(
                            405,
                            "method_not_allowed",
                            ex.request.method() + " is not allowed on " + ex.request.path()));
            return;
        }
        if (route.method.equals(HttpMethod.POST)) {
            BodyReader.read(
                    ex, config.maxBodyBytes(), route == Route.RECORDS ? recordsBody : messagesBody);
        } else {
            run(ex, route);
        }
    }

    /** Runs a POST route once its body is read. */
    private final class RunAfterBody implements BodyReader.Then {
        private final Route route;

        RunAfterBody(Route route) {
            this.route = route;
        }

        @Override
        public void read(Exchange ex) {
            run(ex, route);
        }

        @Override
        public void refused(Exchange ex, ApiException why) {
            error(ex, why);
        }
    }

    /** Runs the route's handler; a refusal it throws is answered. */
    private void run(Exchange ex, Route route) {
        try {
            switch (route) {
                case MESSAGES -> produce.message(ex);
                case RECORDS -> produce.records(ex);
                case TOPIC -> describeTopic(ex);
                case TOPIC_LIST -> listTopics(ex);
                case HEALTH -> json(ex, 200, new JsonObject().put("status", "alive"));
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

    /** A bug or an unexpected failure: logged, answered 500. */
    void fail(Exchange ex, Throwable t) {
        LOG.error("request {} {} failed", ex.request.method(), ex.request.path(), t);
        error(
                ex,
                new ApiException(
                        500, "internal_error", "the gateway failed to handle the request: " + t));
    }

    /** The cluster of the request's path; 404 when unknown. */
    ClusterRuntime cluster(Exchange ctx) {
        String name = ctx.cluster;
        ClusterRuntime c = gateway.clusters().get(name == null ? config.defaultCluster() : name);
        if (c == null) {
            throw new ApiException(
                    404,
                    "unknown_cluster",
                    "no cluster '"
                            + name
                            + "'; configured: "
                            + new TreeMap<>(gateway.clusters()).keySet());
        }
        return c;
    }

    /**
     * Lists the cluster's topics from Kafka; while Kafka does not answer (within {@link
     * TopicCheck#TIMEOUT_MS}), from the last listing, saying so ({@code "stale": true}).
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void listTopics(Exchange ctx) {
        ClusterRuntime c = cluster(ctx);
        Context vctx = Vertx.currentContext();
        c.kafka()
                .listTopics()
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (names, err) ->
                                vctx.runOnContext(
                                        v -> {
                                            List<String> got =
                                                    err == null
                                                            ? names
                                                            : c.kafka().lastTopicListing();
                                            if (got == null) {
                                                error(ctx, kafkaUnavailable(c, "listing topics"));
                                                return;
                                            }
                                            JsonObject body =
                                                    new JsonObject()
                                                            .put("cluster", c.name)
                                                            .put("topics", new JsonArray(got));
                                            if (err != null) {
                                                body.put("stale", true);
                                            }
                                            json(ctx, 200, body);
                                        }));
    }

    private static ApiException kafkaUnavailable(ClusterRuntime c, String what) {
        return new ApiException(
                503,
                "kafka_unavailable",
                what
                        + " needs Kafka of cluster '"
                        + c.name
                        + "', which does not answer now: "
                        + c.kafka().status().reason());
    }

    /**
     * Describes a topic from Kafka (one bounded refresh); while Kafka does not answer, from the
     * engine's cache, saying how old it is.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void describeTopic(Exchange ctx) {
        ClusterRuntime c = cluster(ctx);
        String topic = RecordReader.topic(ctx.topic);
        Context vctx = Vertx.currentContext();
        c.kafka()
                .refreshTopic(topic)
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (fresh, err) ->
                                vctx.runOnContext(
                                        v ->
                                                describe(
                                                        ctx,
                                                        c,
                                                        err == null
                                                                ? fresh
                                                                : c.kafka().topic(topic),
                                                        err != null)));
    }

    private void describe(Exchange ctx, ClusterRuntime c, TopicInfo info, boolean stale) {
        String topic = info.name();
        switch (info.state()) {
            case MISSING ->
                    error(
                            ctx,
                            new ApiException(
                                    404,
                                    "topic_not_found",
                                    "topic '"
                                            + topic
                                            + "' does not exist in cluster '"
                                            + c.name
                                            + "'"));
            case UNKNOWN -> error(ctx, kafkaUnavailable(c, "describing topic '" + topic + "'"));
            case FAILED ->
                    error(
                            ctx,
                            new ApiException(
                                    502,
                                    "kafka_error",
                                    "Kafka answered "
                                            + info.kafkaError()
                                            + " for topic '"
                                            + topic
                                            + "'"));
            case KNOWN -> {
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
                                .put("cluster", c.name)
                                .put("topic", topic)
                                .put("internal", info.internal())
                                .put("partitions", parts);
                if (stale) {
                    body.put("stale", true).put("ageMs", info.ageMs());
                }
                json(ctx, 200, body);
            }
        }
    }

    /**
     * Ready when every cluster asked about (all, or the path's) is ready: metadata fetched, and
     * nothing stops delivery; else 503 with each cluster's state and reason. Answers from the
     * engines' status at once, never waiting for Kafka.
     */
    private void ready(Exchange ctx) {
        String name = ctx.cluster;
        List<ClusterRuntime> check =
                name == null ? List.copyOf(gateway.clusters().values()) : List.of(cluster(ctx));
        if (gateway.shuttingDown()) {
            error(ctx, new ApiException(503, "shutting_down", "the gateway is shutting down"));
            return;
        }
        JsonObject clusters = new JsonObject();
        boolean ok = true;
        for (ClusterRuntime c : check) {
            ClusterStatus s = c.kafka().status();
            ok &= s.ready();
            JsonObject one =
                    new JsonObject()
                            .put("state", s.state().name().toLowerCase(Locale.ROOT))
                            .put("nodes", c.kafka().nodeCount());
            if (!s.ready()) {
                one.put("reason", s.reason());
            }
            clusters.put(c.name, one);
        }
        json(
                ctx,
                ok ? 200 : 503,
                new JsonObject()
                        .put("status", ok ? "ready" : "kafka_unavailable")
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
            metrics.refused(e.code);
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
