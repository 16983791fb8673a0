package io.ferry.gateway.cli;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.AckLevel;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.KafkaPixyConfig;
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
 * The {@code ferry} command: {@code ferry serve --config ferry.yaml}, {@code ferry dev}, {@code
 * ferry topics create}, {@code ferry dead-letter list|replay}, {@code ferry api-key}. Main thread
 * only.
 */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        version = "ferry 0.1.0-SNAPSHOT",
        description = "Carries application events into Apache Kafka without losing them.",
        subcommands = {
            FerryCli.Serve.class,
            FerryCli.Dev.class,
            TopicsCommand.class,
            DeadLetterCommand.class,
            ApiKeyCommand.class,
            CommandLine.HelpCommand.class
        })
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
                description =
                        "the gateway's HTTP port; 0 picks a free one (default ${DEFAULT-VALUE})")
        int port;

        @Option(
                names = "--host",
                defaultValue = "127.0.0.1",
                description =
                        "the address the gateway listens on; 0.0.0.0 for every interface (default"
                                + " ${DEFAULT-VALUE})")
        String host;

        @Option(
                names = "--kafka-port",
                defaultValue = "0",
                description =
                        "the dev Kafka's port on 127.0.0.1; pin it to keep its address across"
                                + " restarts (default: a free port)")
        int kafkaPort;

        @Option(
                names = "--kafka-pixy-port",
                defaultValue = "" + KafkaPixyConfig.DEFAULT_PORT,
                description =
                        "the port of the kafka-pixy listener (kafka-pixy's REST API, on --host);"
                                + " 0 picks a free one (default ${DEFAULT-VALUE}, kafka-pixy's own)")
        int kafkaPixyPort;

        @Option(
                names = "--data-dir",
                description =
                        "where the dev Kafka keeps its data, kept across restarts (default: a"
                                + " temporary directory, removed at exit)")
        Path dataDir;

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
            // before Kafka starts: a taken port fails in a moment, with the option that fixes it
            Ports.requireFree(host, port, "--port");
            Ports.requireFree("127.0.0.1", kafkaPort, "--kafka-port");
            Ports.requireFree(host, kafkaPixyPort, "--kafka-pixy-port");
            DevDirectory dir =
                    dataDir == null
                            ? DevDirectory.temporary(Path.of(System.getProperty("java.io.tmpdir")))
                            : DevDirectory.persistent(dataDir);
            // until serveUntilSignalled's hook takes over: a Ctrl-C during the start removes a
            // temporary directory too
            Thread early = new Thread(dir::close, "ferry-dev-cleanup");
            Runtime.getRuntime().addShutdownHook(early);
            DevKafka kafka = null;
            Gateway gateway;
            try {
                KafkaLogging.toFile(dir.kafkaLogFile());
                System.out.println(
                        "ferry dev: starting a single-node Kafka in-process (KRaft) ...");
                try {
                    kafka = DevKafka.start(dir.kafkaData(), kafkaPort);
                } catch (RuntimeException e) {
                    throw Ports.explainBindFailure(e, "127.0.0.1", kafkaPort, "--kafka-port");
                }
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
                                .withHost(host)
                                .withPort(port)
                                .withDefaultAck(level)
                                .withKafkaPixy(KafkaPixyConfig.on(host, kafkaPixyPort))
                                // gRPC on 19091, or on a free port (logged) when that is taken
                                .withGrpc(
                                        io.ferry.gateway.GrpcSettings.DEFAULT.withPort(
                                                Ports.freeOr0(
                                                        host,
                                                        port == 0
                                                                ? 0
                                                                : io.ferry.gateway.GrpcSettings
                                                                        .DEFAULT_PORT)));
                // a newcomer produces, then consumes: dev groups start at the earliest offset
                cfg =
                        cfg.withClusters(
                                Map.of(
                                        "default",
                                        cfg.clusters()
                                                .get("default")
                                                .withConsume(
                                                        io.ferry.gateway.ConsumeConfig.DEFAULT
                                                                .withStartAtEarliest(true))));
                try {
                    gateway = Gateway.start(cfg);
                } catch (KafkaPixyConfig.CannotListen e) {
                    throw e.portInUse() ? Ports.inUse(host, kafkaPixyPort, "--kafka-pixy-port") : e;
                } catch (RuntimeException e) {
                    throw Ports.explainBindFailure(e, host, port, "--port");
                }
            } catch (RuntimeException e) {
                if (kafka != null) {
                    kafka.close();
                }
                dir.close();
                Runtime.getRuntime().removeShutdownHook(early);
                throw e;
            }
            String where =
                    "Kafka's data: "
                            + dir.path()
                            + (dir.isTemporary()
                                    ? " (temporary: removed at exit; --data-dir keeps it)"
                                    : " (kept)")
                            + "; Kafka's own log: "
                            + dir.kafkaLogFile();
            System.out.println(
                    banner(
                            kafka.bootstrapServers(),
                            gateway.port(),
                            gateway.kafkaPixyPort(),
                            gateway.grpcPort(),
                            where));
            DevKafka started = kafka;
            Runtime.getRuntime().removeShutdownHook(early);
            return serveUntilSignalled(
                    gateway,
                    () -> {
                        try {
                            started.close();
                        } catch (RuntimeException e) {
                            LOG.warn("stopping the dev Kafka: {}", e.toString());
                        } finally {
                            dir.close();
                        }
                    });
        }

        static String banner(
                String bootstrap, int port, int kafkaPixyPort, int grpcPort, String where) {
            String u = "http://localhost:" + port;
            String p = "http://localhost:" + kafkaPixyPort;
            return String.join(
                    System.lineSeparator(),
                    "",
                    "ferry dev is ready: Kafka at "
                            + bootstrap
                            + ", gateway at "
                            + u
                            + " (topic 'demo', 3 partitions).",
                    where,
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
                    "  ./ferry topics create orders --partitions 6 --bootstrap " + bootstrap,
                    "",
                    "Consume for a group (dev groups start at the earliest offset), then acknowledge:",
                    "",
                    "  curl -s '"
                            + u
                            + "/topics/demo/records?group=demo-app&max=10&wait=3000&format=string'",
                    "  curl -s -X POST '"
                            + u
                            + "/topics/demo/acks?group=demo-app' -H 'Content-Type: application/json' \\",
                    "       -d '[{\"partition\":0,\"from\":0,\"to\":1000},{\"partition\":1,\"from\":0,\"to\":1000},{\"partition\":2,\"from\":0,\"to\":1000}]'",
                    "  curl -s '" + u + "/topics/demo/offsets?group=demo-app'",
                    "",
                    "kafka-pixy's REST API (its clients unchanged) at "
                            + p
                            + ": record header values are base64, ?sync waits for Kafka:",
                    "",
                    "  curl -s -X POST '"
                            + p
                            + "/topics/demo/messages?key=user-1&sync' -H 'Content-Type: text/plain'"
                            + " -H 'X-Kafka-source: Y3VybA==' -d 'hello pixy'",
                    "  curl -s '" + p + "/topics/demo?withPartitions'",
                    "  curl -s '"
                            + p
                            + "/topics/demo/messages?group=demo-pixy'      # consume one, auto-acked",
                    "",
                    "gRPC (ferry.v1.Ferry and kafka-pixy's KafkaPixy) at localhost:"
                            + grpcPort
                            + ", e.g. with grpcurl:",
                    "",
                    "  grpcurl -plaintext -import-path ferry-gateway/src/main/proto -proto kafkapixy.proto \\",
                    "       -d '{\"topic\":\"demo\",\"group\":\"demo-grpc\",\"auto_ack\":true}' localhost:"
                            + grpcPort
                            + " KafkaPixy/ConsumeNAck",
                    "",
                    "Ctrl-C stops the gateway (draining into Kafka) and Kafka.",
                    "");
        }
    }
}
