package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.cli.FerryCli;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry serve --config ferry.yaml} as a real child process: it serves, and on SIGTERM it
 * shuts down gracefully, delivering everything it acknowledged.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeProcessIT {
    private static final Pattern LISTENING =
            Pattern.compile("gateway listening on http://[^:]+:(\\d+)");
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("served", 2);
    }

    @Test
    void sigterm_drainsEverythingAcknowledged_andLogsTheShutdown(@TempDir Path dir)
            throws Exception {
        Path config = dir.resolve("ferry.yaml");
        // a long linger keeps what is accepted in the broker until the shutdown flushes it
        Files.writeString(
                config,
                """
                gateway:
                  port: 0
                  shutdown-timeout-ms: 20000
                clusters:
                  default:
                    kafka:
                      bootstrap.servers: %s
                      linger.ms: 60000
                      batch.size: 1000000
                """
                        .formatted(kafka.bootstrap()));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                javaBin,
                                "-cp",
                                System.getProperty("java.class.path"),
                                FerryCli.class.getName(),
                                "serve",
                                "--config",
                                config.toString())
                        .redirectErrorStream(true)
                        .start();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(p.getInputStream(), UTF_8))) {
                                for (String line; (line = r.readLine()) != null; ) {
                                    lines.add(line);
                                    Matcher m = LISTENING.matcher(line);
                                    if (m.find()) {
                                        port.complete(Integer.parseInt(m.group(1)));
                                    }
                                }
                            } catch (java.io.IOException e) {
                                port.completeExceptionally(e);
                            }
                            port.completeExceptionally(
                                    new AssertionError(
                                            "the gateway exited before listening: " + lines));
                        });
        reader.start();
        try {
            Http http = new Http(port.get(60, TimeUnit.SECONDS));
            Set<String> accepted = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                Http.Response r =
                        http.post("/topics/served/messages?ack=local&key=k" + (i % 7), "v" + i);
                assertThat(r.status()).as(r.toString()).isEqualTo(202);
                accepted.add("v" + i);
            }
            assertThat(kafka.readAll("served", 2)).as("lingering: nothing sent yet").isEmpty();

            p.toHandle()
                    .destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
            reader.join(10_000);

            Set<String> delivered = new HashSet<>();
            kafka.readAll("served", 2).forEach(r -> delivered.add(new String(r.value(), UTF_8)));
            assertThat(delivered).isEqualTo(accepted);
            assertThat(lines)
                    .anyMatch(l -> l.contains("signal received: shutting down"))
                    .anyMatch(l -> l.contains("drained 200 buffered events into Kafka"))
                    .anyMatch(
                            l -> l.contains("gateway stopped; everything accepted was delivered"));
        } finally {
            p.destroyForcibly();
        }
    }
}
