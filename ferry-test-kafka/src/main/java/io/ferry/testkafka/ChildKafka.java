package io.ferry.testkafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * One Kafka node (broker and controller, production parity) in a child JVM, so a test can freeze it
 * ({@code SIGSTOP}: connected, answering nothing) and thaw it, or kill it, which an in-process
 * cluster cannot do; started and used by one test thread, closed in a finally block.
 *
 * <pre>{@code
 * try (ChildKafka kafka = ChildKafka.start()) {
 *     kafka.createTopic("t", 1);
 *     kafka.freeze(); ... kafka.thaw();
 * }
 * }</pre>
 */
public final class ChildKafka implements AutoCloseable {
    private static final String READY = "FERRY-CHILD-KAFKA ";

    private final Process process;
    private final String bootstrap;

    private ChildKafka(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    /**
     * Starts the child with this JVM's class path and waits (at most 60 s) until it serves.
     *
     * @throws IllegalStateException when it does not come up, with what it printed
     */
    public static ChildKafka start() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the child Kafka: " + e.getMessage(), e);
        }
        List<String> seen = new ArrayList<>();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(READY)) {
                    Thread drain = new Thread(() -> drain(out), "child-kafka-output");
                    drain.setDaemon(true);
                    drain.start();
                    return new ChildKafka(p, line.substring(READY.length()).trim());
                }
                if (seen.size() < 50) {
                    seen.add(line);
                }
                if (System.nanoTime() - deadline > 0) {
                    break;
                }
            }
        } catch (IOException e) {
            seen.add(e.toString());
        }
        p.destroyForcibly();
        throw new IllegalStateException("the child Kafka did not start; it printed: " + seen);
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keeps the child's pipe from filling
            }
        } catch (IOException e) {
            // the child ended
        }
    }

    /** The bootstrap servers. */
    public String bootstrap() {
        return bootstrap;
    }

    /** An admin client; the caller closes it. */
    public Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return Admin.create(p);
    }

    /** Creates a topic with replication 1 and waits for it. */
    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(
                            List.of(
                                    new org.apache.kafka.clients.admin.NewTopic(
                                            topic, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** SIGSTOP: the node keeps its connections and answers nothing. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT: the node goes on where it stopped. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill =
                    new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                            .inheritIO()
                            .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Kills the child (thawing it first, so it can die). */
    @Override
    public void close() {
        try {
            signal("CONT");
        } catch (RuntimeException e) {
            // already gone
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The child's entry point: a node, its address on stdout, until stdin closes. */
    public static final class Main {
        private Main() {}

        /**
         * Starts the node and prints its bootstrap servers.
         *
         * @param args none
         */
        public static void main(String[] args) throws Exception {
            try (InProcessKafka kafka =
                    InProcessKafka.builder().brokers(1).combined(true).start()) {
                System.out.println(READY + kafka.bootstrap());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the parent goes away
                }
            }
        }
    }
}
