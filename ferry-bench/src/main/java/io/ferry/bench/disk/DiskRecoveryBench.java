package io.ferry.bench.disk;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.broker.disk.DiskBroker;
import io.ferry.broker.disk.DiskBrokerSettings;
import io.ferry.broker.disk.RecoveryReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Recovery time of about 1 GiB of segments: fills a DiskBroker directory with unacknowledged events
 * of {@code eventBytes} (default 1024, then 100), closes it, and opens it {@code runs} times,
 * printing each recovery's duration and the median. The page cache is warm (the data was just
 * written) unless {@code -Dferry.dropCaches=true} makes it sync and write 3 to {@code
 * /proc/sys/vm/drop_caches} before each open (needs root; it says when that failed); run on one
 * thread, from {@code main}.
 *
 * <p>Run: {@code java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.disk.DiskRecoveryBench
 * [runs] [eventBytes...]}.
 */
public final class DiskRecoveryBench {
    private static final long TARGET_BYTES = 1L << 30;

    private DiskRecoveryBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int[] sizes =
                args.length > 1
                        ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                        : new int[] {1024, 100};
        for (int eventBytes : sizes) {
            run(runs, eventBytes);
        }
    }

    private static void dropCaches() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (java.io.IOException e) {
            System.out.println("cannot drop the page cache (" + e + "); this run is warm");
        }
    }

    private static void run(int runs, int eventBytes) throws Exception {
        Path dir = Files.createTempDirectory("ferry-disk-recovery");
        try {
            DiskBrokerSettings settings =
                    DiskBrokerSettings.defaults(dir).withCapacityBytes(4L << 30);
            long events = TARGET_BYTES / (eventBytes + DiskBenchRig.FRAME_OVERHEAD_BYTES);
            try (DiskBroker b = DiskBroker.create(settings)) {
                Producer p = b.producer(ProducerConfig.DEFAULT);
                byte[] key = new byte[DiskBenchRig.KEY_BYTES];
                byte[] value = new byte[eventBytes - DiskBenchRig.KEY_BYTES];
                Event e = Event.of("bench", key, value);
                for (long i = 0; i < events; i++) {
                    p.publish(e);
                }
            }
            long onDisk;
            try (Stream<Path> files = Files.list(dir)) {
                onDisk =
                        files.filter(f -> f.toString().endsWith(".seg"))
                                .mapToLong(f -> f.toFile().length())
                                .sum();
            }
            long[] nanos = new long[runs];
            RecoveryReport last = null;
            for (int i = 0; i < runs; i++) {
                if (Boolean.getBoolean("ferry.dropCaches")) {
                    dropCaches();
                }
                try (DiskBroker b = DiskBroker.create(settings)) {
                    last = b.recoveryReport();
                    nanos[i] = last.durationNanos();
                }
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            System.out.printf(
                    (Boolean.getBoolean("ferry.dropCaches") ? "cold " : "warm ")
                            + "recovery of %.2f GiB (%d events of %d bytes, %d segments): runs(ms)=%s median=%.0f ms%n",
                    onDisk / (double) (1L << 30),
                    last.eventsRecovered(),
                    eventBytes,
                    last.segmentsScanned(),
                    Arrays.toString(Arrays.stream(nanos).map(n -> n / 1_000_000).toArray()),
                    sorted[runs / 2] / 1e6);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
