package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
    @Test
    void theLatencyHistogram_hasTheFixedBuckets_andTheScrapeStaysSmall_afterManyRequests() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (GatewayMetrics m = new GatewayMetrics()) {
            int base = m.registry.scrape().length();
            List<String> routes =
                    List.of(
                            "/topics/:topic/messages",
                            "/topics/:topic/records",
                            "/clusters/:cluster/topics/:topic/messages",
                            "/topics/:topic",
                            "other");
            int[] statuses = {200, 202, 207, 400, 404, 405, 408, 413, 415, 429, 431, 500, 503, 504};
            for (String r : routes) {
                GatewayMetrics.RouteTimers t = m.route(r);
                for (int i = 0; i < 20_000; i++) {
                    // latencies from 1 µs to about 100 s, log-uniform
                    long nanos = (long) Math.pow(10, 3 + random.nextDouble() * 8);
                    t.record(statuses[random.nextInt(statuses.length)], nanos);
                }
            }
            for (String code : List.of("invalid_topic", "broker_full", "too_many_requests")) {
                m.refused("default", code);
                m.refused("unknown", code);
            }
            String scrape = m.registry.scrape();
            long series = routes.size() * (long) statuses.length;
            long buckets =
                    scrape.lines()
                            .filter(l -> l.startsWith("ferry_http_requests_seconds_bucket"))
                            .count();
            assertThat(buckets)
                    .as("13 SLO buckets and +Inf per route and status (seed %d)", seed)
                    .isEqualTo(series * (GatewayMetrics.LATENCY_BUCKETS.length + 1));
            assertThat(scrape)
                    .contains("le=\"0.001\"", "le=\"0.025\"", "le=\"10.0\"", "le=\"+Inf\"")
                    .contains(
                            "ferry_http_errors_total{cluster=\"unknown\",reason=\"broker_full\"}");
            // 70 series of 17 lines each; before: about 70 buckets per series, 253 KB in all
            assertThat(scrape.length() - base)
                    .as("bytes added by %d series (seed %d)", series, seed)
                    .isLessThan(150_000);
        }
    }

    @Test
    void jvmAndProcessMetrics_areThere() {
        try (GatewayMetrics m = new GatewayMetrics()) {
            String scrape = m.registry.scrape();
            assertThat(scrape)
                    .contains(
                            "jvm_memory_used_bytes",
                            "jvm_gc_",
                            "jvm_threads_live_threads",
                            "process_cpu_usage",
                            "process_files_open_files",
                            "process_resident_memory_bytes");
            assertThat(GatewayMetrics.residentBytes())
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(0));
        }
    }
}
