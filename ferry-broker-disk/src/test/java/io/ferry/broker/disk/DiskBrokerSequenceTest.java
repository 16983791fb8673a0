package io.ferry.broker.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.brokertest.AckRecorder;
import io.ferry.brokertest.TestEvents;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event sequences across the disk round trip and restarts (rules 1.8, 2.6, 3.6) on the paths
 * only a disk broker has: several segments with the acknowledged ones deleted, a torn tail,
 * cancelled events skipped after a restart. The SIGKILL crash case is in {@link CrashRecoveryTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskBrokerSequenceTest {
    @TempDir Path dir;

    private DiskBroker open(long segmentBytes) {
        return DiskBroker.create(
                DiskBrokerSettings.defaults(dir)
                        .withSegmentBytes(segmentBytes)
                        .withCheckpointInterval(Duration.ZERO));
    }

    /**
     * Publishes events [from, to) of producer {@code id} with {@code publishSeq}, waits until all
     * are stored, and returns the sequences learned, indexed by event number.
     */
    private static long[] publishDurably(DiskBroker b, int id, int from, int to)
            throws InterruptedException {
        AckRecorder acks = new AckRecorder();
        Producer p = b.producer(acks.config(false));
        long[] learned = new long[to];
        for (int i = from; i < to; i++) {
            learned[i] = p.publishSeq(TestEvents.event(id, i, 100));
            assertThat(learned[i]).isNotNegative();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acks.acked() == to - from);
        return learned;
    }

    /** One delivered event and the sequence its batch gave it. */
    private record Delivered(Event event, long sequence) {}

    /** Takes exactly {@code n} events, acking each batch, with their batch sequences. */
    private static List<Delivered> drain(DiskBroker b, int n) throws InterruptedException {
        List<Delivered> out = new ArrayList<>();
        Consumer c = b.consumer();
        while (out.size() < n) {
            Batch batch = c.get(n - out.size());
            for (int k = 0; k < batch.size(); k++) {
                out.add(new Delivered(batch.events().get(k), batch.sequence(k)));
            }
            batch.ack();
        }
        return out;
    }

    private static long newSequence(DiskBroker b) throws InterruptedException {
        return b.producer(ProducerConfig.DEFAULT).publishSeq(TestEvents.event(9, 0, 10));
    }

    @Test
    void restartAcrossSegments_recoveredEventsKeepTheirSequences_newOnesAreAboveAllGivenOut()
            throws Exception {
        long[] learned;
        try (DiskBroker b = open(8 << 10)) {
            learned = publishDurably(b, 0, 0, 500);
            assertThat(drain(b, 300))
                    .extracting(Delivered::sequence)
                    .containsExactlyElementsOf(asList(learned, 0, 300));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().checkpointSeq() == learned[300]);
        }
        try (DiskBroker b = open(8 << 10)) {
            assertThat(b.diskStats().segments()).isGreaterThan(1);
            List<Delivered> recovered = drain(b, 200);
            for (Delivered d : recovered) {
                assertThat(d.sequence())
                        .as("sequence of recovered event %d", TestEvents.seqOf(d.event()))
                        .isEqualTo(learned[TestEvents.seqOf(d.event())]);
            }
            assertThat(recovered).extracting(d -> TestEvents.seqOf(d.event())).startsWith(300);
            assertThat(newSequence(b)).isGreaterThan(learned[499]);
        }
    }

    @Test
    void tornTail_survivorsKeepTheirSequences_andNewOnesAreAboveEverySurvivor() throws Exception {
        long[] learned;
        try (DiskBroker b = open(1 << 20)) {
            learned = publishDurably(b, 0, 0, 100);
        }
        Path seg = lastSegmentWithData();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(seg) - 10); // the last frame torn, as by a crash mid-write
        }
        try (DiskBroker b = open(1 << 20)) {
            assertThat(b.recoveryReport().eventsRecovered()).isEqualTo(99);
            List<Delivered> recovered = drain(b, 99);
            for (int i = 0; i < 99; i++) {
                assertThat(TestEvents.seqOf(recovered.get(i).event())).isEqualTo(i);
                assertThat(recovered.get(i).sequence()).isEqualTo(learned[i]);
            }
            long next = newSequence(b);
            assertThat(next).as("above every event that survived").isGreaterThan(learned[98]);
            assertThat(drain(b, 1)).extracting(Delivered::sequence).containsExactly(next);
        }
    }

    @Test
    void cancelledWrittenEvents_areSkippedAfterRestart_survivorsKeepSequences_noneIsReused()
            throws Exception {
        long[] kept = new long[10];
        long maxGivenOut;
        AckRecorder rec = new AckRecorder();
        try (DiskBroker b = open(1 << 20)) {
            Producer cancelled = b.producer(rec.config(true));
            AckRecorder keptAcks = new AckRecorder();
            Producer keeper = b.producer(keptAcks.config(false));
            long last = -1;
            for (int i = 0; i < 10; i++) {
                assertThat(cancelled.publishSeq(TestEvents.event(1, i, 100))).isNotNegative();
                kept[i] = keeper.publishSeq(TestEvents.event(0, i, 100));
                last = cancelled.publishSeq(TestEvents.event(1, 100 + i, 100));
            }
            maxGivenOut = last;
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().fsyncedEvents() == 30);
            assertThat(cancelled.cancel()).isEqualTo(20);
            assertThat(rec.drops()).hasSize(20);
        }
        try (DiskBroker b = open(1 << 20)) {
            assertThat(b.recoveryReport().eventsRecovered()).isEqualTo(10);
            List<Delivered> recovered = drain(b, 10);
            for (Delivered d : recovered) {
                assertThat(TestEvents.producerOf(d.event())).isZero();
                assertThat(d.sequence()).isEqualTo(kept[TestEvents.seqOf(d.event())]);
            }
            assertThat(newSequence(b))
                    .as("the skipped events' sequences are not given out again")
                    .isGreaterThan(maxGivenOut);
        }
    }

    private Path lastSegmentWithData() throws IOException {
        List<Long> ids = Recovery.segmentIds(dir);
        for (int i = ids.size() - 1; i >= 0; i--) {
            Path p = SegmentDescriptor.path(dir, ids.get(i));
            if (Files.size(p) > SegmentDescriptor.HEADER_LENGTH) {
                return p;
            }
        }
        throw new AssertionError("no segment with data in " + dir);
    }

    private static List<Long> asList(long[] values, int from, int to) {
        List<Long> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(values[i]);
        }
        return out;
    }
}
