package io.ferry.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP routes of the gateway: every path both unprefixed (the default cluster) and under
 * {@code /clusters/{cluster}}. Handlers run on Vert.x event-loop threads and never block; answers
 * that wait for Kafka are written back on the request's own context.
 */
final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** The routing-context key of the matched route's request timers. */
    private static final String ROUTE_TIMERS = "ferry.route.timers";
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final Produce produce;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final byte[] openApi;
    /** The timers of requests that matched no route. */
    private final GatewayMetrics.RouteTimers otherTimers;

    HttpApi(Gateway gateway, GatewayConfig config, GatewayMetrics metrics) {
        this.gateway = gateway;
        this.config = config;
        this.metrics = metrics;
        this.produce = new Produce(this, config);
        this.otherTimers = metrics.route("other");
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

    Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        r.route().handler(this::admit);
        both(r, HttpMethod.POST, "/topics/:topic/messages", produce::message);
        both(r, HttpMethod.POST, "/topics/:topic/records", produce::records);
        both(r, HttpMethod.GET, "/topics", this::listTopics);
        both(r, HttpMethod.GET, "/topics/:topic", this::describeTopic);
        both(r, HttpMethod.GET, "/healthz", ctx -> json(ctx, 200, new JsonObject().put("status", "alive")));
        both(r, HttpMethod.GET, "/readyz", this::ready);
        both(r, HttpMethod.GET, "/metrics", ctx -> ctx.response().setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape(gateway.clusters().values())));
        r.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml")
                .end(io.vertx.core.buffer.Buffer.buffer(openApi)));
        r.errorHandler(413, ctx -> error(ctx, new ApiException(413, "body_too_large", "the request body is over "
                + "gateway.max-body-bytes=" + config.maxBodyBytes() + " bytes")));
        r.errorHandler(404, ctx -> error(ctx, new ApiException(404, "not_found", "no such path: "
                + ctx.request().method() + " " + ctx.request().path() + "; see /openapi.yaml")));
        r.errorHandler(405, ctx -> error(ctx, new ApiException(405, "method_not_allowed", ctx.request().method()
                + " is not allowed on " + ctx.request().path())));
        r.errorHandler(400, ctx -> error(ctx, ApiException.badRequest("invalid_request", "the request is malformed: "
                + (ctx.failure() == null ? "bad Content-Length" : ctx.failure().toString()))));
        r.errorHandler(500, ctx -> {
            LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
            error(ctx, new ApiException(500, "internal_error", "the gateway failed to handle the request: " + ctx.failure()));
        });
        return r;
    }

    private void both(Router r, HttpMethod method, String path, Consumer<RoutingContext> handler) {
        for (String p : List.of(path, "/clusters/:cluster" + path)) {
            GatewayMetrics.RouteTimers timers = metrics.route(p); // resolved once, not per request
            io.vertx.ext.web.Route route = r.route(method, p);
            if (method == HttpMethod.POST) {
                route.handler(new BodyReader(config.maxBodyBytes()));
            }
            route.handler(ctx -> {
                ctx.put(ROUTE_TIMERS, timers);
                try {
                    handler.accept(ctx);
                } catch (ApiException e) {
                    error(ctx, e);
                } catch (IllegalArgumentException e) {
                    error(ctx, ApiException.badRequest("invalid_request", e.getMessage()));
                }
            });
        }
    }

    /** Limits concurrent requests, refuses new work while shutting down, and measures every request. */
    private void admit(RoutingContext ctx) {
        long start = System.nanoTime();
        int n = inFlight.incrementAndGet();
        ctx.addEndHandler(v -> {
            inFlight.decrementAndGet();
            gateway.requestEnded();
            GatewayMetrics.RouteTimers timers = ctx.get(ROUTE_TIMERS);
            (timers == null ? otherTimers : timers).record(ctx.response().getStatusCode(), System.nanoTime() - start);
        });
        String path = ctx.request().path();
        boolean ops = path.endsWith("/healthz") || path.endsWith("/metrics");
        if (gateway.shuttingDown() && !ops) {
            error(ctx, new ApiException(503, "shutting_down", "the gateway is shutting down; retry on another instance"));
            return;
        }
        if (n > config.maxConcurrentRequests() && !ops) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
            error(ctx, new ApiException(429, "too_many_requests", "over gateway.max-concurrent-requests="
                    + config.maxConcurrentRequests() + " requests in progress; retry after "
                    + config.retryAfterSeconds() + " s"));
            return;
        }
        ctx.next();
    }

    /** The cluster of the request's path; 404 when unknown. */
    ClusterRuntime cluster(RoutingContext ctx) {
        String name = ctx.pathParam("cluster");
        ClusterRuntime c = gateway.clusters().get(name == null ? config.defaultCluster() : name);
        if (c == null) {
            throw new ApiException(404, "unknown_cluster", "no cluster '" + name + "'; configured: "
                    + new TreeMap<>(gateway.clusters()).keySet());
        }
        return c;
    }

    private void listTopics(RoutingContext ctx) {
        ClusterRuntime c = cluster(ctx);
        Context vctx = Vertx.currentContext();
        future(vctx, c.admin.listTopics(new ListTopicsOptions().timeoutMs(5000)).names()).onComplete(ar -> {
            if (ar.failed()) {
                error(ctx, new ApiException(502, "kafka_unavailable", "listing topics failed: " + ar.cause()));
                return;
            }
            JsonArray names = new JsonArray(new ArrayList<>(new java.util.TreeSet<>(ar.result())));
            json(ctx, 200, new JsonObject().put("cluster", c.name).put("topics", names));
        });
    }

    private void describeTopic(RoutingContext ctx) {
        ClusterRuntime c = cluster(ctx);
        String topic = RecordReader.topic(ctx.pathParam("topic"));
        Context vctx = Vertx.currentContext();
        future(vctx, c.admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(5000)).allTopicNames())
                .onComplete(ar -> {
                    if (ar.failed()) {
                        Throwable t = ar.cause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                                ? ce.getCause() : ar.cause();
                        if (t instanceof UnknownTopicOrPartitionException) {
                            error(ctx, new ApiException(404, "topic_not_found", "topic '" + topic + "' does not exist in cluster '"
                                    + c.name + "'"));
                        } else {
                            error(ctx, new ApiException(502, "kafka_unavailable", "describing topic '" + topic + "' failed: " + t));
                        }
                        return;
                    }
                    TopicDescription d = ar.result().get(topic);
                    JsonArray parts = new JsonArray();
                    for (TopicPartitionInfo p : d.partitions()) {
                        parts.add(new JsonObject().put("partition", p.partition())
                                .put("leader", p.leader() == null || p.leader().isEmpty() ? null : p.leader().id())
                                .put("replicas", ids(p.replicas())).put("isr", ids(p.isr())));
                    }
                    json(ctx, 200, new JsonObject().put("cluster", c.name).put("topic", topic)
                            .put("internal", d.isInternal()).put("partitions", parts));
                });
    }

    private static JsonArray ids(List<Node> nodes) {
        JsonArray a = new JsonArray();
        nodes.forEach(n -> a.add(n.id()));
        return a;
    }

    private void ready(RoutingContext ctx) {
        String name = ctx.pathParam("cluster");
        List<ClusterRuntime> check = name == null ? List.copyOf(gateway.clusters().values()) : List.of(cluster(ctx));
        Context vctx = Vertx.currentContext();
        List<Future<Map.Entry<String, Integer>>> all = new ArrayList<>();
        for (ClusterRuntime c : check) {
            all.add(future(vctx, c.admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes())
                    .map(nodes -> Map.entry(c.name, nodes.size())));
        }
        Future.join(all).onComplete(ar -> {
            JsonObject clusters = new JsonObject();
            boolean ok = true;
            for (int i = 0; i < all.size(); i++) {
                Future<Map.Entry<String, Integer>> f = all.get(i);
                if (f.succeeded()) {
                    clusters.put(f.result().getKey(), new JsonObject().put("nodes", f.result().getValue()));
                } else {
                    ok = false;
                    clusters.put(check.get(i).name, new JsonObject().put("error", String.valueOf(f.cause())));
                }
            }
            if (gateway.shuttingDown()) {
                error(ctx, new ApiException(503, "shutting_down", "the gateway is shutting down"));
            } else {
                json(ctx, ok ? 200 : 503, new JsonObject().put("status", ok ? "ready" : "kafka_unavailable")
                        .put("clusters", clusters));
            }
        });
    }

    static <T> Future<T> future(Context vctx, KafkaFuture<T> kf) {
        Promise<T> p = Promise.promise();
        kf.whenComplete((v, t) -> vctx.runOnContext(x -> {
            if (t != null) {
                p.fail(t);
            } else {
                p.complete(v);
            }
        }));
        return p.future();
    }

    /** Answers {@code body} with {@code status}. Event-loop thread of the request. */
    static void json(RoutingContext ctx, int status, JsonObject body) {
        json(ctx, status, body.toBuffer());
    }

    /** Answers {@code body}, JSON text already encoded, with {@code status}. Event-loop thread of the request. */
    static void json(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body);
    }

    /** Answers a refusal as {@code {"error":{"status":..,"code":..,"message":..}}}. */
    void error(RoutingContext ctx, ApiException e) {
        if (e.status != 404 || !"not_found".equals(e.code)) {
            metrics.refused(e.code);
        }
        json(ctx, e.status, new JsonObject().put("error", new JsonObject()
                .put("status", e.status).put("code", e.code).put("message", e.getMessage())));
    }
}
