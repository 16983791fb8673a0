package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ferry.gateway.cli.FerryCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ferry} command ({@link FerryCli}) in a child JVM with the tests' class path, its output
 * collected line by line; started, awaited and stopped by one test thread (a daemon thread reads
 * the output).
 */
final class ChildFerry implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>(); // guarded by itself; notified per line
    private boolean ended; // guarded by lines

    private ChildFerry(Process process) {
        this.process = process;
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    process.getInputStream(), UTF_8))) {
                                for (String line; (line = r.readLine()) != null; ) {
                                    add(line, false);
                                }
                            } catch (IOException e) {
                                add("(output ended: " + e + ")", false);
                            } finally {
                                add(null, true);
                            }
                        },
                        "child-ferry-output");
        reader.setDaemon(true);
        reader.start();
    }

    private void add(String line, boolean end) {
        synchronized (lines) {
            if (line != null) {
                lines.add(line);
            }
            ended |= end;
            lines.notifyAll();
        }
    }

    /**
     * Runs {@code java <jvmArgs> -cp <test class path> FerryCli <args>}.
     *
     * @param jvmArgs JVM options (e.g. {@code -Xmx512m}), may be empty
     * @param args the command line ({@code serve --config x.yaml})
     */
    static ChildFerry start(List<String> jvmArgs, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        String root = System.getProperty(GatewayConfig.DeadLetter.ROOT_PROPERTY);
        if (root != null) { // the child's dead letters go where this JVM's do (target/)
            cmd.add("-D" + GatewayConfig.DeadLetter.ROOT_PROPERTY + "=" + root);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FerryCli.class.getName());
        cmd.addAll(List.of(args));
        return new ChildFerry(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The product's logging configuration for the child (the tests' logback-test.xml else). */
    static String productLogging() {
        return "-Dlogback.configurationFile=" + ChildFerry.class.getResource("/logback.xml");
    }

    /**
     * The first output line matching {@code pattern}, waiting up to {@code timeout} for it.
     *
     * @throws AssertionError with the output so far when it does not come (or the child ended)
     */
    Matcher await(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new AssertionError(
                            (ended ? "the child ended" : "no line within " + timeout)
                                    + " matching "
                                    + pattern
                                    + "; it printed: "
                                    + lines);
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left); // woken by each new line
            }
        }
    }

    /** Every line printed so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    Process process() {
        return process;
    }

    /** SIGTERM (not {@link Process#destroy}, which would also close our end of its output). */
    void sigterm() {
        process.toHandle().destroy();
    }

    /** Waits up to {@code timeout} for the exit; true when it exited. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kills it if it still runs (and waits up to 30 s for it to go). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
