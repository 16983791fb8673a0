package io.ferry.gateway.cli;

import io.ferry.gateway.GatewayConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry topics}: topic administration without writing a program. Main thread only. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manages Kafka topics.",
        subcommands = {TopicsCommand.Create.class})
final class TopicsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is needed: create");
    }

    /** Where to find Kafka: a bootstrap address, or a cluster of a gateway configuration. */
    static final class Target {
        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                description = "Kafka's bootstrap servers (default localhost:9092)")
        String bootstrap;

        @ArgGroup(exclusive = false)
        FromConfig fromConfig;
    }

    /** {@code --config-file ferry.yaml [--cluster NAME]}. */
    static final class FromConfig {
        @Option(
                names = "--config-file",
                required = true,
                paramLabel = "FILE",
                description =
                        "a gateway configuration (ferry.yaml): its cluster's Kafka settings,"
                                + " security included")
        Path file;

        @Option(
                names = "--cluster",
                paramLabel = "NAME",
                description = "the cluster of --config-file (default: its gateway.default-cluster)")
        String cluster;
    }

    /** {@code ferry topics create}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Creates a topic; exits 0 once Kafka has it, 1 when Kafka refused it.")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "the topic")
        String name;

        @Option(
                names = "--partitions",
                required = true,
                paramLabel = "N",
                description = "the number of partitions (at least 1)")
        int partitions;

        @Option(
                names = "--replication-factor",
                paramLabel = "R",
                description =
                        "replicas per partition (default: the brokers' default.replication.factor)")
        Short replicationFactor;

        @Option(
                names = "--config",
                paramLabel = "KEY=VALUE",
                description = "a topic setting (repeatable), e.g. --config retention.ms=3600000")
        Map<String, String> configs = new LinkedHashMap<>();

        @ArgGroup(exclusive = true)
        Target target;

        @Option(
                names = "--timeout",
                defaultValue = "15",
                paramLabel = "SECONDS",
                description = "how long Kafka may take to answer (default ${DEFAULT-VALUE} s)")
        int timeoutSeconds;

        @Override
        public Integer call() {
            if (partitions < 1) {
                throw new IllegalArgumentException(
                        "--partitions is " + partitions + "; expected at least 1");
            }
            if (replicationFactor != null && replicationFactor < 1) {
                throw new IllegalArgumentException(
                        "--replication-factor is " + replicationFactor + "; expected at least 1");
            }
            if (timeoutSeconds < 1) {
                throw new IllegalArgumentException(
                        "--timeout is " + timeoutSeconds + "; expected at least 1 (seconds)");
            }
            Properties admin = adminSettings();
            String where = admin.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            KafkaLogging.off(); // its retries would print a line per attempt; the outcome is ours
            NewTopic topic =
                    new NewTopic(
                                    name,
                                    Optional.of(partitions),
                                    Optional.ofNullable(replicationFactor))
                            .configs(configs);
            try (Admin a = Admin.create(admin)) {
                CreateTopicsResult r = a.createTopics(List.of(topic));
                r.all().get(timeoutSeconds + 5L, TimeUnit.SECONDS);
                out.println(
                        "created topic '"
                                + name
                                + "': "
                                + r.numPartitions(name).get()
                                + " partitions, replication factor "
                                + r.replicationFactor(name).get());
                out.flush();
                return 0;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof TopicExistsException) {
                    err.println("ferry: topic '" + name + "' already exists at " + where);
                } else if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                    err.println(unreachable(where));
                } else {
                    err.println("ferry: Kafka refused topic '" + name + "': " + cause.getMessage());
                }
            } catch (TimeoutException e) {
                err.println(unreachable(where));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("ferry: interrupted");
            }
            err.flush();
            return 1;
        }

        private String unreachable(String where) {
            return "ferry: Kafka at "
                    + where
                    + " did not answer within "
                    + timeoutSeconds
                    + " s; is it running? (--bootstrap or --config-file names it)";
        }

        private Properties adminSettings() {
            Properties p = new Properties();
            if (target != null && target.fromConfig != null) {
                GatewayConfig cfg = GatewayConfig.load(target.fromConfig.file);
                String cluster =
                        target.fromConfig.cluster != null
                                ? target.fromConfig.cluster
                                : cfg.defaultCluster();
                GatewayConfig.Cluster c = cfg.clusters().get(cluster);
                if (c == null) {
                    throw new IllegalArgumentException(
                            "--cluster is '"
                                    + cluster
                                    + "'; "
                                    + target.fromConfig.file
                                    + " has "
                                    + new TreeSet<>(cfg.clusters().keySet()));
                }
                p.putAll(c.kafka().passThrough());
                p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.kafka().bootstrapServers());
                // producer-only pass-through keys (linger.ms ...) are not the admin client's
                p.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k.toString()));
            } else {
                p.put(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        target != null && target.bootstrap != null
                                ? target.bootstrap
                                : "localhost:9092");
            }
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "ferry-topics");
            String ms = String.valueOf(TimeUnit.SECONDS.toMillis(timeoutSeconds));
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
            return p;
        }
    }
}
