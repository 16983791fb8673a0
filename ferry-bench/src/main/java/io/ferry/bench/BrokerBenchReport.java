package io.ferry.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the broker benchmarks ({@code io.ferry.bench.broker}) through JMH and prints events/s per
 * topology and implementation with the MemoryBroker's ratios against its targets; a command-line
 * main, one thread.
 *
 * <p>Run: {@code java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.BrokerBenchReport}.
 * Every setting below may be given as a system property ({@code -Dbench.forks=3}) or as an argument
 * ({@code forks=3}); arguments win.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code forks}</td><td>2</td><td>JVM forks per benchmark</td></tr>
 *   <tr><td>{@code warmups}</td><td>3</td><td>warm-up iterations per fork</td></tr>
 *   <tr><td>{@code iterations}</td><td>5</td><td>measured iterations per fork</td></tr>
 *   <tr><td>{@code time}</td><td>1s</td><td>length of each warm-up and measured iteration</td></tr>
 *   <tr><td>{@code impls}</td><td>memory,abq,disruptor,disruptor-lite,disruptor-yielding</td><td>implementations</td></tr>
 *   <tr><td>{@code topologies}</td><td>OneToOne,ThreeToOne</td><td>benchmark classes, by topology</td></tr>
 *   <tr><td>{@code prof}</td><td>(none)</td><td>JMH profilers, comma-separated, e.g. {@code gc}</td></tr>
 *   <tr><td>{@code jvmArgs}</td><td>(none)</td><td>extra JVM arguments for the forks, space-separated</td></tr>
 *   <tr><td>{@code verbose}</td><td>NORMAL</td><td>JMH's output: SILENT, NORMAL or EXTRA</td></tr>
 * </table>
 *
 * <p>With 2 forks, 3 warm-ups and 5 measured 1 s iterations, the default run takes about 3 to 4
 * minutes. Each figure is the median of every measured iteration of every fork.
 */
public final class BrokerBenchReport {
    /* Design notes
     * The targets are the "numbers to reach": one producer to one consumer, MemoryBroker at
     * least 5x ArrayBlockingQueue and at least 0.5x the Disruptor; three producers to one consumer,
     * at least 3x ArrayBlockingQueue. The Disruptor target is reported against each wait strategy
     * measured: blocking (the Disruptor's default, which signals on every publish), lite-blocking
     * (signals only when the consumer waits, as the MemoryBroker does: the like-for-like one) and
     * yielding (the Disruptor at its fastest given a spare core). A missing figure (an
     * implementation left out) shows as "-" and its ratio as "n/a", never as met.
     */
    private static final String PACKAGE = "io.ferry.bench.broker.";
    private static final String MEMORY = "memory";

    /**
     * One target: a ratio of MemoryBroker to {@code baseline} in {@code topology} of at least
     * {@code min}.
     */
    private record Target(String topology, String baseline, double min) {}

    private static final List<Target> TARGETS =
            List.of(
                    new Target("OneToOne", "abq", 5.0),
                    new Target("OneToOne", "disruptor", 0.5),
                    new Target("OneToOne", "disruptor-lite", 0.5),
                    new Target("OneToOne", "disruptor-yielding", 0.5),
                    new Target("ThreeToOne", "abq", 3.0));

    /** The figures of one benchmark: every measured iteration's events/s. */
    record Figures(List<Double> scores) {
        double median() {
            return BrokerBenchReport.median(scores);
        }

        double min() {
            return scores.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return scores.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    private BrokerBenchReport() {}

    /**
     * Runs the benchmarks and prints the report; exits with 1 when JMH could not run them (for
     * example while another JMH run holds its lock) or a benchmark failed.
     */
    public static void main(String[] args) {
        Map<String, String> settings = settings(args);
        int forks = Integer.parseInt(settings.get("forks"));
        int warmups = Integer.parseInt(settings.get("warmups"));
        int iterations = Integer.parseInt(settings.get("iterations"));
        TimeValue time = TimeValue.fromString(settings.get("time"));
        List<String> impls = split(settings.get("impls"), ",");
        List<String> topologies = split(settings.get("topologies"), ",");

        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .forks(forks)
                        .warmupIterations(warmups)
                        .warmupTime(time)
                        .measurementIterations(iterations)
                        .measurementTime(time)
                        .param("impl", impls.toArray(new String[0]))
                        .shouldFailOnError(true)
                        .verbosity(
                                VerboseMode.valueOf(
                                        settings.get("verbose").toUpperCase(Locale.ROOT)));
        for (String topology : topologies) {
            options.include(
                    "^"
                            + java.util.regex.Pattern.quote(PACKAGE + topology + "BrokerBenchmark")
                            + "\\.");
        }
        for (String prof : split(settings.get("prof"), ",")) {
            options.addProfiler(prof);
        }
        List<String> jvmArgs = split(settings.get("jvmArgs"), " ");
        if (!jvmArgs.isEmpty()) {
            options.jvmArgsAppend(jvmArgs.toArray(new String[0]));
        }

        String loadBefore = loadAverage();
        long started = System.nanoTime();
        Collection<RunResult> results;
        try {
            results = new Runner(options.build()).run();
        } catch (RunnerException e) {
            String message = String.valueOf(e.getMessage());
            System.err.println("broker benchmarks did not run: " + message);
            if (message.contains("JMH lock")) {
                System.err.println(
                        "another JMH run on this machine holds /tmp/jmh.lock; run again when it has finished"
                                + " (or add -Djmh.ignoreLock=true before -cp, knowing both runs will disturb each other's figures)");
            }
            System.exit(1);
            return;
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;

        Map<String, Map<String, Figures>> table = collect(results);
        System.out.println();
        System.out.println(render(table, impls, topologies));
        System.out.printf(
                Locale.ROOT,
                "%d fork(s) x %d measured iteration(s) of %s per figure, %d warm-up(s); run took %d s%n",
                forks,
                iterations,
                time,
                warmups,
                seconds);
        System.out.printf(
                Locale.ROOT,
                "machine: %d CPUs, %s, Java %s (%s); load average before %s, after %s%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                loadBefore,
                loadAverage());
    }

    /**
     * The settings: defaults, then {@code bench.*} system properties, then {@code name=value}
     * arguments.
     */
    static Map<String, String> settings(String[] args) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("forks", "2");
        s.put("warmups", "3");
        s.put("iterations", "5");
        s.put("time", "1s");
        s.put("impls", "memory,abq,disruptor,disruptor-lite,disruptor-yielding");
        s.put("topologies", "OneToOne,ThreeToOne");
        s.put("prof", "");
        s.put("jvmArgs", "");
        s.put("verbose", "NORMAL");
        for (String name : List.copyOf(s.keySet())) {
            String p = System.getProperty("bench." + name);
            if (p != null) {
                s.put(name, p);
            }
        }
        for (String arg : args) {
            String a = arg.startsWith("--") ? arg.substring(2) : arg;
            int eq = a.indexOf('=');
            if (eq < 0 || !s.containsKey(a.substring(0, eq))) {
                throw new IllegalArgumentException(
                        "unknown argument '"
                                + arg
                                + "'; expected name=value with a name among "
                                + s.keySet());
            }
            s.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return s;
    }

    /**
     * Topology -> implementation -> figures, from JMH's results (every fork's measured iterations).
     */
    static Map<String, Map<String, Figures>> collect(Collection<RunResult> results) {
        Map<String, Map<String, Figures>> table = new TreeMap<>();
        for (RunResult run : results) {
            String benchmark = run.getParams().getBenchmark();
            String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
            String topology =
                    cls.substring(cls.lastIndexOf('.') + 1).replace("BrokerBenchmark", "");
            String impl = run.getParams().getParam("impl");
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                for (IterationResult it : fork.getIterationResults()) {
                    scores.add(it.getPrimaryResult().getScore());
                }
            }
            table.computeIfAbsent(topology, t -> new LinkedHashMap<>())
                    .put(impl, new Figures(scores));
        }
        return table;
    }

    /** The report as Markdown tables: figures, then ratios against targets. */
    static String render(
            Map<String, Map<String, Figures>> table, List<String> impls, List<String> topologies) {
        StringBuilder out = new StringBuilder();
        out.append("| topology | implementation | events/s (median) | min .. max | iterations |\n");
        out.append("|---|---|---:|---|---:|\n");
        for (String topology : topologies) {
            for (String impl : impls) {
                Figures f = table.getOrDefault(topology, Map.of()).get(impl);
                if (f == null) {
                    out.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %s | %s | - | - | 0 |%n",
                                    label(topology),
                                    impl));
                } else {
                    out.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %s | %s | %s | %s .. %s | %d |%n",
                                    label(topology),
                                    impl,
                                    millions(f.median()),
                                    millions(f.min()),
                                    millions(f.max()),
                                    f.scores().size()));
                }
            }
        }
        out.append('\n');
        out.append("| topology | ratio | measured | target | status |\n");
        out.append("|---|---|---:|---:|---|\n");
        for (String topology : topologies) {
            Map<String, Figures> row = table.getOrDefault(topology, Map.of());
            for (String impl : impls) {
                if (impl.equals(MEMORY)) {
                    continue;
                }
                Target target =
                        TARGETS.stream()
                                .filter(
                                        t ->
                                                t.topology().equals(topology)
                                                        && t.baseline().equals(impl))
                                .findFirst()
                                .orElse(null);
                double ratio = ratio(row.get(MEMORY), row.get(impl));
                String measured =
                        Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio);
                String goal =
                        target == null ? "-" : String.format(Locale.ROOT, ">= %.1fx", target.min());
                String status =
                        target == null
                                ? "(no target)"
                                : Double.isNaN(ratio)
                                        ? "not measured"
                                        : ratio >= target.min() ? "met" : "MISSED";
                out.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | memory / %s | %s | %s | %s |%n",
                                label(topology),
                                impl,
                                measured,
                                goal,
                                status));
            }
        }
        return out.toString();
    }

    private static String label(String topology) {
        return switch (topology) {
            case "OneToOne" -> "1P1C (OneToOne)";
            case "ThreeToOne" -> "3P1C (ThreeToOne)";
            default -> topology;
        };
    }

    private static double ratio(Figures numerator, Figures denominator) {
        if (numerator == null || denominator == null) {
            return Double.NaN;
        }
        return numerator.median() / denominator.median();
    }

    private static String millions(double eventsPerSecond) {
        return String.format(Locale.ROOT, "%.2f M", eventsPerSecond / 1e6);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static List<String> split(String value, String separator) {
        return Arrays.stream(value.split(separator))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", load);
    }
}
