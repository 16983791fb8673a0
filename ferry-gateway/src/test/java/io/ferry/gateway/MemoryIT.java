package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory against {@code ferry serve} in a child JVM with a small heap (issue 16): 1 MB bodies while
 * the engine sends nothing (a linger and batch size that never run out during the test), so
 * everything accepted stays in the broker. With the defaults derived from the heap the gateway
 * refuses with 429 and stays alive; with bounds set over the heap it dies of an OutOfMemoryError at
 * once and visibly, not as a zombie.
 */
@KafkaTest
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MemoryIT {
    private static final String BODY = "x".repeat(1_000_000);
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("stuck", 1);
    }

    private Path config(Path dir, String gateway, String broker) throws Exception {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(
                file,
                """
                gateway:
                  port: 0
                  event-loops: 1
                %s
                clusters:
                  default:
                    kafka:
                      bootstrap.servers: %s
                      # nothing is sent: no batch fills and none lingers out while the test runs,
                      # so everything accepted stays in the broker
                      linger.ms: 600000
                      batch.size: 1000000000
                      max.request.size: 1000000000
                    broker:
                      type: memory
                %s
                """
                        .formatted(
                                gateway.indent(2).stripTrailing(),
                                kafka.bootstrap(),
                                broker.indent(6).stripTrailing()));
        return file;
    }

    /**
     * Posts {@code n} 1 MB bodies from 24 clients at once; the statuses seen (-1: no answer) and
     * how often, error codes after the status.
     */
    private static Map<String, Integer> flood(int port, int n) throws Exception {
        Http http = new Http(port);
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    String k;
                                    try {
                                        Http.Response r =
                                                http.post("/topics/stuck/messages?ack=local", BODY);
                                        k =
                                                r.status() == 202
                                                        ? "202"
                                                        : r.status()
                                                                + " "
                                                                + r.json()
                                                                        .getJsonObject("error")
                                                                        .getString("code");
                                    } catch (RuntimeException e) {
                                        k = "no answer";
                                    }
                                    statuses.merge(k, 1, Integer::sum);
                                },
                                pool));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(100, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        return statuses;
    }

    @Test
    void defaultBounds_fromTheHeap_refuseWith429_andTheGatewayStaysHealthy(@TempDir Path dir)
            throws Exception {
        Path file = config(dir, "max-concurrent-requests: 100\n", "events: 65536\n");
        try (GatewayProcess g =
                GatewayProcess.start(file, 1024, "128m", "-XX:+ExitOnOutOfMemoryError")) {
            Map<String, Integer> statuses = flood(g.port(), 300); // 300 MB into a 128 MB heap
            assertThat(statuses.keySet())
                    .as("accepted until the broker's share of the heap is full, then refused")
                    .contains("202", "429 broker_full")
                    .isSubsetOf("202", "429 broker_full", "429 too_many_bytes");
            assertThat(statuses.get("202"))
                    .as(
                            "a quarter of the heap (128 MB less survivor space) in 1 MB records: %s",
                            statuses)
                    .isBetween(20, 33);
            Http http = new Http(g.port());
            assertThat(http.get("/healthz").status()).isEqualTo(200);
            assertThat(g.process().isAlive()).isTrue();
            assertThat(g.lines()).noneMatch(l -> l.contains("java.lang.OutOfMemoryError"));
            assertThat(g.lines())
                    .as("the derived bound is logged")
                    .anyMatch(l -> l.contains("bytes=") && l.contains("a share of the max heap"));
        }
    }

    @Test
    void boundsOverTheHeap_endInAnOutOfMemoryError_andTheProcessExits(@TempDir Path dir)
            throws Exception {
        Path file =
                config(
                        dir,
                        "max-concurrent-requests: 100\nmax-in-flight-body-bytes: 4294967296\n",
                        "events: 65536\nbytes: 4GiB\n");
        // as ./ferry runs it
        try (GatewayProcess g =
                GatewayProcess.start(file, 1024, "128m", "-XX:+ExitOnOutOfMemoryError")) {
            assertThat(g.lines())
                    .anyMatch(l -> l.contains("over half the max heap") && l.contains("WARN"));
            Map<String, Integer> statuses = flood(g.port(), 300);
            assertThat(g.process().waitFor(30, TimeUnit.SECONDS))
                    .as("the process exited after the OutOfMemoryError; answers were %s", statuses)
                    .isTrue();
            assertThat(g.process().exitValue()).isNotZero();
            assertThat(g.lines()).anyMatch(l -> l.contains("OutOfMemoryError"));
        }
    }
}
