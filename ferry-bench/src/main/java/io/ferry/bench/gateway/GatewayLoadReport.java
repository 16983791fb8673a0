package io.ferry.bench.gateway;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.cli.DevKafka;
import io.ferry.gateway.security.SecurityConfig;
import io.ferry.gateway.security.TlsConfig;
import io.ferry.kafka.KafkaSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The gateway's load harness (issue 6): a real single-node Kafka in this JVM (as {@code ferry
 * dev}), the raw {@link KafkaProducer} anchor on it, then the gateway on it driven over HTTP with
 * keep-alive: single-message POSTs and 100-record batches, at {@code ack=none} and {@code
 * ack=kafka}, with Vert.x's client in this JVM and, where wrk is installed, with wrk as well.
 * Prints requests/s, records/s, p50/p99 latency and the ratio of records/s to the anchor.
 *
 * <pre>
 * mvn -B -ntp -q -DskipTests package -pl ferry-bench -am
 * java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.gateway.GatewayLoadReport [--tls|--tls-compare] [--jwt] [--tls-engine auto|openssl|jdk]
 *     [--wrk-only] [--own-jvms] [--repeat N] [--warmup S] [--client-cpus LIST] [--scenarios single-none,single-kafka,batch-none,batch-kafka]
 *     [seconds] [concurrency] [anchor records] [batch concurrency]
 * </pre>
 *
 * {@code --tls} runs the gateway with TLS on its HTTP port (a self-signed certificate generated at
 * start into a temporary directory with the JDK's keytool; the clients do not verify it, the
 * handshake and the record encryption are the same); {@code --tls-compare} starts a clear-text and
 * a TLS gateway on the same Kafka and runs each scenario on one then the other, printing the TLS /
 * clear-text ratio (issue 15's targets). {@code --jwt} makes the TLS gateway authenticate every
 * request's bearer token as well (HS256, audience and issuer checked, default deny with one rule
 * allowing the topic), and its clients send one.
 *
 * <p>{@code --repeat N} runs each wrk scenario N times on every side, the order of the sides
 * alternating, and prints the medians, the median of the pair ratios and the JVM's CPU time per
 * request; {@code --client-cpus 1} runs wrk under {@code taskset -c 1} (start the JVM itself under
 * {@code taskset -c 0}) so that the client's own work, TLS included, does not take the gateway's
 * core; {@code --warmup S} warms each side up with wrk for S seconds per scenario (default min(5,
 * seconds); the TLS path needs more: its first 10 s runs took three times the CPU per request of
 * its fourth); {@code --wrk-only} skips the in-JVM client; {@code --scenarios} picks scenarios.
 *
 * <p>{@code --own-jvms} runs each gateway in a JVM of its own ({@link GatewaySideMain}, with this
 * JVM's options), as a deployment runs one gateway per process, instead of both in this one: two
 * gateways in one JVM share its compiled code and the type profiles it was compiled from (the TLS
 * ratios moved within the noise when split, docs/benchmarks.md). Kafka and the clients stay here;
 * the CPU time per request is then this JVM's and the gateway's JVM's.
 *
 * <p>Records carry 100-byte values and 8-character keys. Client, gateway and Kafka share the
 * machine: on 2 cores the figures are a floor, not a capacity.
 */
public final class GatewayLoadReport {
    private static final int VALUE_BYTES = 100;
    private static final String TOPIC = "load";
    private static final int PARTITIONS = 4;

    /** The ids of {@code --scenarios}, in the order the scenarios run. */
    private static final List<String> SCENARIO_IDS =
            List.of("single-none", "single-kafka", "batch-none", "batch-kafka");

    private GatewayLoadReport() {}

    /** Which gateways a run measures. */
    enum Mode {
        /** Clear text only (the default). */
        CLEAR,
        /** TLS only ({@code --tls}). */
        TLS,
        /**
         * Both, each scenario on clear text then on TLS, with their ratio ({@code --tls-compare}).
         */
        COMPARE
    }

    /** One gateway the scenarios run against: clear text or TLS, and its clients' scheme. */
    private record Side(
            String label,
            LoadTarget target,
            LoadClient client,
            boolean tls,
            Map<String, String> headers) {
        String url(String path) {
            return (tls ? "https" : "http") + "://127.0.0.1:" + target.port() + path;
        }
    }

    /** One scenario: what is posted where, how many at once, the status expected. */
    private record Scenario(
            String name,
            String path,
            Buffer body,
            int recordsPerRequest,
            int concurrency,
            int status) {}

    /** A measured row: the line printed, and its figures for the TLS/clear ratio. */
    private record Row(
            String name,
            String line,
            double requestsPerSecond,
            double recordsPerSecond,
            String pairs) {
        Row(String name, String line, double requestsPerSecond, double recordsPerSecond) {
            this(name, line, requestsPerSecond, recordsPerSecond, null);
        }
    }

    /** One wrk run of one side. */
    private record WrkRun(
            double requestsPerSecond,
            double recordsPerSecond,
            double cpuUs,
            double gatewayCpuUs,
            Wrk.Result r) {}

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.CLEAR;
        boolean jwt = false; // the TLS side authenticates a JWT too (--jwt)
        TlsConfig.Engine engine = TlsConfig.Engine.AUTO; // --tls-engine auto|openssl|jdk
        boolean wrkOnly = false; // --wrk-only: no runs of the in-JVM client
        boolean ownJvms = false; // --own-jvms: each gateway in a JVM of its own
        int repeat = 1; // --repeat N: each wrk scenario N times per side, alternating
        String clientCpus = null; // --client-cpus L: wrk under taskset -c L
        double warmup = -1; // --warmup S: seconds of wrk warm-up per side and scenario
        List<String> only = null; // --scenarios single-none,single-kafka,batch-none,batch-kafka
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--tls-engine") && i + 1 < args.length) {
                engine = TlsConfig.Engine.valueOf(args[++i].toUpperCase(Locale.ROOT));
                continue;
            }
            if (a.equals("--repeat") && i + 1 < args.length) {
                repeat = Integer.parseInt(args[++i]);
                if (repeat < 1) {
                    throw new IllegalArgumentException("--repeat is " + repeat + "; expected >= 1");
                }
                continue;
            }
            if (a.equals("--warmup") && i + 1 < args.length) {
                warmup = Double.parseDouble(args[++i]);
                continue;
            }
            if (a.equals("--client-cpus") && i + 1 < args.length) {
                clientCpus = args[++i];
                continue;
            }
            if (a.equals("--scenarios") && i + 1 < args.length) {
                only = List.of(args[++i].split(",", -1));
                for (String id : only) {
                    if (!SCENARIO_IDS.contains(id)) {
                        throw new IllegalArgumentException(
                                "--scenarios names '" + id + "'; expected some of " + SCENARIO_IDS);
                    }
                }
                continue;
            }
            if (a.equals("--wrk-only")) {
                wrkOnly = true;
                continue;
            }
            if (a.equals("--own-jvms")) {
                ownJvms = true;
                continue;
            }
            switch (a) {
                case "--tls" -> mode = Mode.TLS;
                case "--tls-compare" -> mode = Mode.COMPARE;
                case "--jwt" -> jwt = true;
                default -> positional.add(a);
            }
        }
        double seconds = positional.size() > 0 ? Double.parseDouble(positional.get(0)) : 10;
        int concurrency = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 128;
        long anchorRecords = positional.size() > 2 ? Long.parseLong(positional.get(2)) : 1_000_000;
        // batches: enough requests in flight that ack=kafka is not bound by one request's latency
        // (the raw KafkaProducer anchor has up to buffer.memory of records in flight)
        int batchConcurrency = positional.size() > 3 ? Integer.parseInt(positional.get(3)) : 64;
        System.out.printf(
                Locale.ROOT,
                "gateway load harness: %.0f s per scenario, %d requests in flight (%d for batches), "
                        + "%d-byte values, %s%s%n",
                seconds,
                concurrency,
                batchConcurrency,
                VALUE_BYTES,
                switch (mode) {
                    case CLEAR -> "clear text";
                    case TLS ->
                            "TLS (self-signed, generated at start)"
                                    + (jwt ? " with JWT authentication" : "");
                    case COMPARE ->
                            "clear text and TLS"
                                    + (jwt ? " with JWT authentication" : "")
                                    + " alternating per scenario";
                },
                ownJvms ? ", each gateway in a JVM of its own" : "");
        try (DevKafka kafka = DevKafka.start()) {
            kafka.createTopic(TOPIC, PARTITIONS);
            double anchor = rawKafkaProducer(kafka.bootstrapServers(), anchorRecords);
            System.out.printf(
                    Locale.ROOT,
                    "raw KafkaProducer (acks=all, linger.ms=5, batch.size=65536): %,.0f records/s%n",
                    anchor);

            GatewayConfig base = baseConfig(kafka.bootstrapServers());
            List<Side> sides = new ArrayList<>();
            boolean compare = mode == Mode.COMPARE;
            Path tlsDir = null;
            List<Row> rows = new ArrayList<>();
            try {
                if (mode != Mode.TLS) {
                    LoadTarget t =
                            ownJvms
                                    ? LoadTarget.Forked.start(
                                            List.of(kafka.bootstrapServers(), "clear", "auto"))
                                    : new LoadTarget.InJvm(Gateway.start(base));
                    sides.add(
                            new Side(
                                    "clear",
                                    t,
                                    client(t, concurrency, false, Map.of()),
                                    false,
                                    Map.of()));
                }
                if (mode != Mode.CLEAR) {
                    // with --jwt, clients send a token the TLS side's default deny lets produce
                    Map<String, String> headers =
                            jwt ? Map.of("Authorization", "Bearer " + BenchTls.jwt()) : Map.of();
                    LoadTarget t;
                    if (ownJvms) {
                        t =
                                LoadTarget.Forked.start(
                                        List.of(
                                                kafka.bootstrapServers(),
                                                jwt ? "tls+jwt" : "tls",
                                                engine.name()));
                    } else {
                        tlsDir = Files.createTempDirectory("ferry-bench-tls");
                        t =
                                new LoadTarget.InJvm(
                                        Gateway.start(
                                                base.withSecurity(
                                                        tlsSecurity(tlsDir, engine, jwt))));
                    }
                    String label =
                            (jwt ? "tls+jwt" : "tls") + (engine.openSsl() ? " openssl" : " jdk");
                    sides.add(
                            new Side(
                                    label,
                                    t,
                                    client(t, concurrency, true, headers),
                                    true,
                                    headers));
                }
                Buffer single = Buffer.buffer(new byte[VALUE_BYTES]);
                Buffer batch = batchBody(100);
                List<Scenario> scenarios =
                        List.of(
                                new Scenario(
                                        "single POST, ack=none",
                                        "/topics/" + TOPIC + "/messages?ack=none&key=k0000001",
                                        single,
                                        1,
                                        concurrency,
                                        202),
                                new Scenario(
                                        "single POST, ack=kafka",
                                        "/topics/" + TOPIC + "/messages?ack=kafka&key=k0000001",
                                        single,
                                        1,
                                        concurrency,
                                        200),
                                new Scenario(
                                        "100-record batch, ack=none",
                                        "/topics/" + TOPIC + "/records?ack=none",
                                        batch,
                                        100,
                                        batchConcurrency,
                                        202),
                                new Scenario(
                                        "100-record batch, ack=kafka",
                                        "/topics/" + TOPIC + "/records?ack=kafka",
                                        batch,
                                        100,
                                        batchConcurrency,
                                        200));
                if (only != null) {
                    List<Scenario> chosen = new ArrayList<>();
                    for (int i = 0; i < scenarios.size(); i++) {
                        if (only.contains(SCENARIO_IDS.get(i))) {
                            chosen.add(scenarios.get(i));
                        }
                    }
                    scenarios = chosen;
                }
                if (!wrkOnly) {
                    for (Scenario sc : scenarios) {
                        for (Side side : sides) {
                            rows.add(scenario(side, sc, seconds, anchor, sides.size() > 1));
                        }
                    }
                }
                String wrk = Wrk.find();
                if (wrk != null) {
                    List<String> prefix =
                            clientCpus == null ? List.of() : List.of("taskset", "-c", clientCpus);
                    for (Scenario sc : scenarios) {
                        rows.addAll(
                                wrkScenario(
                                        wrk,
                                        prefix,
                                        sides,
                                        sc,
                                        seconds,
                                        warmup < 0 ? Math.min(5, seconds) : warmup,
                                        anchor,
                                        repeat,
                                        compare));
                    }
                } else if (wrkOnly) {
                    throw new IllegalStateException("--wrk-only, but wrk is not on the PATH");
                }
            } finally {
                for (Side side : sides) {
                    side.client().close();
                    side.target().close();
                }
                if (tlsDir != null) {
                    BenchTls.delete(tlsDir);
                }
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "%-40s %12s %12s %9s %9s %8s %s%n",
                    "scenario",
                    "requests/s",
                    "records/s",
                    "p50 ms",
                    "p99 ms",
                    "x raw",
                    "errors");
            rows.forEach(r -> System.out.println(r.line()));
            if (mode == Mode.COMPARE) {
                System.out.println();
                System.out.println(
                        (jwt ? "TLS+JWT" : "TLS") + " / clear text, scenario by scenario:");
                for (int i = 0; i + 1 < rows.size(); i += 2) {
                    Row clear = rows.get(i);
                    Row tls = rows.get(i + 1);
                    System.out.printf(
                            Locale.ROOT,
                            "  %-40s requests/s %.2fx, records/s %.2fx%s%n",
                            clear.name(),
                            tls.requestsPerSecond() / Math.max(clear.requestsPerSecond(), 1e-9),
                            tls.recordsPerSecond() / Math.max(clear.recordsPerSecond(), 1e-9),
                            tls.pairs() == null ? "" : tls.pairs());
                }
                System.out.println(
                        "targets (issue 15): with TLS and JWT, single POSTs at ack=none >= 0.7x"
                                + " clear text, 100-record batches >= 0.9x");
            }
            System.out.println();
            System.out.println(
                    "targets (issue 6): 100-record batches >= 0.8x raw KafkaProducer records/s; "
                            + "single POSTs at ack=none >= 50,000 requests/s");
        }
    }

    private static LoadClient client(
            LoadTarget t, int concurrency, boolean tls, Map<String, String> headers) {
        return new LoadClient(t.port(), concurrency, 1, tls, () -> headers);
    }

    /**
     * Every gateway's settings on Kafka at {@code bootstrap}: a memory broker of 262,144 events,
     * {@code linger.ms} 5, {@code batch.size} 65536, a port chosen by the system.
     */
    static GatewayConfig baseConfig(String bootstrap) {
        KafkaSettings settings =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                bootstrap,
                                "linger.ms",
                                5,
                                "batch.size",
                                65_536));
        return GatewayConfig.of(settings, BrokerConfig.of("memory", Map.of("events", 262_144)))
                .withPort(0)
                .withLimits(8 << 20, 1_000_000);
    }

    /**
     * The TLS side's security: a certificate made into {@code dir} and, with {@code jwt}, JWT
     * authentication and default deny with one rule for the topic.
     */
    static SecurityConfig tlsSecurity(Path dir, TlsConfig.Engine engine, boolean jwt)
            throws java.io.IOException, InterruptedException {
        SecurityConfig security = BenchTls.security(dir, engine);
        return jwt ? BenchTls.withJwt(security, TOPIC) : security;
    }

    private static String label(String name, Side side, boolean both) {
        return both ? name + " [" + side.label() + "]" : name;
    }

    private static Row scenario(Side side, Scenario sc, double seconds, double anchor, boolean both)
            throws Exception {
        LoadClient client = side.client();
        LoadTarget gateway = side.target();
        // warm-up of this very path (JIT, partition workers), then drained, then measured
        client.run(sc.path(), sc.body(), sc.concurrency(), Math.min(5, seconds), sc.status());
        gateway.drain();
        LoadClient.Result r =
                client.run(sc.path(), sc.body(), sc.concurrency(), seconds, sc.status());
        long drainStart = System.nanoTime();
        gateway.drain();
        double drainS = (System.nanoTime() - drainStart) / 1e9;
        // at ack=none the gateway answers before Kafka: count the drain in the records/s
        double recordsPerSecond =
                (r.requests() - r.errors())
                        * (double) sc.recordsPerRequest()
                        / (r.seconds() + drainS);
        String line =
                String.format(
                        Locale.ROOT,
                        "%-40s %,12.0f %,12.0f %9.2f %9.2f %8.2f %d%s",
                        label(sc.name(), side, both),
                        r.requestsPerSecond(),
                        recordsPerSecond,
                        r.p50Nanos() / 1e6,
                        r.p99Nanos() / 1e6,
                        recordsPerSecond / anchor,
                        r.errors(),
                        r.firstError() == null
                                ? ""
                                : " (first: " + abbreviate(r.firstError(), 160) + ")");
        return new Row(sc.name(), line, r.requestsPerSecond(), recordsPerSecond);
    }

    /**
     * Runs {@code sc} with wrk on every side {@code repeat} times (after one warm-up each), the
     * sides' order alternating from one repetition to the next; one row per side with the medians,
     * and on the second side of a comparison the median of the pair ratios. Also the JVM's CPU time
     * per request during each run (gateway, Kafka and the harness: the same on both sides).
     */
    private static List<Row> wrkScenario(
            String wrk,
            List<String> prefix,
            List<Side> sides,
            Scenario sc,
            double seconds,
            double warmup,
            double anchor,
            int repeat,
            boolean compare)
            throws Exception {
        byte[] body = sc.body().getBytes();
        for (Side side : sides) { // warm-up
            wrkRun(wrk, prefix, side, sc, body, warmup);
            side.target().drain();
        }
        List<List<WrkRun>> runs = new ArrayList<>();
        sides.forEach(x -> runs.add(new ArrayList<>()));
        for (int k = 0; k < repeat; k++) {
            for (int j = 0; j < sides.size(); j++) {
                int i = k % 2 == 0 ? j : sides.size() - 1 - j;
                Side side = sides.get(i);
                long cpu0 = side.target().cpuNanos();
                long gatewayCpu0 = side.target().gatewayCpuNanos();
                Wrk.Result r = wrkRun(wrk, prefix, side, sc, body, seconds);
                long drainStart = System.nanoTime();
                side.target().drain();
                double drainS = (System.nanoTime() - drainStart) / 1e9;
                long cpu = side.target().cpuNanos() - cpu0;
                long gatewayCpu = side.target().gatewayCpuNanos() - gatewayCpu0;
                double elapsed = r.requests() / Math.max(r.requestsPerSecond(), 1e-9);
                double recordsPerSecond =
                        (r.requests() - r.non2xx())
                                * (double) sc.recordsPerRequest()
                                / (elapsed + drainS);
                runs.get(i)
                        .add(
                                new WrkRun(
                                        r.requestsPerSecond(),
                                        recordsPerSecond,
                                        cpu / 1e3 / Math.max(1, r.requests()),
                                        gatewayCpu0 < 0
                                                ? -1
                                                : gatewayCpu / 1e3 / Math.max(1, r.requests()),
                                        r));
                if (repeat > 1) {
                    System.out.printf(
                            Locale.ROOT,
                            "  %s (wrk) [%s] run %d: %,.0f requests/s, %.1f us CPU per request%s%n",
                            sc.name(),
                            side.label(),
                            k + 1,
                            r.requestsPerSecond(),
                            cpu / 1e3 / Math.max(1, r.requests()),
                            gatewayCpu0 < 0
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            " (%.1f of them the gateway's JVM)",
                                            gatewayCpu / 1e3 / Math.max(1, r.requests())));
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sides.size(); i++) {
            Side side = sides.get(i);
            List<WrkRun> mine = runs.get(i);
            double rps = median(mine.stream().mapToDouble(WrkRun::requestsPerSecond).toArray());
            double recs = median(mine.stream().mapToDouble(WrkRun::recordsPerSecond).toArray());
            double cpuUs = median(mine.stream().mapToDouble(WrkRun::cpuUs).toArray());
            long non2xx = mine.stream().mapToLong(w -> w.r().non2xx()).sum();
            String line =
                    String.format(
                            Locale.ROOT,
                            "%-40s %,12.0f %,12.0f %9.2f %9.2f %8.2f %d  (%s%.1f us CPU/request)",
                            label(sc.name() + " (wrk)", side, sides.size() > 1),
                            rps,
                            recs,
                            median(mine.stream().mapToDouble(w -> w.r().p50Ms()).toArray()),
                            median(mine.stream().mapToDouble(w -> w.r().p99Ms()).toArray()),
                            recs / anchor,
                            non2xx,
                            repeat > 1 ? "medians of " + repeat + ", " : "",
                            cpuUs);
            String pairs = null;
            if (compare && i == 1) {
                List<WrkRun> first = runs.get(0);
                double[] ratios = new double[repeat];
                double[] cpuRatios = new double[repeat];
                for (int k = 0; k < repeat; k++) {
                    ratios[k] =
                            mine.get(k).requestsPerSecond()
                                    / Math.max(first.get(k).requestsPerSecond(), 1e-9);
                    cpuRatios[k] = first.get(k).cpuUs() / Math.max(mine.get(k).cpuUs(), 1e-9);
                }
                double cpuClear = median(first.stream().mapToDouble(WrkRun::cpuUs).toArray());
                String gatewayOnly = "";
                if (mine.get(0).gatewayCpuUs() >= 0) {
                    double[] gatewayRatios = new double[repeat];
                    for (int k = 0; k < repeat; k++) {
                        gatewayRatios[k] =
                                first.get(k).gatewayCpuUs()
                                        / Math.max(mine.get(k).gatewayCpuUs(), 1e-9);
                    }
                    double gwThis =
                            median(mine.stream().mapToDouble(WrkRun::gatewayCpuUs).toArray());
                    double gwClear =
                            median(first.stream().mapToDouble(WrkRun::gatewayCpuUs).toArray());
                    gatewayOnly =
                            String.format(
                                    Locale.ROOT,
                                    "; the gateway's JVM alone %.1f vs %.1f us (clear/this %.2fx,"
                                            + " pairs %.2fx)",
                                    gwThis,
                                    gwClear,
                                    gwClear / Math.max(gwThis, 1e-9),
                                    median(gatewayRatios));
                }
                pairs =
                        String.format(
                                        Locale.ROOT,
                                        "; median of %d pair ratios %.2fx; CPU per request %.1f vs %.1f us"
                                                + " (clear/this %.2fx, pairs %.2fx)",
                                        repeat,
                                        median(ratios),
                                        cpuUs,
                                        cpuClear,
                                        cpuClear / Math.max(cpuUs, 1e-9),
                                        median(cpuRatios))
                                + gatewayOnly;
            }
            rows.add(new Row(sc.name() + " (wrk)", line, rps, recs, pairs));
        }
        return rows;
    }

    private static Wrk.Result wrkRun(
            String wrk, List<String> prefix, Side side, Scenario sc, byte[] body, double seconds)
            throws Exception {
        return Wrk.run(
                wrk, prefix, side.url(sc.path()), body, side.headers(), sc.concurrency(), seconds);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    private static Buffer batchBody(int n) {
        JsonArray records = new JsonArray();
        String value = Base64.getEncoder().encodeToString(new byte[VALUE_BYTES]);
        for (int i = 0; i < n; i++) {
            records.add(
                    new JsonObject()
                            .put("key", String.format(Locale.ROOT, "k%07d", i))
                            .put("value", value));
        }
        return new JsonObject().put("valueEncoding", "base64").put("records", records).toBuffer();
    }

    @SuppressWarnings("FutureReturnValueIgnored") // failures are counted by the send callbacks
    private static double rawKafkaProducer(String bootstrap, long n) throws InterruptedException {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", "65536");
        byte[] value = new byte[VALUE_BYTES];
        AtomicLong failed = new AtomicLong();
        Semaphore inFlight = new Semaphore(200_000);
        long start;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10_000; i++) {
                producer.send(new ProducerRecord<>(TOPIC, key(i), value));
            }
            producer.flush();
            start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                inFlight.acquire();
                producer.send(
                        new ProducerRecord<>(TOPIC, key(i), value),
                        (md, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                            inFlight.release();
                        });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            System.out.println("raw KafkaProducer: " + failed.get() + " records failed");
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static final byte[][] KEYS = new byte[100_000][];

    static {
        for (int i = 0; i < KEYS.length; i++) {
            KEYS[i] =
                    String.format(Locale.ROOT, "k%07d", i)
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static byte[] key(long i) {
        return KEYS[(int) (i % KEYS.length)];
    }
}
