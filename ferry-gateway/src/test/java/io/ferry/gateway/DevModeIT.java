package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry dev} as a user runs it, in a child process: with a pinned {@code --kafka-port} and
 * {@code --data-dir}, a record produced before a SIGTERM is read back after the next start.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DevModeIT {
    private static final Pattern READY =
            Pattern.compile("ferry dev is ready: Kafka at ([^,]+), gateway at http://[^:]+:(\\d+)");

    /** A running {@code ferry dev} child and its output. */
    private record Dev(ChildFerry child, String kafka, int httpPort) {
        Process process() {
            return child.process();
        }

        List<String> lines() {
            return child.lines();
        }
    }

    private static Dev start(String... args) throws Exception {
        List<String> cli = new ArrayList<>();
        cli.add("dev");
        cli.addAll(List.of(args));
        ChildFerry child = ChildFerry.start(List.of("-Xmx512m"), cli.toArray(String[]::new));
        try {
            Matcher m = child.await(READY, Duration.ofSeconds(90));
            return new Dev(child, m.group(1), Integer.parseInt(m.group(2)));
        } catch (AssertionError | InterruptedException e) {
            child.close();
            throw e;
        }
    }

    /** SIGTERM, then the exit: 143 (128 + SIGTERM) once the shutdown hook has stopped all. */
    private static void stop(Dev dev) throws Exception {
        dev.process().toHandle().destroy();
        assertThat(dev.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(dev.process().exitValue()).as("%s", dev.lines()).isEqualTo(143);
        dev.child().await(Pattern.compile("gateway stopped"), Duration.ofSeconds(10));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String readAt(String bootstrap, int partition, long offset) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("demo", partition);
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() == offset) {
                        return r.value();
                    }
                }
            }
            return null;
        }
    }

    @Test
    void pinnedKafkaPortAndDataDir_keepTheRecords_acrossARestart(@TempDir Path dir)
            throws Exception {
        int kafkaPort = freePort();
        Path data = dir.resolve("data");
        String[] args = {
            "--port",
            "0",
            "--kafka-pixy-port",
            "0",
            "--kafka-port",
            String.valueOf(kafkaPort),
            "--data-dir",
            data.toString()
        };
        Dev first = start(args);
        Dev second = null;
        try {
            assertThat(first.kafka()).isEqualTo("127.0.0.1:" + kafkaPort);
            Http.Response r =
                    new Http(first.httpPort())
                            .post("/topics/demo/messages?ack=kafka&key=k", "kept across restarts");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            int partition = r.json().getInteger("partition");
            long offset = r.json().getLong("offset");
            stop(first);
            assertThat(data.resolve("kafka/meta.properties")).exists();
            assertThat(data.resolve("kafka.log")).exists();
            assertThat(first.lines())
                    .as("Kafka's stack traces stay out of the console")
                    .noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in thread"));

            second = start(args);
            assertThat(second.kafka()).isEqualTo(first.kafka());
            assertThat(readAt(second.kafka(), partition, offset)).isEqualTo("kept across restarts");
            Http.Response again =
                    new Http(second.httpPort()).post("/topics/demo/messages?ack=kafka&key=k", "n");
            assertThat(again.status()).as(again.toString()).isEqualTo(200);
            if (again.json().getInteger("partition") == partition) {
                assertThat(again.json().getLong("offset")).isGreaterThan(offset);
            }
            stop(second);
        } finally {
            first.process().destroyForcibly();
            if (second != null) {
                second.process().destroyForcibly();
            }
        }
    }

    @Test
    void withoutDataDir_theTemporaryDirectoryIsGoneAfterTheExit() throws Exception {
        Dev dev = start("--port", "0", "--kafka-pixy-port", "0");
        try {
            // the banner's lines arrive one by one: wait for this one (CI once read the lines
            // between the ready line and it)
            String line =
                    dev.child()
                            .await(Pattern.compile("^Kafka's data: .*"), Duration.ofSeconds(10))
                            .group();
            Path tmp = Path.of(line.substring("Kafka's data: ".length(), line.indexOf(" (")));
            assertThat(tmp).isDirectory();
            assertThat(line).contains("(temporary: removed at exit; --data-dir keeps it)");
            assertThat(dev.lines())
                    .anyMatch(l -> l.contains("gateway listening on http://127.0.0.1:"));
            // the kafka-pixy listener is on, and the banner's curl line for it works
            Matcher pixy =
                    dev.child()
                            .await(
                                    Pattern.compile(
                                            "^kafka-pixy's REST API .* at http://localhost:(\\d+):"),
                                    Duration.ofSeconds(10));
            int pixyPort = Integer.parseInt(pixy.group(1));
            Http.Response r =
                    new Http(pixyPort)
                            .post(
                                    "/topics/demo/messages?key=user-1&sync",
                                    "hello pixy",
                                    "Content-Type",
                                    "text/plain",
                                    "X-Kafka-source",
                                    "Y3VybA==");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().getLong("offset")).isNotNegative();
            // the banner's consume lines: what was produced comes back, is acknowledged, and
            // the group's offsets show it
            Http http = new Http(dev.httpPort());
            // the group's first join can outlast one long poll on a loaded machine (CI answered
            // one [] after its 3 s): a newcomer runs the banner's line again
            Http.Response taken =
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(60))
                            .until(
                                    () ->
                                            http.get(
                                                    "/topics/demo/records?group=demo-app&max=10"
                                                            + "&wait=3000&format=string"),
                                    t -> t.status() != 200 || !t.body().equals("[]"));
            assertThat(taken.status()).as(taken.toString()).isEqualTo(200);
            assertThat(taken.body()).contains("hello pixy");
            Http.Response acked =
                    http.post(
                            "/topics/demo/acks?group=demo-app",
                            "[{\"partition\":0,\"from\":0,\"to\":1000},{\"partition\":1,\"from\":0,\"to\":1000},{\"partition\":2,\"from\":0,\"to\":1000}]",
                            "Content-Type",
                            "application/json");
            assertThat(acked.status()).as(acked.toString()).isEqualTo(200);
            assertThat(acked.json().getInteger("acknowledged")).isEqualTo(1);
            // 408 is kafka-pixy's answer when its long poll ends first (the group still joining)
            Http.Response pixyTake =
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(60))
                            .until(
                                    () ->
                                            new Http(pixyPort)
                                                    .get("/topics/demo/messages?group=demo-pixy"),
                                    t -> t.status() != 408);
            assertThat(pixyTake.status()).as(pixyTake.toString()).isEqualTo(200);
            assertThat(dev.lines()).anyMatch(l -> l.contains("KafkaPixy/ConsumeNAck"));
            stop(dev);
            assertThat(Files.exists(tmp)).as("removed at exit").isFalse();
        } finally {
            dev.process().destroyForcibly();
        }
    }
}
