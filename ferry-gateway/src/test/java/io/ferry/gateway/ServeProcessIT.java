package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
        try (ChildFerry child =
                ChildFerry.start(List.of(), "serve", "--config", config.toString())) {
            Http http =
                    new Http(
                            Integer.parseInt(
                                    child.await(LISTENING, Duration.ofSeconds(60)).group(1)));
            Set<String> accepted = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                Http.Response r =
                        http.post("/topics/served/messages?ack=local&key=k" + (i % 7), "v" + i);
                assertThat(r.status()).as(r.toString()).isEqualTo(202);
                accepted.add("v" + i);
            }
            assertThat(kafka.readAll("served", 2)).as("lingering: nothing sent yet").isEmpty();

            child.sigterm();
            assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exited").isTrue();
            child.await(Pattern.compile("gateway stopped"), Duration.ofSeconds(10));
            List<String> lines = child.lines();

            Set<String> delivered = new HashSet<>();
            kafka.readAll("served", 2).forEach(r -> delivered.add(new String(r.value(), UTF_8)));
            assertThat(delivered).isEqualTo(accepted);
            assertThat(lines)
                    .anyMatch(l -> l.contains("signal received: shutting down"))
                    .anyMatch(l -> l.contains("drained 200 buffered events into Kafka"))
                    .anyMatch(
                            l -> l.contains("gateway stopped; everything accepted was delivered"));
        }
    }
}
