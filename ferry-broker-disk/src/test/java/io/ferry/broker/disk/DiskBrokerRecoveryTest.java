package io.ferry.broker.disk;

import static io.ferry.broker.disk.DiskFullTest.drain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Producer;
import io.ferry.brokertest.AckRecorder;
import io.ferry.brokertest.TestEvents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Restart, torn writes and corruption of segments and checkpoint, segment deletion, counters. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskBrokerRecoveryTest {
    @TempDir Path dir;

    private DiskBroker open(long segmentBytes) {
        return DiskBroker.create(
                DiskBrokerSettings.defaults(dir)
                        .withSegmentBytes(segmentBytes)
                        .withCheckpointInterval(Duration.ZERO));
    }

    /** Publishes events [from, to) of producer 0 and waits until all are acked (durable). */
    private static void publishDurably(DiskBroker b, int from, int to) throws InterruptedException {
        AckRecorder acks = new AckRecorder();
        Producer p = b.producer(acks.config(false));
        for (int i = from; i < to; i++) {
            assertThat(p.publish(TestEvents.event(0, i, 100))).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acks.acked() == to - from);
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
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

    private static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).position(0);
            ch.write(b, at);
        }
    }

    @Test
    void restart_keepsUnackedEventsInOrder_acrossSegments_andDeletesAckedSegments()
            throws Exception {
        try (DiskBroker b = open(8 << 10)) {
            publishDurably(b, 0, 500);
            int segmentsBefore = b.diskStats().segments();
            assertThat(segmentsBefore).as("events span several segments").isGreaterThan(5);
            Consumer c = b.consumer();
            int taken = 0;
            while (taken < 300) {
                Batch batch = c.get(300 - taken);
                taken += batch.size();
                batch.ack();
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().checkpointSeq() == 300);
            DiskStats s = b.diskStats();
            assertThat(s.segments()).as("acked segments deleted").isLessThan(segmentsBefore);
            assertThat(s.eventsOnDisk()).isEqualTo(200);
            assertThat(s.fsyncs()).isPositive();
            assertThat(s.fsyncedEvents()).isEqualTo(500);
            assertThat(s.bytesOnDisk())
                    .isEqualTo(
                            Recovery.segmentIds(dir).stream()
                                    .mapToLong(
                                            id -> SegmentDescriptor.path(dir, id).toFile().length())
                                    .sum());
        }
        try (DiskBroker b = open(8 << 10)) {
            RecoveryReport r = b.recoveryReport();
            assertThat(r.clean()).isTrue();
            assertThat(r.checkpointValid()).isTrue();
            assertThat(r.eventsRecovered()).isEqualTo(200);
            assertThat(b.stats().bufferedEvents()).isEqualTo(200);
            assertThat(drain(b, 200))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(300, 500));
        }
    }

    @Test
    void tornTail_isTruncatedAtTheLastValidFrame_andReported() throws Exception {
        try (DiskBroker b = open(1 << 20)) {
            publishDurably(b, 0, 100);
        }
        Path seg = lastSegmentWithData();
        long size = Files.size(seg);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 10); // the last frame loses its last 10 bytes, as if torn by a crash
        }
        try (DiskBroker b = open(1 << 20)) {
            RecoveryReport r = b.recoveryReport();
            assertThat(r.framesTruncated()).isEqualTo(1);
            assertThat(r.bytesTruncated()).isPositive();
            assertThat(r.eventsRecovered()).isEqualTo(99);
            assertThat(Files.size(seg)).isEqualTo(size - 10 - r.bytesTruncated());
            assertThat(drain(b, 99))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 99));
            publishDurably(b, 100, 110);
        }
        try (DiskBroker b = open(1 << 20)) {
            assertThat(b.recoveryReport().clean()).as("the truncated tail stays fixed").isTrue();
            assertThat(drain(b, 10))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(100, 110));
        }
    }

    @Test
    void flippedByteInTheLastFrame_failsItsCrc_andIsTruncated() throws Exception {
        try (DiskBroker b = open(1 << 20)) {
            publishDurably(b, 0, 100);
        }
        Path seg = lastSegmentWithData();
        flipByte(seg, Files.size(seg) - 5);
        try (DiskBroker b = open(1 << 20)) {
            RecoveryReport r = b.recoveryReport();
            assertThat(r.framesTruncated()).isEqualTo(1);
            assertThat(r.eventsRecovered()).isEqualTo(99);
            assertThat(drain(b, 99))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 99));
        }
    }

    @Test
    void corruptFrameInAnEarlierSegment_losesOnlyThatSegmentsRest_keepsLaterSegments()
            throws Exception {
        long firstSeqOfSecond;
        try (DiskBroker b = open(8 << 10)) {
            publishDurably(b, 0, 300);
        }
        List<Long> ids = Recovery.segmentIds(dir);
        assertThat(ids.size()).isGreaterThan(3);
        try (FileChannel ch =
                FileChannel.open(
                        SegmentDescriptor.path(dir, ids.get(1)), StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
            ch.read(h, 0);
            firstSeqOfSecond = h.getLong(SegmentDescriptor.FIRST_SEQ_OFFSET);
        }
        // Corrupt the sequence of the third frame of the first segment.
        long thirdFrame =
                SegmentDescriptor.HEADER_LENGTH
                        + 2L
                                * (FrameDescriptor.HEADER_LENGTH
                                        + new EventCodec()
                                                .payloadLength(TestEvents.event(0, 0, 100)));
        flipByte(
                SegmentDescriptor.path(dir, ids.get(0)),
                thirdFrame + FrameDescriptor.SEQ_OFFSET + 7);
        try (DiskBroker b = open(8 << 10)) {
            RecoveryReport r = b.recoveryReport();
            assertThat(r.corruptSegments()).isEqualTo(1);
            assertThat(r.eventsLost()).isEqualTo(firstSeqOfSecond - 2);
            assertThat(r.eventsRecovered()).isEqualTo(300 - (firstSeqOfSecond - 2));
            List<Integer> expected = new java.util.ArrayList<>(range(0, 2));
            expected.addAll(range((int) firstSeqOfSecond, 300));
            assertThat(drain(b, expected.size()))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(expected);
        }
    }

    @ParameterizedTest(name = "checkpoint {0}")
    @ValueSource(strings = {"flipped", "truncated", "empty"})
    void corruptCheckpoint_fallsBackToTheOldestSegment_redeliveringRatherThanLosing(String damage)
            throws Exception {
        try (DiskBroker b = open(1 << 20)) {
            publishDurably(b, 0, 200);
            Consumer c = b.consumer();
            int taken = 0;
            while (taken < 150) {
                Batch batch = c.get(150 - taken);
                taken += batch.size();
                batch.ack();
            }
        }
        Path cp = dir.resolve(CheckpointDescriptor.FILE);
        assertThat(CheckpointDescriptor.decode(Files.readAllBytes(cp)).seq()).isEqualTo(150);
        switch (damage) {
            case "flipped" -> flipByte(cp, CheckpointDescriptor.SEQ_OFFSET + 7);
            case "truncated" ->
                    Files.write(cp, java.util.Arrays.copyOf(Files.readAllBytes(cp), 20));
            default -> Files.write(cp, new byte[0]);
        }
        try (DiskBroker b = open(1 << 20)) {
            RecoveryReport r = b.recoveryReport();
            assertThat(r.checkpointValid()).isFalse();
            assertThat(r.eventsRecovered())
                    .as("every event still on disk, acked or not")
                    .isEqualTo(200);
            assertThat(drain(b, 200))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 200));
        }
    }

    @Test
    void segmentOfAnotherFormatVersion_isRefusedNotDeleted() throws Exception {
        try (DiskBroker b = open(1 << 20)) {
            publishDurably(b, 0, 3);
        }
        Path seg = lastSegmentWithData();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 2), SegmentDescriptor.VERSION_OFFSET);
        }
        assertThatThrownBy(() -> open(1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("format version 2")
                .hasMessageContaining("reads version 1");
        assertThat(seg).exists();
    }

    @Test
    void checkpoint_neverPointsPastForcedData() throws Exception {
        try (DiskBroker b = open(8 << 10)) {
            publishDurably(b, 0, 100);
            Consumer c = b.consumer();
            Batch batch = c.get(100);
            batch.ack();
            int n = batch.size();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().checkpointSeq() == n);
            CheckpointDescriptor.Position p =
                    CheckpointDescriptor.decode(
                            Files.readAllBytes(dir.resolve(CheckpointDescriptor.FILE)));
            assertThat(p.seq()).isEqualTo(n);
            Path seg = SegmentDescriptor.path(dir, p.segmentId());
            assertThat(!Files.exists(seg) || p.offset() <= Files.size(seg)).isTrue();
        }
    }

    @Test
    void cancelWithDropOnCancel_afterTheEventsWereWritten_doesNotRedeliverThemAfterRestart()
            throws Exception {
        AckRecorder rec = new AckRecorder();
        try (DiskBroker b = open(1 << 20)) {
            publishDurably(b, 0, 5);
            Producer p = b.producer(rec.config(true));
            for (int i = 0; i < 10; i++) {
                assertThat(p.publish(TestEvents.event(1, i, 100))).isTrue();
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().fsyncedEvents() == 15);
            assertThat(rec.acked())
                    .as("a dropOnCancel producer is acked once its event is handed out")
                    .isZero();
            assertThat(p.cancel()).isEqualTo(10);
            assertThat(rec.dropped()).hasSize(10);
        }
        try (DiskBroker b = open(1 << 20)) {
            assertThat(b.recoveryReport().eventsRecovered()).isEqualTo(5);
            assertThat(drain(b, 5)).extracting(TestEvents::producerOf).containsOnly(0);
            assertThat(b.stats().bufferedEvents()).isZero();
        }
    }

    @Test
    void fsyncNever_stillKeepsEventsAcrossACleanRestart_withoutForcing() throws Exception {
        DiskBrokerSettings s = DiskBrokerSettings.defaults(dir).withFsync(FsyncMode.NEVER);
        try (DiskBroker b = DiskBroker.create(s)) {
            publishDurably(b, 0, 50);
            assertThat(b.diskStats().fsyncs()).isZero();
        }
        try (DiskBroker b = DiskBroker.create(s)) {
            assertThat(drain(b, 50))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 50));
        }
    }

    @Test
    void eventLargerThanTheByteCapacity_isRefusedNamingBothSizes() {
        try (DiskBroker b =
                DiskBroker.create(DiskBrokerSettings.defaults(dir).withCapacityBytes(1000))) {
            Producer p = b.producer(io.ferry.broker.ProducerConfig.DEFAULT);
            var e = TestEvents.event(0, 0, 5000);
            assertThatThrownBy(() -> p.publish(e))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(e.sizeBytes() + " bytes")
                    .hasMessageContaining("1000 bytes");
            assertThatThrownBy(() -> p.tryPublish(e)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void secondBrokerOnTheSameDirectory_inThisProcess_isRefused() {
        try (DiskBroker b = open(1 << 20)) {
            assertThatThrownBy(() -> open(1 << 20))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open")
                    .hasMessageContaining(dir.toString());
            assertThat(b.stats().publishedEvents()).isZero();
        }
    }

    @Test
    void oldestEventAge_andRecoveryTime_areReported() throws Exception {
        long[] now = {1_000_000_000L};
        DiskBrokerSettings s = DiskBrokerSettings.defaults(dir).withNanoClock(() -> now[0]);
        try (DiskBroker b = DiskBroker.create(s)) {
            assertThat(b.stats().oldestEventAgeNanos()).isZero();
            publishDurably(b, 0, 3);
            now[0] += 5_000_000_000L;
            assertThat(b.stats().oldestEventAgeNanos()).isEqualTo(5_000_000_000L);
            drain(b, 3);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.stats().oldestEventAgeNanos() == 0);
        }
        try (DiskBroker b = open(1 << 20)) {
            assertThat(b.diskStats().recovery().durationNanos()).isPositive();
            assertThat(b.diskStats().recovery()).isEqualTo(b.recoveryReport());
        }
    }
}
