package io.ferry.gateway.cli;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.AckLevel;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.kafka.KafkaSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ferry} command: {@code ferry serve --config ferry.yaml}, {@code ferry dev}. Main
 * thread only.
 */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        version = "ferry 0.1.0-SNAPSHOT",
        description = "Carries application events into Apache Kafka without losing them.",
        subcommands = {FerryCli.Serve.class, FerryCli.Dev.class, CommandLine.HelpCommand.class})
public final class FerryCli {
    private static final Logger LOG = LoggerFactory.getLogger(FerryCli.class);

    private FerryCli() {}

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(FerryCli.class)
                .setExecutionExceptionHandler(
                        (e, cmd, parsed) -> {
                            if (e instanceof GatewayConfig.ConfigException
                                    || e instanceof io.ferry.broker.BrokerConfigException
                                    || e instanceof IllegalStateException
                                    || e instanceof IllegalArgumentException) {
                                cmd.getErr().println("ferry: " + e.getMessage());
                                return 2;
                            }
                            throw e;
                        })
                .execute(args);
    }

    /** Serves until SIGTERM/SIGINT, then shuts down gracefully. */
    static int serveUntilSignalled(Gateway gateway, Runnable afterShutdown)
            throws InterruptedException {
        gateway.failFast(System::exit); // an OutOfMemoryError or a dead engine thread: exit 70
        CountDownLatch done = new CountDownLatch(1);
        boolean[] clean = {true};
        Thread hook =
                new Thread(
                        () -> {
                            LOG.info("signal received: shutting down");
                            try {
                                clean[0] = gateway.shutdown();
                            } finally {
                                afterShutdown.run();
                                done.countDown();
                            }
                        },
                        "ferry-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        done.await();
        return clean[0] ? 0 : 1;
    }

    /** {@code ferry serve}. */
    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = "Runs the gateway with a YAML configuration.")
    static final class Serve implements Callable<Integer> {
        @Option(
                names = {"-c", "--config"},
                required = true,
                description = "the configuration file (ferry.yaml)")
        Path config;

        @Override
        public Integer call() throws Exception {
            GatewayConfig cfg = GatewayConfig.load(config);
            Gateway gateway = Gateway.start(cfg);
            return serveUntilSignalled(gateway, () -> {});
        }
    }

    /** {@code ferry dev}. */
    @Command(
            name = "dev",
            mixinStandardHelpOptions = true,
            description =
                    "Starts a real single-node Kafka in this process and the gateway on it (memory broker), "
                            + "and prints curl commands to try.")
    static final class Dev implements Callable<Integer> {
        @Option(
                names = {"-p", "--port"},
                defaultValue = "8080",
                description = "the gateway's HTTP port (default ${DEFAULT-VALUE})")
        int port;

        @Option(
                names = "--ack",
                defaultValue = "local",
                description =
                        "the default ack level: none, local, kafka (default ${DEFAULT-VALUE})")
        String ack;

        @Override
        public Integer call() throws Exception {
            AckLevel level;
            try {
                level = AckLevel.valueOf(ack.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--ack is '" + ack + "'; expected none, local or kafka");
            }
            System.out.println("ferry dev: starting a single-node Kafka in-process (KRaft) ...");
            DevKafka kafka = DevKafka.start();
            Gateway gateway;
            try {
                kafka.createTopic("demo", 3);
                KafkaSettings settings =
                        KafkaSettings.from(
                                Map.of(
                                        "bootstrap.servers",
                                        kafka.bootstrapServers(),
                                        "linger.ms",
                                        5));
                GatewayConfig cfg =
                        GatewayConfig.of(
                                        settings,
                                        BrokerConfig.of("memory", Map.of("events", 65536)))
                                .withPort(port)
                                .withDefaultAck(level);
                gateway = Gateway.start(cfg);
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            System.out.println(banner(kafka.bootstrapServers(), gateway.port()));
            return serveUntilSignalled(
                    gateway,
                    () -> {
                        try {
                            kafka.close();
                        } catch (RuntimeException e) {
                            LOG.warn("stopping the dev Kafka: {}", e.toString());
                        }
                    });
        }

        static String banner(String bootstrap, int port) {
            String u = "http://localhost:" + port;
            return String.join(
                    System.lineSeparator(),
                    "",
                    "ferry dev is ready: Kafka at "
                            + bootstrap
                            + ", gateway at "
                            + u
                            + " (topic 'demo', 3 partitions).",
                    "Try, in another terminal:",
                    "",
                    "  curl -s -X POST '"
                            + u
                            + "/topics/demo/messages?key=user-1&ack=kafka' -H 'X-Kafka-source: curl' -d 'hello ferry'",
                    "  curl -s -X POST '"
                            + u
                            + "/topics/demo/records?ack=kafka' -H 'Content-Type: application/json' \\",
                    "       -d '{\"records\":[{\"key\":\"a\",\"value\":{\"n\":1}},{\"key\":\"b\",\"value\":\"aGk=\",\"valueEncoding\":\"base64\"}]}'",
                    "  curl -s '" + u + "/topics/demo'",
                    "  curl -s '" + u + "/topics'",
                    "  curl -s '" + u + "/readyz'",
                    "  curl -s '" + u + "/metrics' | grep ^ferry_",
                    "",
                    "Ctrl-C stops the gateway (draining into Kafka) and Kafka.",
                    "");
        }
    }
}
