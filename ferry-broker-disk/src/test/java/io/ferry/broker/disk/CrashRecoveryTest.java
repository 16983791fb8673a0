package io.ferry.broker.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.brokertest.Seeds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests with a real child JVM ({@link CrashChild}) killed with SIGKILL ({@link
 * Process#destroyForcibly()} on Linux) at random points, then recovered on the same directory. Seed
 * logged; replay with {@code -Dferry.seed=N}.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {
    private static final int ROUNDS = 8;

    @TempDir Path dir;

    @Test
    void sigkillAtRandomPoints_losesNoAckedEvent_andRedeliversOnlyUnackedHandedOut()
            throws Exception {
        Random rnd = Seeds.random("crash");
        long childSeed = rnd.nextLong();
        Map<Integer, Integer> maxAcked = new HashMap<>();
        Set<Long> handed = new HashSet<>();
        Set<Long> consumed = new HashSet<>();
        // The broker's sequence of each event handed out (rules 2.6, 3.6): kept across crashes.
        Map<Long, Long> brokerSeqs = new HashMap<>();
        long maxSeqHanded = -1;
        for (int round = 0; round < ROUNDS; round++) {
            int killAfterLines = 200 + rnd.nextInt(40_000);
            List<String> lines = runChild(round, childSeed, killAfterLines);
            int acks = 0;
            long handedBefore = maxSeqHanded;
            long lastSeqThisRound = -1;
            for (String line : lines) {
                String[] f = line.split(" ");
                int fields = f.length > 0 && f[0].equals("H") ? 5 : 4;
                if (f.length != fields || f[0].length() != 1 || !f[fields - 1].equals(";")) {
                    continue; // READY, or the last line, cut short by the kill ("C 0 10" of "C 0
                    // 1024 ;")
                }
                int pid = Integer.parseInt(f[1]);
                int seq = Integer.parseInt(f[2]);
                long key = key(pid, seq);
                switch (f[0]) {
                    case "P" -> {
                        maxAcked.merge(pid, seq, Math::max);
                        acks++;
                    }
                    case "H" -> {
                        assertThat(consumed.contains(key))
                                .as(
                                        "round %d: event %d/%d handed out again after its ack "
                                                + "was persisted",
                                        round, pid, seq)
                                .isFalse();
                        handed.add(key);
                        long brokerSeq = Long.parseLong(f[3]);
                        Long before = brokerSeqs.putIfAbsent(key, brokerSeq);
                        assertThat(before == null ? brokerSeq : before)
                                .as(
                                        "round %d: event %d/%d handed out again keeps its sequence",
                                        round, pid, seq)
                                .isEqualTo(brokerSeq);
                        if (pid / 10 == round) {
                            assertThat(brokerSeq)
                                    .as(
                                            "round %d: new event %d/%d gets a sequence above every "
                                                    + "one handed out before the crash",
                                            round, pid, seq)
                                    .isGreaterThan(handedBefore);
                        }
                        assertThat(brokerSeq)
                                .as("round %d: one consumer sees sequences increase", round)
                                .isGreaterThan(lastSeqThisRound);
                        lastSeqThisRound = brokerSeq;
                        maxSeqHanded = Math.max(maxSeqHanded, brokerSeq);
                    }
                    case "C" ->
                            assertThat(consumed.add(key))
                                    .as("persisted ack twice: %d/%d", pid, seq)
                                    .isTrue();
                    default -> throw new AssertionError("unexpected line " + line);
                }
            }
            System.out.printf(
                    "[crash] round %d killed after %d lines (target %d), %d ack lines%n",
                    round, lines.size(), killAfterLines, acks);
        }

        try (DiskBroker broker = DiskBroker.create(Eventer.NONE, CrashChild.settings(dir))) {
            RecoveryReport report = broker.recoveryReport();
            System.out.println("[crash] final recovery: " + report);
            assertThat(report.eventsLost()).as("events lost to corruption").isZero();
            long expected = report.eventsRecovered();
            List<Event> drained = new ArrayList<>();
            Consumer c = broker.consumer();
            long maxRecovered = -1;
            while (drained.size() < expected) {
                Batch b = c.get(1000);
                for (int k = 0; k < b.size(); k++) {
                    Event e = b.events().get(k);
                    Long known = brokerSeqs.get(key(CrashChild.producerOf(e), CrashChild.seqOf(e)));
                    if (known != null) {
                        assertThat(b.sequence(k))
                                .as("recovered event keeps the sequence it was handed out with")
                                .isEqualTo(known);
                    }
                    maxRecovered = Math.max(maxRecovered, b.sequence(k));
                }
                drained.addAll(b.events());
                b.ack();
            }
            long next =
                    broker.producer(io.ferry.broker.ProducerConfig.DEFAULT)
                            .publishSeq(CrashChild.event(99, 0));
            assertThat(next)
                    .as("after the crashes, a new sequence is above every one seen")
                    .isGreaterThan(Math.max(maxRecovered, maxSeqHanded));
            assertThat(drained).hasSize((int) expected);
            Map<Integer, Integer> last = new HashMap<>();
            Set<Long> seen = new HashSet<>();
            for (Event e : drained) {
                int pid = CrashChild.producerOf(e);
                int seq = CrashChild.seqOf(e);
                assertThat(pid % 10).as("a known producer").isLessThan(CrashChild.PRODUCERS);
                assertThat(pid / 10).as("a known round").isLessThan(ROUNDS);
                assertThat(e.value())
                        .as("nothing invented: payload of %d/%d", pid, seq)
                        .isEqualTo(CrashChild.value(pid, seq));
                assertThat(seen.add(key(pid, seq))).as("drained twice: %d/%d", pid, seq).isTrue();
                assertThat(consumed.contains(key(pid, seq)))
                        .as("persisted consumer ack, yet delivered again: %d/%d", pid, seq)
                        .isFalse();
                Integer prev = last.put(pid, seq);
                if (prev != null) {
                    assertThat(seq).as("order of producer %d", pid).isGreaterThan(prev);
                }
            }
            long checked = 0;
            for (Map.Entry<Integer, Integer> m : maxAcked.entrySet()) {
                for (int seq = 0; seq <= m.getValue(); seq++) {
                    long key = key(m.getKey(), seq);
                    assertThat(seen.contains(key) || handed.contains(key))
                            .as(
                                    "acked event %d/%d is neither on disk nor was handed out",
                                    m.getKey(), seq)
                            .isTrue();
                    checked++;
                }
            }
            System.out.printf(
                    "[crash] %d acked events checked, %d drained after the last crash, %d consumed before%n",
                    checked, drained.size(), consumed.size());
            assertThat(checked).as("the children acked something").isPositive();
            assertThat(brokerSeqs).as("events handed out with their sequences").isNotEmpty();
        }
    }

    @Test
    void directoryHeldByAnotherProcess_isRefusedWithAClearError() throws Exception {
        Process child = start(0, 1, true);
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("child started").startsWith("READY");
            assertThatThrownBy(() -> DiskBroker.create(CrashChild.settings(dir)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another process")
                    .hasMessageContaining(dir.toString());
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        try (DiskBroker again = DiskBroker.create(CrashChild.settings(dir))) {
            assertThat(again.recoveryReport().clean()).isTrue();
        }
    }

    private List<String> runChild(int round, long seed, int killAfterLines) throws Exception {
        Process child = start(round, seed, false);
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger count = new AtomicInteger();
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    child.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = r.readLine()) != null) {
                                    lines.add(line);
                                    count.incrementAndGet();
                                }
                            } catch (IOException e) {
                                lines.add("IOERROR " + e);
                            }
                        },
                        "child-stdout");
        reader.start();
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> count.get() >= killAfterLines || !child.isAlive());
            assertThat(child.isAlive())
                    .as("child died by itself; its stderr is in " + dir.resolveSibling("child.err"))
                    .isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(20));
        }
        assertThat(lines).isNotEmpty();
        // Kept for diagnosis of a failure: what the child said, in order.
        Files.write(dir.resolveSibling("crash-round-" + round + ".txt"), lines);
        assertThat(lines.get(0)).startsWith("READY");
        System.out.println("[crash] round " + round + " " + lines.get(0));
        return lines;
    }

    private Process start(int round, long seed, boolean hold) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        Arrays.asList(
                                java,
                                "-Xmx256m",
                                "-cp",
                                System.getProperty("java.class.path"),
                                CrashChild.class.getName(),
                                dir.toString(),
                                Long.toString(seed),
                                Integer.toString(round)));
        if (hold) {
            cmd.add("hold");
        }
        return new ProcessBuilder(cmd)
                .redirectError(
                        ProcessBuilder.Redirect.appendTo(dir.resolveSibling("child.err").toFile()))
                .start();
    }

    private static long key(int producer, int seq) {
        return ((long) producer << 32) | (seq & 0xffffffffL);
    }
}
