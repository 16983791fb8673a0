package io.ferry.bench.gateway;

import io.ferry.gateway.Gateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gateway the load harness drives: in the harness's own JVM ({@link InJvm}) or in a JVM of its
 * own started for it ({@link Forked}, {@code --own-jvms}), on the harness's Kafka either way.
 */
interface LoadTarget {
    /** Its HTTP port on 127.0.0.1. */
    int port();

    /** Waits until its brokers hold nothing (everything accepted is in Kafka), 120 s at most. */
    void drain() throws IOException, InterruptedException;

    /**
     * The CPU time so far of the processes that serve a request: this JVM (Kafka, and the gateway
     * when in it) and, when forked, the gateway's own JVM.
     */
    long cpuNanos();

    /**
     * The CPU time so far of the gateway's own JVM when forked (the gateway alone, without Kafka
     * and the harness); -1 in this JVM, where the two cannot be told apart.
     */
    long gatewayCpuNanos();

    /** Stops the gateway (and its JVM when forked). */
    void close() throws IOException, InterruptedException;

    /** This JVM's CPU time (all threads: the gateways in it, Kafka, the harness). */
    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** A gateway in this JVM. */
    final class InJvm implements LoadTarget {
        private final Gateway gateway;

        InJvm(Gateway gateway) {
            this.gateway = gateway;
        }

        @Override
        public int port() {
            return gateway.port();
        }

        @Override
        public void drain() throws InterruptedException {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (gateway.bufferedEvents() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }

        @Override
        public long cpuNanos() {
            return ownCpuNanos();
        }

        @Override
        public long gatewayCpuNanos() {
            return -1;
        }

        @Override
        public void close() {
            gateway.shutdown();
        }
    }

    /**
     * A gateway in a JVM of its own ({@link GatewaySideMain}, this JVM's class path and options),
     * driven by lines on its standard input and output: it prints {@code port N} once listening,
     * answers {@code drain} with {@code drained} and stops at the end of its input. Its standard
     * error (its log) goes to this JVM's.
     */
    final class Forked implements LoadTarget {
        /** What the child's protocol lines start with (anything else on its stdout is skipped). */
        static final String PREFIX = "ferry-side: ";

        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final int port;

        private Forked(Process process) throws IOException {
            this.process = process;
            this.out =
                    new BufferedReader(
                            new InputStreamReader(
                                    process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            String first = expect("port ");
            this.port = Integer.parseInt(first.substring("port ".length()).trim());
        }

        /** Starts {@link GatewaySideMain} with {@code args} and waits until it listens. */
        static Forked start(List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(
                    ProcessHandle.current()
                            .info()
                            .command()
                            .orElse(
                                    java.nio.file.Path.of(
                                                    System.getProperty("java.home"), "bin", "java")
                                            .toString()));
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                    cmd.add(a);
                }
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(GatewaySideMain.class.getName());
            cmd.addAll(args);
            Process p =
                    new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                return new Forked(p);
            } catch (IOException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }

        /** Whether the gateway's JVM still runs. */
        boolean alive() {
            return process.isAlive();
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void drain() throws IOException {
            in.write("drain\n");
            in.flush();
            expect("drained");
        }

        @Override
        public long cpuNanos() {
            return ownCpuNanos() + gatewayCpuNanos();
        }

        @Override
        public long gatewayCpuNanos() {
            return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO).toNanos();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            in.close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        /** The payload of the child's next protocol line, which must start with {@code what}. */
        private String expect(String what) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(PREFIX)) {
                    String payload = line.substring(PREFIX.length());
                    if (!payload.startsWith(what)) {
                        throw new IOException(
                                "the gateway process said '" + payload + "'; expected " + what);
                    }
                    return payload;
                }
            }
            throw new IOException(
                    "the gateway process (pid "
                            + process.pid()
                            + ") ended before saying "
                            + what
                            + " (its log is above)");
        }
    }
}
