package io.ferry.gateway;

import io.ferry.broker.BrokerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's metrics in a Prometheus registry; safe from any thread. Request counts and
 * latencies by route and status, refusals by reason; per cluster the broker's fill and oldest
 * event, the executors per Kafka node, records and bytes sent and delivery failures by reason (read
 * from the pipeline at scrape time).
 */
final class GatewayMetrics implements AutoCloseable {
    /*
     * Design notes
     * The request histogram has a fixed set of 13 SLO buckets (1 ms .. 10 s, and +Inf) per route
     * and status: Micrometer's percentile histogram had about 70 per series, 253 KB per scrape after
     * a while (issue 16). Routes and statuses are the gateway's own (a bounded set), never taken
     * from the request; the cluster label of refusals is a configured cluster or "unknown".
     */

    /** The request-latency histogram's buckets: a fixed small set of SLOs. */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private final io.micrometer.core.instrument.binder.jvm.JvmGcMetrics gc =
            new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();

    GatewayMetrics() {
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
        Gauge.builder("process.resident.memory", GatewayMetrics::residentBytes)
                .description("resident set size of the process (VmRSS of /proc/self/status)")
                .baseUnit("bytes")
                .register(registry);
    }

    /** VmRSS of /proc/self/status in bytes; NaN where there is none (not Linux). */
    static double residentBytes() {
        try {
            for (String line :
                    java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim();
                    return Long.parseLong(kb.substring(0, kb.indexOf(' '))) * 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or an unexpected format
        }
        return Double.NaN;
    }

    /** Stops the GC listener. */
    @Override
    public void close() {
        gc.close();
    }

    /** Per route, the timers by HTTP status (100..599): no key is built per request. */
    private final Map<String, RouteTimers> timers = new ConcurrentHashMap<>();

    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Map<String, Counter> closed = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    /**
     * The timers of one route, to resolve once (when the route is set up) rather than looking the
     * route up per request.
     */
    RouteTimers route(String route) {
        return timers.computeIfAbsent(route, r -> new RouteTimers(r, registry));
    }

    /**
     * The timers of one route by HTTP status (100..599, others as 599), registered on first use.
     */
    static final class RouteTimers {
        private final String route;
        private final PrometheusMeterRegistry registry;
        private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

        private RouteTimers(String route, PrometheusMeterRegistry registry) {
            this.route = route;
            this.registry = registry;
        }

        /** A finished request of this route. */
        void record(int status, long nanos) {
            int i = status >= 100 && status < 600 ? status : 599;
            Timer t = byStatus.get(i);
            if (t == null) {
                t =
                        Timer.builder("ferry.http.requests")
                                .description("HTTP requests by route and status, and their latency")
                                .tag("route", route)
                                .tag("status", Integer.toString(status))
                                .serviceLevelObjectives(LATENCY_BUCKETS)
                                .register(registry); // the registry returns the same timer for the
                // same name and tags
                byStatus.set(i, t);
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A request refused, by cluster (a configured one, or {@code unknown}) and reason (the error
     * code: invalid_topic, broker_full ...).
     */
    void refused(String cluster, String code) {
        refusals.computeIfAbsent(
                        cluster + '/' + code,
                        k ->
                                Counter.builder("ferry.http.errors")
                                        .description("requests refused, by cluster and reason")
                                        .tag("cluster", cluster)
                                        .tag("reason", code)
                                        .register(registry))
                .increment();
    }

    /**
     * A connection the gateway closed, by reason: {@code over_limit} (gateway.max-connections),
     * {@code header_timeout}, {@code body_timeout}.
     */
    void connectionClosed(String reason) {
        closed.computeIfAbsent(
                        reason,
                        k ->
                                Counter.builder("ferry.http.connections.closed")
                                        .description(
                                                "connections the gateway closed, by reason"
                                                        + " (over_limit, header_timeout,"
                                                        + " body_timeout)")
                                        .tag("reason", k)
                                        .register(registry))
                .increment();
    }

    /** Registers the gauges of open connections and requests in progress. */
    void connections(
            java.util.concurrent.atomic.AtomicInteger main,
            java.util.concurrent.atomic.AtomicInteger management,
            HttpApi api) {
        Gauge.builder(
                        "ferry.http.connections",
                        main,
                        java.util.concurrent.atomic.AtomicInteger::get)
                .description("open HTTP connections")
                .tag("port", "main")
                .register(registry);
        Gauge.builder(
                        "ferry.http.connections",
                        management,
                        java.util.concurrent.atomic.AtomicInteger::get)
                .description("open HTTP connections")
                .tag("port", "management")
                .register(registry);
        Gauge.builder("ferry.http.requests.in.flight", api, HttpApi::inFlight)
                .description("HTTP requests in progress")
                .register(registry);
        Gauge.builder("ferry.http.body.in.flight", api, a -> a.bodies.used())
                .description(
                        "request-body bytes in progress (bounded by"
                                + " gateway.max-in-flight-body-bytes)")
                .baseUnit("bytes")
                .register(registry);
    }

    /** Registers the cluster's gauges. */
    void cluster(ClusterRuntime c) {
        brokerGauge(
                c,
                "ferry.broker.buffered.events",
                "events held by the broker",
                s -> s.bufferedEvents());
        brokerGauge(
                c,
                "ferry.broker.buffered.bytes",
                "bytes held by the broker",
                s -> s.bufferedBytes());
        brokerGauge(
                c,
                "ferry.broker.oldest.event.age.seconds",
                "age of the oldest event held",
                s -> s.oldestEventAgeNanos() / 1e9);
        Gauge.builder(
                        "ferry.broker.capacity.events",
                        c,
                        r -> r.pipeline.broker().bufferConfig().events())
                .description("the broker's capacity in events (<= 0: unbounded)")
                .tag("cluster", c.name)
                .register(registry);
        FunctionCounter.builder(
                        "ferry.broker.published",
                        c,
                        r -> r.pipeline.broker().stats().publishedEvents())
                .description("events accepted by the broker")
                .tag("cluster", c.name)
                .register(registry);
        FunctionCounter.builder(
                        "ferry.kafka.records.sent", c, r -> r.pipeline.engine().ackedRecords())
                .description("records acknowledged by Kafka")
                .tag("cluster", c.name)
                .register(registry);
        FunctionCounter.builder("ferry.kafka.bytes.sent", c.bytesSent, LongAdder::sum)
                .description(
                        "bytes of the records acknowledged by Kafka (as the broker counts them)")
                .tag("cluster", c.name)
                .register(registry);
        FunctionCounter.builder("ferry.gateway.undelivered", c.dropped, LongAdder::sum)
                .description("events dropped undelivered at shutdown")
                .tag("cluster", c.name)
                .register(registry);
        Gauge.builder("ferry.kafka.ready", c, r -> r.kafka().status().ready() ? 1 : 0)
                .description(
                        "1 while the cluster is ready (metadata fetched, nothing refuses the"
                                + " gateway, Kafka answers); /readyz says why not")
                .tag("cluster", c.name)
                .register(registry);
        Gauge.builder("ferry.spool.parked.events", c, r -> r.pipeline.engine().parkedEvents())
                .description(
                        "events kept in partitions Kafka refuses until an operator acts"
                                + " (TOPIC_AUTHORIZATION_FAILED); retried every 5 s")
                .tag("cluster", c.name)
                .tag("reason", "authorization")
                .register(registry);
        Gauge.builder("ferry.spool.parked.events", c, r -> r.pipeline.output().parkedEvents())
                .description(
                        "events parked aside in the lane of a partition that cannot be written"
                                + " (refused, no leader, no progress), so the rest flows")
                .tag("cluster", c.name)
                .tag("reason", "lane")
                .register(registry);
        Gauge.builder("ferry.spool.parked.events", c, r -> r.pipeline.output().heldEvents())
                .description("events held until their topic's metadata is known")
                .tag("cluster", c.name)
                .tag("reason", "no_metadata")
                .register(registry);
        Gauge.builder("ferry.spool.fill.ratio", c, ClusterRuntime::fillRatio)
                .description(
                        "how full the broker is, 0..1 (the larger of events and bytes); /readyz"
                                + " degrades at 0.8, produce requests get 429 at 1")
                .tag("cluster", c.name)
                .register(registry);
        Gauge.builder("ferry.dead.letter.waiting", c, r -> r.pipeline.engine().awaitingDeadLetter())
                .description(
                        "failed events the dead letter could not store yet (kept in the broker,"
                                + " offered again every second)")
                .tag("cluster", c.name)
                .register(registry);
        Gauge.builder("ferry.kafka.executors", c, r -> r.pipeline.engine().executorsByNode().size())
                .description("produce executors (one per Kafka node in use)")
                .tag("cluster", c.name)
                .register(registry);
    }

    private void brokerGauge(
            ClusterRuntime c, String name, String help, ToDoubleFunction<BrokerStats> f) {
        Gauge.builder(name, c, r -> f.applyAsDouble(r.pipeline.broker().stats()))
                .description(help)
                .tag("cluster", c.name)
                .register(registry);
    }

    /** Adds meters for nodes and failure reasons seen since the last scrape, then scrapes. */
    String scrape(Iterable<ClusterRuntime> clusters) {
        for (ClusterRuntime c : clusters) {
            for (Integer node : c.pipeline.engine().executorsByNode().keySet()) {
                if (seen.add(c.name + "/node/" + node)) {
                    Gauge.builder(
                                    "ferry.kafka.executor.workers",
                                    c,
                                    r ->
                                            r.pipeline
                                                    .engine()
                                                    .executorsByNode()
                                                    .getOrDefault(node, 0))
                            .description(
                                    "partition workers attached to the executor of a Kafka node")
                            .tag("cluster", c.name)
                            .tag("node", node.toString())
                            .register(registry);
                }
            }
            for (Map.Entry<String, LongAdder> f : c.failures.entrySet()) {
                if (seen.add(c.name + "/failure/" + f.getKey())) {
                    FunctionCounter.builder(
                                    "ferry.kafka.delivery.failures", f.getValue(), LongAdder::sum)
                            .description("records that failed for good, by DeliveryFailure code")
                            .tag("cluster", c.name)
                            .tag("reason", f.getKey())
                            .register(registry);
                }
            }
            for (io.ferry.kafka.DeliveryFailure.Code code :
                    io.ferry.kafka.DeliveryFailure.Code.values()) {
                if (c.pipeline.engine().deadLettered(code) > 0
                        && seen.add(c.name + "/dead-letter/" + code)) {
                    FunctionCounter.builder(
                                    "ferry.dead.letter.events",
                                    c.pipeline.engine(),
                                    e -> e.deadLettered(code))
                            .description(
                                    "events stored in the dead letter, by DeliveryFailure code")
                            .tag("cluster", c.name)
                            .tag("code", code.name())
                            .register(registry);
                }
            }
            for (Map.Entry<String, LongAdder> k : c.conditions.entrySet()) {
                if (seen.add(c.name + "/refusal/" + k.getKey())) {
                    FunctionCounter.builder("ferry.kafka.refusals", k.getValue(), LongAdder::sum)
                            .description(
                                    "times Kafka began refusing this gateway, by condition"
                                            + " (authentication, authorization, ...)")
                            .tag("cluster", c.name)
                            .tag("kind", k.getKey())
                            .register(registry);
                }
            }
        }
        return registry.scrape();
    }
}
