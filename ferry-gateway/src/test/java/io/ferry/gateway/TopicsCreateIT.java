package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.UniqueTopic;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry topics create} against a real cluster: created, refused, Kafka unreachable. */
@KafkaTest(combined = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TopicsCreateIT {
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
    }

    private static CliRun ferry(String... args) {
        return CliRun.of(args);
    }

    @Test
    void create_makesTheTopic_withItsPartitionsAndConfig(@UniqueTopic String topic)
            throws Exception {
        CliRun r =
                ferry(
                        "topics",
                        "create",
                        topic,
                        "--partitions",
                        "4",
                        "--config",
                        "retention.ms=3600000",
                        "--bootstrap",
                        kafka.bootstrap());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().strip())
                .isEqualTo("created topic '" + topic + "': 4 partitions, replication factor 1");
        try (Admin admin = kafka.admin()) {
            assertThat(
                            admin.describeTopics(List.of(topic))
                                    .allTopicNames()
                                    .get(30, TimeUnit.SECONDS)
                                    .get(topic)
                                    .partitions())
                    .hasSize(4);
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config c = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
            assertThat(c.get("retention.ms").value()).isEqualTo("3600000");
        }
    }

    @Test
    void create_ofAnExistingTopic_exits1_sayingSo(@UniqueTopic String topic) {
        kafka.createTopic(topic, 1);
        CliRun r =
                ferry(
                        "topics",
                        "create",
                        topic,
                        "--partitions",
                        "2",
                        "--bootstrap",
                        kafka.bootstrap());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip())
                .isEqualTo("ferry: topic '" + topic + "' already exists at " + kafka.bootstrap());
    }

    @Test
    void create_refusedByKafka_exits1_withKafkasReason(@UniqueTopic String topic) {
        CliRun r =
                ferry(
                        "topics",
                        "create",
                        topic,
                        "--partitions",
                        "1",
                        "--replication-factor",
                        "3",
                        "--bootstrap",
                        kafka.bootstrap());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .startsWith("ferry: Kafka refused topic '" + topic + "': ")
                .contains("replication factor");
    }

    @Test
    void create_whenKafkaIsUnreachable_exits1_withinTheTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        long start = System.nanoTime();
        CliRun r =
                ferry(
                        "topics",
                        "create",
                        "nowhere",
                        "--partitions",
                        "1",
                        "--bootstrap",
                        "127.0.0.1:" + closed,
                        "--timeout",
                        "2");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip())
                .isEqualTo(
                        "ferry: Kafka at 127.0.0.1:"
                                + closed
                                + " did not answer within 2 s; is it running? (--bootstrap or"
                                + " --config-file names it)");
        assertThat(seconds).isLessThan(15);
    }

    @Test
    void create_withAConfigFile_usesItsCluster(@UniqueTopic String topic, @TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(
                file,
                """
                clusters:
                  other:
                    kafka: {bootstrap.servers: '127.0.0.1:1'}
                  main:
                    kafka: {bootstrap.servers: '%s', linger.ms: 5}
                """
                        .formatted(kafka.bootstrap()));
        CliRun r =
                ferry(
                        "topics",
                        "create",
                        topic,
                        "--partitions",
                        "2",
                        "--config-file",
                        file.toString(),
                        "--cluster",
                        "main");
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun unknown =
                ferry(
                        "topics",
                        "create",
                        topic,
                        "--partitions",
                        "2",
                        "--config-file",
                        file.toString(),
                        "--cluster",
                        "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--cluster is 'nope'").contains("[main, other]");
    }
}
