package io.ferry.bench.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs wrk (a C load generator, where installed) against the gateway: a second, cheaper client than
 * {@link LoadClient}, so the client takes less of the machine. One thread at a time.
 */
final class Wrk {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern PCT =
            Pattern.compile(
                    "^\\s+(50|99)(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    private Wrk() {}

    /** The wrk binary on the PATH, or null. */
    static String find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator, -1)) {
            Path p = Path.of(dir, "wrk");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** What wrk measured: requests/s, non-2xx answers, p50 and p99 in ms (-1 when not printed). */
    record Result(
            double requestsPerSecond, long requests, long non2xx, double p50Ms, double p99Ms) {}

    static Result run(String wrk, String url, byte[] body, int connections, double seconds)
            throws IOException, InterruptedException {
        return run(wrk, List.of(), url, body, java.util.Map.of(), connections, seconds);
    }

    /**
     * Runs wrk against {@code url} (http or https: wrk does TLS itself, without verifying the
     * certificate) with {@code headers} on every request.
     */
    static Result run(
            String wrk,
            List<String> prefix,
            String url,
            byte[] body,
            java.util.Map<String, String> headers,
            int connections,
            double seconds)
            throws IOException, InterruptedException {
        Path bodyFile = Files.createTempFile("ferry-wrk-body", ".bin");
        Path script = Files.createTempFile("ferry-wrk", ".lua");
        try {
            Files.write(bodyFile, body);
            StringBuilder lua =
                    new StringBuilder(
                            "wrk.method = \"POST\"\n"
                                    + "local f = io.open(\""
                                    + bodyFile
                                    + "\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
                                    + "wrk.headers[\"Content-Type\"] ="
                                    + " \"application/octet-stream\"\n");
            headers.forEach(
                    (k, v) ->
                            lua.append("wrk.headers[\"")
                                    .append(luaEscape(k))
                                    .append("\"] = \"")
                                    .append(luaEscape(v))
                                    .append("\"\n"));
            Files.writeString(script, lua);
            List<String> command = new ArrayList<>(prefix); // such as taskset -c 1
            command.addAll(
                    List.of(
                            wrk,
                            "-t1",
                            "-c" + connections,
                            "-d" + Math.max(1, Math.round(seconds)) + "s",
                            "--latency",
                            "-s",
                            script.toString(),
                            url));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(Math.round(seconds) + 60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher rps = RPS.matcher(out);
            if (!rps.find()) {
                throw new IOException("wrk printed no Requests/sec:\n" + out);
            }
            Matcher total = TOTAL.matcher(out);
            Matcher bad = NON2XX.matcher(out);
            double p50 = -1;
            double p99 = -1;
            Matcher pct = PCT.matcher(out);
            while (pct.find()) {
                double v = Double.parseDouble(pct.group(2));
                double ms =
                        switch (pct.group(3)) {
                            case "us" -> v / 1000;
                            case "s" -> v * 1000;
                            default -> v;
                        };
                if (pct.group(1).equals("50")) {
                    p50 = ms;
                } else {
                    p99 = ms;
                }
            }
            return new Result(
                    Double.parseDouble(rps.group(1)),
                    total.find() ? Long.parseLong(total.group(1)) : 0,
                    bad.find() ? Long.parseLong(bad.group(1)) : 0,
                    p50,
                    p99);
        } finally {
            Files.deleteIfExists(bodyFile);
            Files.deleteIfExists(script);
        }
    }

    private static String luaEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static String describe(Result r) {
        return String.format(
                Locale.ROOT,
                "%,.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d non-2xx",
                r.requestsPerSecond(),
                r.p50Ms(),
                r.p99Ms(),
                r.non2xx());
    }
}
