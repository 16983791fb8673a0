package io.ferry.gateway.cli;

import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.deadletter.DeadLetterEntry;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import io.ferry.gateway.GatewayConfig;
import io.ferry.kafka.DeliveryFailure;
import io.ferry.kafka.DeliveryListener;
import io.ferry.kafka.FerryPipeline;
import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry dead-letter}: lists the local dead letter and replays it into Kafka. Main thread
 * only (the replay's delivery outcomes arrive from engine threads through a queue).
 */
@Command(
        name = "dead-letter",
        mixinStandardHelpOptions = true,
        description = "Lists and replays the local dead letter (docs/dead-letter.md).",
        subcommands = {DeadLetterCommand.ListRecords.class, DeadLetterCommand.Replay.class})
final class DeadLetterCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is needed: list, replay");
    }

    /** {@code --dir DIR [--code C] [--topic T]}: which records. */
    static final class Selection {
        @Option(
                names = "--dir",
                required = true,
                paramLabel = "DIR",
                description = "the dead letter's directory")
        Path dir;

        @Option(names = "--code", paramLabel = "CODE", description = "only records of this code")
        String code;

        @Option(
                names = "--topic",
                paramLabel = "TOPIC",
                description = "only records of this original topic")
        String topic;

        boolean matches(DeadLetterRecord r) {
            return (code == null || code.equals(r.code()))
                    && (topic == null || topic.equals(r.topic()));
        }

        /**
         * Opens the store; a missing directory is a usage error, not a new empty store.
         *
         * @throws StoreUnavailable when it cannot be opened (in use, unreadable)
         */
        LocalDeadLetter open() {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(
                        "--dir is '" + dir + "'; expected the directory of a dead letter");
            }
            try {
                return LocalDeadLetter.open(dir, Long.MAX_VALUE);
            } catch (IOException e) {
                throw new StoreUnavailable(e);
            }
        }
    }

    /** The store could not be opened or read: exit 1 with its reason. */
    static final class StoreUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreUnavailable(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Runs {@code body}; an I/O failure of the store is one line on stderr and exit 1. */
    static int reportingIoFailures(CommandSpec spec, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (StoreUnavailable | IOException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("ferry: dead letter: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** {@code ferry dead-letter list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Prints the records of the dead letter and their total by code.")
    static final class ListRecords implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Selection selection;

        @Override
        public Integer call() throws Exception {
            return reportingIoFailures(spec, this::list);
        }

        private int list() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<DeadLetterEntry> shown = new ArrayList<>();
            long total;
            try (LocalDeadLetter store = selection.open()) {
                total = store.size();
                store.forEach(
                        e -> {
                            if (selection.matches(e.record())) {
                                shown.add(e);
                            }
                        });
                DeadLetterTable.print(out, shown, total, store.directory());
            }
            out.flush();
            return 0;
        }
    }

    /** Where to send: a bootstrap address, or a cluster of a gateway configuration. */
    static final class Target {
        @Option(
                names = "--bootstrap",
                required = true,
                paramLabel = "HOST:PORT",
                description = "Kafka's bootstrap servers")
        String bootstrap;

        @ArgGroup(exclusive = false)
        FromConfig fromConfig;
    }

    /** {@code --config ferry.yaml [--cluster NAME]}. */
    static final class FromConfig {
        @Option(
                names = {"--config", "--config-file"},
                required = true,
                paramLabel = "FILE",
                description =
                        "a gateway configuration (ferry.yaml): its cluster's Kafka settings,"
                                + " security included")
        Path file;

        @Option(
                names = "--cluster",
                paramLabel = "NAME",
                description = "the cluster of --config (default: its gateway.default-cluster)")
        String cluster;
    }

    /** One delivery outcome, from an engine thread. */
    private record Outcome(Event event, DeliveryFailure failure) {}

    /** {@code ferry dead-letter replay}. */
    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description =
                    "Sends the selected records to their original topics (original key, value,"
                            + " headers and timestamp), removes those Kafka acknowledged; exits 0"
                            + " when all were, 1 when some failed (they stay).")
    static final class Replay implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Selection selection;

        @Option(
                names = "--ids",
                split = ",",
                paramLabel = "ID",
                description = "only these records, e.g. --ids 1,2,7")
        List<Long> ids;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(
                names = "--timeout",
                defaultValue = "30",
                paramLabel = "SECONDS",
                description =
                        "how long each record may take to be acknowledged (the engine's"
                                + " delivery.timeout.ms; default ${DEFAULT-VALUE} s)")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            return reportingIoFailures(spec, this::replay);
        }

        private int replay() throws IOException, InterruptedException {
            if (timeoutSeconds < 1) {
                throw new IllegalArgumentException(
                        "--timeout is " + timeoutSeconds + "; expected at least 1 (seconds)");
            }
            int deliveryMs = (int) TimeUnit.SECONDS.toMillis(timeoutSeconds);
            String[] clusterName = new String[1];
            KafkaSettings kafka = settings(clusterName);
            kafka = kafka.withTimeouts(Math.min(kafka.requestTimeoutMs(), deliveryMs), deliveryMs);
            PrintWriter out = spec.commandLine().getOut();
            try (LocalDeadLetter store = selection.open()) {
                List<DeadLetterEntry> chosen = select(store);
                if (chosen.isEmpty()) {
                    out.println(
                            "nothing to replay: none of the "
                                    + store.size()
                                    + " records in "
                                    + store.directory()
                                    + " is selected");
                    out.flush();
                    return 0;
                }
                KafkaLogging.off(); // its retries would print a line per attempt
                return replay(store, chosen, kafka, clusterName[0], out);
            }
        }

        private List<DeadLetterEntry> select(LocalDeadLetter store) throws IOException {
            Set<Long> wanted = ids == null ? null : new LinkedHashSet<>(ids);
            if (wanted != null) {
                TreeSet<Long> missing = new TreeSet<>(wanted);
                missing.removeAll(store.ids());
                if (!missing.isEmpty()) {
                    throw new IllegalArgumentException(
                            "--ids names "
                                    + missing
                                    + ", not in the dead letter at "
                                    + store.directory()
                                    + " ('ferry dead-letter list' shows its ids)");
                }
            }
            List<DeadLetterEntry> chosen = new ArrayList<>();
            store.forEach(
                    e -> {
                        if ((wanted == null || wanted.contains(e.id()))
                                && selection.matches(e.record())) {
                            chosen.add(e);
                        }
                    });
            return chosen;
        }

        private int replay(
                LocalDeadLetter store,
                List<DeadLetterEntry> chosen,
                KafkaSettings kafka,
                String clusterName,
                PrintWriter out)
                throws IOException, InterruptedException {
            // identity: two equal records in the dead letter are two events, two outcomes
            Map<Event, Long> idOf = Collections.synchronizedMap(new IdentityHashMap<>());
            BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
            DeliveryListener listener =
                    new DeliveryListener() {
                        @Override
                        public void onDelivered(Event event, int partition, long offset) {
                            outcomes.add(new Outcome(event, null));
                        }

                        @Override
                        public void onFailure(Event event, DeliveryFailure failure) {
                            outcomes.add(new Outcome(event, failure));
                        }
                    };
            Map<Long, DeliveryFailure> failed = new TreeMap<>();
            int replayed = 0;
            int capacity = Math.max(1024, Math.min(chosen.size(), 65536));
            KafkaCluster.Builder cluster = KafkaCluster.builder(kafka);
            if (clusterName != null) {
                cluster.name(clusterName);
            }
            FerryPipeline ferry =
                    FerryPipeline.start(
                            BrokerConfig.of("memory", Map.of("events", capacity)),
                            cluster,
                            listener);
            try {
                Producer producer = ferry.producer(ProducerConfig.DEFAULT);
                for (DeadLetterEntry e : chosen) {
                    Event event = e.record().toEvent();
                    idOf.put(event, e.id());
                    if (!producer.publish(event)) {
                        throw new IllegalStateException("the replay's broker closed");
                    }
                }
                // every record gets an outcome within delivery.timeout.ms; the margin covers
                // the engine's own steps
                long deadline =
                        System.nanoTime()
                                + TimeUnit.MILLISECONDS.toNanos(kafka.deliveryTimeoutMs())
                                + TimeUnit.SECONDS.toNanos(10);
                List<Long> acked = new ArrayList<>();
                int answered = 0;
                while (answered < chosen.size()) {
                    Outcome o = outcomes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (o == null) {
                        break; // the rest is reported unanswered and stays
                    }
                    answered++;
                    Long id = idOf.get(o.event());
                    if (o.failure() == null) {
                        acked.add(id);
                    } else {
                        failed.put(id, o.failure());
                    }
                    if (outcomes.isEmpty() && !acked.isEmpty()) {
                        // remove as acks come: a crash of this command replays fewer twice
                        replayed += store.remove(acked);
                        acked.clear();
                    }
                }
                replayed += store.remove(acked);
            } finally {
                ferry.close(Duration.ofSeconds(5));
            }
            int unanswered = chosen.size() - replayed - failed.size();
            out.println(
                    "replayed "
                            + replayed
                            + " of "
                            + chosen.size()
                            + " records; "
                            + failed.size()
                            + " failed; "
                            + unanswered
                            + " unanswered; "
                            + store.size()
                            + " left in the dead letter");
            for (Map.Entry<Long, DeliveryFailure> f : failed.entrySet()) {
                out.println("  id " + f.getKey() + " failed again: " + f.getValue());
            }
            out.flush();
            return replayed == chosen.size() ? 0 : 1;
        }

        private KafkaSettings settings(String[] clusterName) {
            if (target.fromConfig == null) {
                return KafkaSettings.from(Map.of("bootstrap.servers", target.bootstrap));
            }
            GatewayConfig cfg = GatewayConfig.load(target.fromConfig.file);
            String name =
                    target.fromConfig.cluster != null
                            ? target.fromConfig.cluster
                            : cfg.defaultCluster();
            GatewayConfig.Cluster c = cfg.clusters().get(name);
            if (c == null) {
                throw new IllegalArgumentException(
                        "--cluster is '"
                                + name
                                + "'; "
                                + target.fromConfig.file
                                + " has "
                                + new TreeSet<>(cfg.clusters().keySet()));
            }
            clusterName[0] = name;
            return c.kafka();
        }
    }
}
