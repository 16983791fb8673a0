package io.ferry.gateway;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes of the kafka-pixy listener: kafka-pixy's REST API with kafka-pixy's meanings, every
 * path unprefixed (the default cluster) and under {@code /clusters/{cluster}}. Handlers run on the
 * listener's Vert.x event loops (the gateway's own) and never block; answers that wait for Kafka
 * come back on the request's context.
 */
// timers[] is indexed by PixyRoute.ordinal(): no map lookup per request
@SuppressWarnings("EnumOrdinal")
final class PixyRestApi {
    /* Design notes
     * Lenient where Ferry's own API (HttpApi) is strict, as kafka-pixy is: unknown query
     * parameters are ignored, flags count by presence (?sync, ?withPartitions), any Content-Type
     * is a raw message but the form one. Every answer is kafka-pixy's JSON: a refusal is
     * {"error":"..."} with kafka-pixy's status where it has one (status()), Ferry's otherwise.
     * The limits are the gateway's, shared with the main port: gateway.max-body-bytes per body,
     * one BodyBudget of in-flight body bytes, gateway.max-concurrent-requests over both listeners,
     * one count of open connections under gateway.max-connections (ConnectionGuard, with its
     * header, body and idle timeouts), 503 while shutting down, and shutdown waits for this
     * listener's requests too (Gateway.requestsInProgress).
     * Produce and the metadata calls are here (PixyProduce, PixyTopics). The consume half
     * (GET .../messages, acks, offsets, consumers) is routed to `consume`, the consume service's
     * adapter (PixyConsumeHttp) the gateway passes in; without one they answer 501.
     */
    private static final Logger LOG = LoggerFactory.getLogger(PixyRestApi.class);
    private static final CharSequence APPLICATION_JSON =
            HttpHeaders.createOptimized("application/json");
    private static final String CLUSTERS = "/clusters/";
    private static final String TOPICS = "/topics";

    private final Gateway gateway;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final PixyProduce produce;
    private final PixyTopics topics;
    private final PixyConsumeRoutes consume;
    private final ProduceService produceService;
    private final BodyBudget bodies;
    private final IntSupplier mainInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Per route, the timers of its unprefixed [0] and /clusters/{cluster} [1] form. */
    private final GatewayMetrics.RouteTimers[][] timers =
            new GatewayMetrics.RouteTimers[PixyRoute.values().length][];

    private final GatewayMetrics.RouteTimers otherTimers;

    /** Per POST route, what runs once its body is read. */
    private final BodyReader.Then[] afterBody = new BodyReader.Then[PixyRoute.values().length];

    /** The listener's door (gateway.security.kafka-pixy; docs/security.md). */
    private final Door door;

    /** Per route, what runs once the request passed the door. */
    private final Door.Then[] afterDoor = new Door.Then[PixyRoute.values().length];

    /** Answers a refusal at the door (CORS, before the route matters). */
    private final Door.Refused atDoor = this::refusedAtDoor;

    /**
     * @param main the main port's routes: their count of requests in progress, and the body budget
     *     both listeners share
     * @param consume the consume half, or null: its routes answer 501
     * @param door the listener's door
     */
    PixyRestApi(
            Gateway gateway,
            GatewayConfig config,
            GatewayMetrics metrics,
            ProduceService produceService,
            ClusterQueries queries,
            HttpApi main,
            PixyConsumeRoutes consume,
            Door door) {
        this.gateway = gateway;
        this.door = door;
        this.config = config;
        this.metrics = metrics;
        this.produce = new PixyProduce(this, produceService);
        this.topics = new PixyTopics(this, queries);
        this.produceService = produceService;
        this.consume = consume == null ? (r, ex, api) -> consumeNotServed(r, ex) : consume;
        this.bodies = main.bodies;
        this.mainInFlight = main::inFlight;
        this.otherTimers = metrics.route("kafka-pixy:other");
        for (PixyRoute r : PixyRoute.values()) {
            timers[r.ordinal()] =
                    new GatewayMetrics.RouteTimers[] {
                        metrics.route("kafka-pixy:" + r.method.name() + " " + r.pattern),
                        metrics.route(
                                "kafka-pixy:" + r.method.name() + " /clusters/:cluster" + r.pattern)
                    };
            afterBody[r.ordinal()] = new RunAfterBody(r);
            afterDoor[r.ordinal()] = new AfterDoor(r);
        }
    }

    /** Goes on with a request that passed the door, or answers its refusal. */
    private final class AfterDoor implements Door.Then {
        private final PixyRoute route;

        AfterDoor(PixyRoute route) {
            this.route = route;
        }

        @Override
        public void passed(Exchange ex) {
            try {
                proceed(ex, route);
            } catch (ApiException e) {
                error(ex, e.status, e.code, e.getMessage());
            } catch (RuntimeException e) {
                fail(ex, e);
            }
        }

        @Override
        public void refused(Exchange ex, Door.Refusal why) {
            refusedAtDoor(ex, why);
        }
    }

    private void refusedAtDoor(Exchange ex, Door.Refusal why) {
        why.headers(ex.response);
        error(ex, why.kind().httpStatus, why.code(), why.message());
    }

    /** Runs a POST route once its body is read. */
    private final class RunAfterBody implements BodyReader.Then {
        private final PixyRoute route;

        RunAfterBody(PixyRoute route) {
            this.route = route;
        }

        @Override
        public void read(Exchange ex) {
            door.bodyRead(ex);
            run(ex, route);
        }

        @Override
        public void refused(Exchange ex, ApiException why) {
            if (why.status == 429) {
                retryAfter(ex);
            }
            error(ex, why.status, why.code, why.getMessage());
        }
    }

    /** Requests of this listener being handled now. */
    int inFlight() {
        return inFlight.get();
    }

    /** Every request: matches its path and method, admits it, reads its body (POST), runs it. */
    void handle(HttpServerRequest req, ConnectionGuard.Conn conn, CallContext caller) {
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
        String topic = null;
        String shape = null; // the path with its topic as ":topic", or null: no such path
        if (rest == null) {
            // "/clusters/" without a cluster name and a path after it
        } else if (rest.equals(TOPICS) || rest.equals("/_ping")) {
            shape = rest;
        } else if (rest.startsWith(TOPICS + "/")) {
            int from = TOPICS.length() + 1;
            int slash = rest.indexOf('/', from);
            String segment = slash < 0 ? rest.substring(from) : rest.substring(from, slash);
            if (!segment.isEmpty()) {
                topic = Exchange.pathSegment(segment);
                shape = "/topics/:topic" + (slash < 0 ? "" : rest.substring(slash));
            }
        }
        PixyRoute route = shape == null ? null : PixyRoute.match(shape, req.method());
        Exchange ex = new Exchange(req, cluster, topic, conn, start);
        ex.caller = caller;
        GatewayMetrics.RouteTimers t =
                route == null ? otherTimers : timers[route.ordinal()][cluster == null ? 0 : 1];
        int n = inFlight.incrementAndGet();
        Finish finish = new Finish(ex, t, start);
        ex.response.endHandler(finish);
        ex.response.closeHandler(finish);
        try {
            admit(ex, shape, route, n);
        } catch (ApiException e) {
            error(ex, e.status, e.code, e.getMessage());
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    /** Counts the request out and times it, once: its answer written or its connection closed. */
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

    private void admit(Exchange ex, String shape, PixyRoute route, int inFlightNow) {
        if (door.cors(ex, atDoor)) {
            return; // a CORS preflight, or an origin CORS does not allow
        }
        if (route == null) {
            String allow = shape == null ? null : PixyRoute.allowed(shape);
            if (allow != null) {
                ex.response.putHeader(HttpHeaders.ALLOW, allow);
                error(
                        ex,
                        405,
                        "method_not_allowed",
                        ex.request.method() + " is not allowed on " + ex.request.path());
            } else {
                error(
                        ex,
                        404,
                        "not_found",
                        "no such path on the kafka-pixy listener: "
                                + ex.request.method()
                                + " "
                                + ex.request.path());
            }
            return;
        }
        if (gateway.failure() != null) {
            error(
                    ex,
                    503,
                    "failed",
                    "the gateway failed and is exiting ("
                            + gateway.failure()
                            + "); retry on another instance");
            return;
        }
        if (gateway.shuttingDown()) {
            error(
                    ex,
                    503,
                    "shutting_down",
                    "the gateway is shutting down; retry on another instance");
            return;
        }
        if (inFlightNow + mainInFlight.getAsInt() > config.maxConcurrentRequests()) {
            retryAfter(ex);
            error(
                    ex,
                    429,
                    "too_many_requests",
                    "over gateway.max-concurrent-requests="
                            + config.maxConcurrentRequests()
                            + " requests in progress; retry after "
                            + config.retryAfterSeconds()
                            + " s");
            return;
        }
        // GET /_ping is the listener's health check: open, as /healthz is on the main port
        if (door.guards() && !door.letsThrough(route == PixyRoute.PING, false)) {
            door.pass(ex, afterDoor[route.ordinal()]);
            return;
        }
        proceed(ex, route);
    }

    /** Past the door: checks the encoding, reads the body (POST), runs. */
    private void proceed(Exchange ex, PixyRoute route) {
        if (!route.method.equals(HttpMethod.POST)) {
            run(ex, route);
            return;
        }
        String encoding = ex.request.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
            ex.response.putHeader(HttpHeaders.CONNECTION, "close");
            error(
                    ex,
                    415,
                    "unsupported_encoding",
                    "Content-Encoding '"
                            + encoding
                            + "' is not accepted: send the body"
                            + " uncompressed");
            return;
        }
        BodyReader.read(ex, config.maxBodyBytes(), bodies, afterBody[route.ordinal()]);
    }

    /** Runs the route's handler; a refusal it throws is answered. */
    private void run(Exchange ex, PixyRoute route) {
        try {
            if (route.consume()) {
                consume.handle(route, ex, this);
                return;
            }
            switch (route) {
                case PRODUCE -> produce.message(ex);
                case TOPIC -> topics.describe(ex);
                case TOPIC_LIST -> topics.list(ex);
                case PING -> ping(ex);
                default -> throw new IllegalStateException("unrouted " + route);
            }
        } catch (ApiException e) {
            error(ex, e.status, e.code, e.getMessage());
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    /** {@code GET /_ping}: {@code pong}, as kafka-pixy answers it (text, not JSON). */
    private void ping(Exchange ex) {
        ProduceRefusal unknown = produceService.checkCluster(clusterName(ex));
        if (unknown != null) {
            refused(ex, unknown);
            return;
        }
        ex.response
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end("pong");
    }

    private void consumeNotServed(PixyRoute route, Exchange ex) {
        error(
                ex,
                501,
                "not_implemented",
                ex.request.method()
                        + " "
                        + route.pattern
                        + " is not served: this listener was built without the consume"
                        + " service");
    }

    /** The cluster a request names: its {@code /clusters/{cluster}} prefix, else the default. */
    String clusterName(Exchange ex) {
        return ex.cluster == null ? config.defaultCluster() : ex.cluster;
    }

    /** Answers a refusal of the services with this listener's status and kafka-pixy's JSON. */
    void refused(Exchange ex, ProduceRefusal why) {
        ApiException e = Produce.http(why); // Ferry's codes, for the metrics
        if (why.code() == ProduceRefusal.Code.BROKER_FULL) {
            retryAfter(ex);
        }
        error(ex, status(why.code()), e.code, e.getMessage());
    }

    private void retryAfter(Exchange ex) {
        ex.response.putHeader(
                HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
    }

    /**
     * The status of a refusal on this listener: kafka-pixy's where it has one (400 for a bad
     * request and an unknown cluster, 404 for an unknown topic, 503 when it cannot produce now, 500
     * otherwise), Ferry's for what kafka-pixy answers 500 but the client caused (403, 413) or
     * cannot know (504: the outcome is not known yet).
     */
    static int status(ProduceRefusal.Code code) {
        return switch (code) {
            case UNKNOWN_CLUSTER,
                    INVALID_TOPIC,
                    UNKNOWN_PARTITION,
                    INVALID_RECORD,
                    INVALID_TIMESTAMP ->
                    400;
            case UNKNOWN_TOPIC -> 404;
            case NOT_AUTHORIZED, KAFKA_NOT_AUTHORIZED, INTERNAL_TOPIC -> 403;
            case RECORD_TOO_LARGE -> 413;
            case BROKER_FULL, KAFKA_REFUSED, CANNOT_VERIFY, KAFKA_UNAVAILABLE, NOT_DELIVERED -> 503;
            case TIMED_OUT -> 504;
            case KAFKA_ERROR, INTERNAL -> 500;
        };
    }

    /** The body of {@code ex} did not arrive within gateway.body-timeout-ms: 408, then close. */
    void bodyTimedOut(Exchange ex) {
        ex.closeAfterAnswer = true;
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        error(
                ex,
                408,
                "request_timeout",
                "the request body did not arrive within gateway.body-timeout-ms="
                        + config.limits().bodyTimeoutMs()
                        + " ms of the request head; the connection is closed");
    }

    /** A request the HTTP decoder could not read: 414, 431 or 400, then the connection closes. */
    void invalid(HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        int status;
        String message;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            status = 414;
            message = "the request line is over 8192 bytes";
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            status = 431;
            message = "the request headers are over 16384 bytes in all";
        } else {
            status = 400;
            message = "the request is not valid HTTP/1.1 (request line or headers)";
        }
        Exchange ex = new Exchange(req, null, null, null, System.nanoTime());
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        ex.response.endHandler(v -> req.connection().close());
        error(ex, status, "invalid_request", message);
    }

    /** A bug or an unexpected failure: logged, answered 500. */
    void fail(Exchange ex, Throwable t) {
        LOG.error("kafka-pixy request {} {} failed", ex.request.method(), ex.request.path(), t);
        error(
                ex,
                500,
                "internal_error",
                "the gateway failed to handle the request (logged on the gateway)");
    }

    /**
     * Answers kafka-pixy's error shape, {@code {"error":"..."}}, counting the refusal by cluster
     * and {@code code} (Ferry's error codes) in {@code ferry_http_errors_total}.
     */
    void error(Exchange ex, int status, String code, String message) {
        if (status != 404 || !"not_found".equals(code)) {
            String c = clusterName(ex);
            // the label is a configured cluster, never a name taken from the request
            metrics.refused(gateway.clusters().containsKey(c) ? c : "unknown", code);
        }
        json(ex, status, new JsonObject().put("error", message).toBuffer());
    }

    /** Answers {@code body} with {@code status}. Event-loop thread of the request. */
    static void json(Exchange ex, int status, JsonObject body) {
        json(ex, status, body.toBuffer());
    }

    /** Answers JSON text with {@code status}. Event-loop thread of the request. */
    static void json(Exchange ex, int status, Buffer body) {
        if (ex.response.ended() || ex.response.closed()) {
            return;
        }
        ex.response
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .end(body);
    }
}
