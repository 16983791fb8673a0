package io.ferry.bench.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time by thread of this JVM at one instant, to tell which threads a run kept busy; take and
 * compare snapshots on one thread. Threads are grouped by name with digits replaced by {@code #}
 * ({@code ferry-produce-node-1} counts as {@code ferry-produce-node-#}).
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> cpuById;
    private final Map<Long, String> nameById;
    private final long processCpuNanos;

    private ThreadCpu(Map<Long, Long> cpuById, Map<Long, String> nameById, long processCpuNanos) {
        this.cpuById = cpuById;
        this.nameById = nameById;
        this.processCpuNanos = processCpuNanos;
    }

    /** The CPU time of every live thread now. */
    static ThreadCpu snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        if (THREADS.isThreadCpuTimeSupported()) {
            for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                if (t == null) {
                    continue;
                }
                long ns = THREADS.getThreadCpuTime(t.getThreadId());
                if (ns >= 0) {
                    cpu.put(t.getThreadId(), ns);
                    names.put(t.getThreadId(), t.getThreadName());
                }
            }
        }
        return new ThreadCpu(cpu, names, processCpuNanos());
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** CPU nanoseconds spent by the whole process since {@code before}, or -1 when unknown. */
    long processCpuSince(ThreadCpu before) {
        return processCpuNanos < 0 || before.processCpuNanos < 0
                ? -1
                : processCpuNanos - before.processCpuNanos;
    }

    /**
     * CPU nanoseconds per thread group since {@code before}, largest first; threads that ended in
     * between are not counted (take this snapshot before closing the clients).
     */
    Map<String, Long> byGroupSince(ThreadCpu before) {
        Map<String, Long> groups = new HashMap<>();
        cpuById.forEach(
                (id, ns) -> {
                    long delta = ns - before.cpuById.getOrDefault(id, 0L);
                    if (delta > 0) {
                        groups.merge(group(nameById.get(id)), delta, Long::sum);
                    }
                });
        Map<String, Long> sorted = new LinkedHashMap<>();
        groups.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /**
     * The first {@code top} groups of {@code byGroup} (largest first) as percent of one core over
     * {@code elapsedNanos}: {@code " busiest threads (percent of one core): a 93%; b 41%;"}.
     */
    static String busiest(Map<String, Long> byGroup, long elapsedNanos, int top) {
        StringBuilder threads =
                new StringBuilder("          busiest threads (percent of one core):");
        int n = 0;
        for (Map.Entry<String, Long> e : byGroup.entrySet()) {
            if (n++ == top) {
                break;
            }
            threads.append(
                    String.format(
                            java.util.Locale.ROOT,
                            " %s %.0f%%;",
                            e.getKey(),
                            100.0 * e.getValue() / Math.max(1, elapsedNanos)));
        }
        return threads.toString();
    }

    static String group(String threadName) {
        return threadName.replaceAll("[0-9]+", "#");
    }
}
