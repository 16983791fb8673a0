package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.cli.FerryCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FerryCliTest {
    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void serve_withABadConfiguration_exits2_namingTheSetting(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(
                file,
                "gateway:\n  port: high\nclusters:\n  default:\n    kafka: {bootstrap.servers: 'h:1'}\n");
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = FerryCli.run("serve", "--config", file.toString()));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("gateway.port").contains("high");
    }

    @Test
    void serve_withAMissingFile_exits2_namingIt(@TempDir Path dir) {
        int[] code = new int[1];
        String err =
                stderrOf(
                        () ->
                                code[0] =
                                        FerryCli.run(
                                                "serve",
                                                "--config",
                                                dir.resolve("nope.yaml").toString()));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("nope.yaml");
    }

    @Test
    void serve_withoutConfig_isAUsageError() {
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = FerryCli.run("serve"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("--config");
    }

    @Test
    void dev_whenThePortIsTaken_exits2_sayingWhichOptionPicksAnother() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            int[] code = new int[1];
            String err =
                    stderrOf(() -> code[0] = FerryCli.run("dev", "--port", String.valueOf(port)));
            assertThat(code[0]).isEqualTo(2);
            assertThat(err.strip())
                    .isEqualTo(
                            "ferry: port "
                                    + port
                                    + " on 127.0.0.1 is in use; pick another with --port N"
                                    + " (--port 0 picks a free one)");
        }
    }

    @Test
    void dev_whenTheKafkaPortIsTaken_exits2_namingKafkaPort() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            int[] code = new int[1];
            String err =
                    stderrOf(
                            () ->
                                    code[0] =
                                            FerryCli.run(
                                                    "dev",
                                                    "--port",
                                                    "0",
                                                    "--kafka-port",
                                                    String.valueOf(port)));
            assertThat(code[0]).isEqualTo(2);
            assertThat(err).contains("is in use; pick another with --kafka-port N");
        }
    }

    @Test
    void dev_whenTheKafkaPixyPortIsTaken_exits2_namingTheOption() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            int[] code = new int[1];
            String err =
                    stderrOf(
                            () ->
                                    code[0] =
                                            FerryCli.run(
                                                    "dev",
                                                    "--port",
                                                    "0",
                                                    "--kafka-pixy-port",
                                                    String.valueOf(port)));
            assertThat(code[0]).isEqualTo(2);
            assertThat(err).contains("is in use; pick another with --kafka-pixy-port N");
        }
    }

    @Test
    void topicsCreate_withoutPartitions_isAUsageError() {
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = FerryCli.run("topics", "create", "t"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("--partitions");
    }
}
