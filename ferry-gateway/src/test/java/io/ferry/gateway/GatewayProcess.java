package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ferry.gateway.cli.FerryCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ferry serve --config FILE} in a child JVM under a low fd limit ({@code ulimit -n}) and a
 * small heap, for the attacks that must never reach the test JVM's own limits; its output is
 * collected line by line. Used from the test thread; {@link #close} kills the child.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING =
            Pattern.compile("gateway listening on http://[^:]+:(\\d+)");
    private static final Pattern MANAGEMENT =
            Pattern.compile("management port listening on http://[^:]+:(\\d+)");

    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Integer> managementPort = new CompletableFuture<>();
    private final Thread reader;

    private GatewayProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the child with {@code ulimit -n fds}, {@code -Xmx} {@code heap} and the extra JVM
     * options; waits until it listens.
     */
    static GatewayProcess start(Path config, int fds, String heap, String... jvmOptions)
            throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add("-c");
        cmd.add("ulimit -n " + fds + " && exec \"$0\" \"$@\"");
        cmd.add(javaBin);
        cmd.add("-Xmx" + heap);
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FerryCli.class.getName());
        cmd.add("serve");
        cmd.add("--config");
        cmd.add(config.toString());
        GatewayProcess g =
                new GatewayProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        try {
            g.port.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            g.close();
            throw new AssertionError("the gateway did not start: " + g.lines, e);
        }
        return g;
    }

    private void read() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
                Matcher mm = MANAGEMENT.matcher(line);
                if (mm.find()) {
                    managementPort.complete(Integer.parseInt(mm.group(1)));
                }
            }
        } catch (IOException e) {
            // the child is gone
        }
        port.completeExceptionally(new AssertionError("exited before listening: " + lines));
        managementPort.completeExceptionally(new AssertionError("no management port: " + lines));
    }

    int port() {
        return port.join();
    }

    /** The management port; the line comes right after the main port's. */
    int managementPort() throws Exception {
        return managementPort.get(10, TimeUnit.SECONDS);
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    Process process() {
        return process;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
