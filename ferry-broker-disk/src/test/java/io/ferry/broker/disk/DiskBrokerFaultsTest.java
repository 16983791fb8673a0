package io.ferry.broker.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Batch;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.brokertest.AckRecorder;
import io.ferry.brokertest.TestEvents;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults found in review: skips written ahead of their events, a disk filled by the broker's own
 * segments, read errors mid-batch, a dying writer, a consumer closed while waiting for the read
 * lock, giving up on close, leaks on a failed start.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskBrokerFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path dir;

    private final FaultyChannels channels = new FaultyChannels();
    private final ExecutorService pool =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "faults-test");
                        t.setDaemon(true);
                        return t;
                    });

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private DiskBrokerSettings settings() {
        return DiskBrokerSettings.defaults(dir).withCheckpointInterval(Duration.ZERO);
    }

    /** Drains until {@code n} events arrived, acking each batch; bounded. */
    private List<Event> drainBounded(DiskBroker b, int n) throws Exception {
        Future<List<Event>> f = pool.submit(() -> DiskFullTest.drain(b, n));
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    private static Throwable catchFrom(Future<?> f) throws Exception {
        try {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    // ---- finding 1: a skip frame never names an event still queued ------------------------------

    @Test
    void
            cancelWhileTheQueueIsLongerThanAGroup_writesNoSkipAheadOfItsEvent_ackedEventsAfterRestartAreDelivered()
                    throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger segmentWrites = new AtomicInteger();
        AckRecorder dropped = new AckRecorder();
        try (DiskBroker b =
                DiskBroker.open(
                        Eventer.NONE, settings().withGroupCommit(2, Duration.ZERO), channels)) {
            Producer p = b.producer(dropped.config(true));
            channels.beforeSegmentWrite =
                    path -> {
                        int n = segmentWrites.incrementAndGet();
                        if (n == 1) {
                            held.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        } else if (n >= 3) {
                            throw new IOException(
                                    "No space left on device"); // the "crash": nothing more reaches
                            // the disk
                        }
                    };
            assertThat(p.publish(TestEvents.event(0, 0, 100))).isTrue();
            assertThat(held.await(10, TimeUnit.SECONDS)).as("the writer writes event 0").isTrue();
            for (int i = 1; i < 6; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 100))).isTrue();
            }
            assertThat(p.cancel()).isEqualTo(6);
            release.countDown();
            Awaitility.await().atMost(WAIT).until(() -> b.diskStats().writeErrors() > 0);
        }
        channels.beforeSegmentWrite = null;
        AckRecorder acks = new AckRecorder();
        try (DiskBroker again = DiskBroker.open(Eventer.NONE, settings(), ChannelFactory.DEFAULT)) {
            assertThat(again.recoveryReport().eventsRecovered()).isZero();
            Producer p = again.producer(acks.config(false));
            for (int i = 0; i < 5; i++) {
                assertThat(p.publish(TestEvents.event(1, i, 100))).isTrue();
            }
            Awaitility.await().atMost(WAIT).until(() -> acks.acked() == 5);
            assertThat(drainBounded(again, 5))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 5));
        }
    }

    @Test
    void recovery_ignoresSkipsNamingSequencesNeverWritten() throws Exception {
        DiskBrokerSettings s = settings();
        DiskCore core = new DiskCore(s.capacityBytes(), s.capacityEvents());
        SegmentAppender a = new SegmentAppender(core, ChannelFactory.DEFAULT, s, 0);
        a.roll(0, 0);
        Event[] events = {
            TestEvents.event(0, 0, 50), TestEvents.event(0, 1, 50), TestEvents.event(0, 2, 50)
        };
        List<long[]> skips = new ArrayList<>();
        for (long seq = 0; seq < 6; seq++) {
            skips.add(new long[] {seq, events[0].sizeBytes()});
        }
        skips.remove(0); // event 0 stays
        a.writeGroup(events, 3, 0, skips);
        a.closeChannel();
        AckRecorder acks = new AckRecorder();
        try (DiskBroker b = DiskBroker.open(Eventer.NONE, s, ChannelFactory.DEFAULT)) {
            assertThat(b.recoveryReport().eventsRecovered()).as("event 0 only").isEqualTo(1);
            Producer p = b.producer(acks.config(false));
            for (int i = 3; i < 8; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 50))).isTrue();
            }
            Awaitility.await().atMost(WAIT).until(() -> acks.acked() == 5);
            assertThat(drainBounded(b, 6))
                    .extracting(TestEvents::seqOf)
                    .containsExactly(0, 3, 4, 5, 6, 7);
        }
    }

    // ---- finding 2: a disk filled by the broker's own segments recovers once consumers ack ------

    @Test
    void diskFilledByTheBrokersOwnSegments_recoversOnceConsumersAck() throws Exception {
        AckRecorder acks = new AckRecorder();
        int total = 300;
        try (DiskBroker b =
                DiskBroker.open(
                        Eventer.NONE,
                        settings()
                                .withCapacityEvents(total)
                                .withSegmentBytes(8 << 10)
                                .withGroupCommit(10, Duration.ZERO),
                        channels)) {
            channels.quotaBytes = 40 << 10;
            Producer p = b.producer(acks.config(false));
            for (int i = 0; i < total; i++) {
                assertThat(p.tryPublish(TestEvents.event(0, i, 300))).isTrue();
            }
            Awaitility.await().atMost(WAIT).until(() -> b.diskStats().writeErrors() > 0);
            assertThat(acks.acked()).as("the segments filled the disk").isLessThan(total);
            assertThat(drainBounded(b, total))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, total));
            Awaitility.await().atMost(WAIT).until(() -> acks.acked() == total);
        }
    }

    // ---- finding 3: a failed read loses nothing -------------------------------------------------

    private DiskBroker openWithTwoSegmentsOfEvents(int events) throws Exception {
        DiskBroker b =
                DiskBroker.open(Eventer.NONE, settings().withSegmentBytes(8 << 10), channels);
        AckRecorder acks = new AckRecorder();
        Producer p = b.producer(acks.config(false));
        for (int i = 0; i < events; i++) {
            assertThat(p.publish(TestEvents.event(0, i, 100))).isTrue();
        }
        Awaitility.await().atMost(WAIT).until(() -> acks.acked() == events);
        assertThat(b.diskStats().segments()).isGreaterThan(2);
        return b;
    }

    /** Fails the first read of the second segment file the cursor reads. */
    private void failSecondSegmentOnce(IOException failure) {
        Set<Path> seen = Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean fired = new AtomicBoolean();
        channels.beforeSegmentRead =
                path -> {
                    seen.add(path);
                    if (seen.size() >= 2 && fired.compareAndSet(false, true)) {
                        throw failure;
                    }
                };
    }

    @Test
    void readErrorAfterSomeFramesWereDecoded_losesNothing() throws Exception {
        try (DiskBroker b = openWithTwoSegmentsOfEvents(200)) {
            failSecondSegmentOnce(new IOException("injected read error"));
            Consumer c = b.consumer();
            assertThatThrownBy(() -> c.get(0)).hasMessageContaining("reading segment");
            assertThat(drainBounded(b, 200))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 200));
            assertThat(b.stats().bufferedEvents()).isZero();
        }
    }

    @Test
    void interruptedRead_isReportedAsInterrupt_andLaterGetsStillRead() throws Exception {
        try (DiskBroker b = openWithTwoSegmentsOfEvents(200)) {
            failSecondSegmentOnce(new ClosedByInterruptException());
            Consumer c = b.consumer();
            assertThatThrownBy(() -> c.get(0)).isInstanceOf(InterruptedException.class);
            assertThat(drainBounded(b, 200))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, 200));
        }
    }

    // ---- finding 4: a dying writer fails the broker instead of hanging it -----------------------

    @Test
    void writerThreadDying_failsPublishAndGet_insteadOfHanging() throws Exception {
        try (DiskBroker b =
                DiskBroker.open(Eventer.NONE, settings().withCapacityEvents(5), channels)) {
            Consumer c = b.consumer();
            Future<Batch> waiting = pool.submit(() -> c.get(0));
            channels.beforeSegmentWrite =
                    path -> {
                        throw new OutOfMemoryError("Direct buffer memory (injected)");
                    };
            Producer p = b.producer(new AckRecorder().config(false));
            Future<?> publishing =
                    pool.submit(
                            () -> {
                                for (int i = 0; i < 10; i++) {
                                    p.publish(TestEvents.event(0, i, 100));
                                }
                                return null;
                            });
            assertThat(catchFrom(publishing))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("writer")
                    .hasRootCauseInstanceOf(OutOfMemoryError.class);
            assertThat(catchFrom(waiting))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("writer");
            assertThatThrownBy(() -> p.tryPublish(TestEvents.event(0, 99, 100)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void frameSizes_nearTheIntLimit_neitherOverflowTheBufferNorPassTheMaximum() {
        assertThat(SegmentAppender.bufferCapacity(100, 4 << 20)).isEqualTo(4 << 20);
        assertThat(SegmentAppender.bufferCapacity((4 << 20) + 1, 4 << 20)).isEqualTo(8 << 20);
        assertThat(SegmentAppender.bufferCapacity(1 << 30, 4 << 20))
                .isGreaterThanOrEqualTo(1 << 30);
        assertThat(SegmentAppender.bufferCapacity(FrameDescriptor.MAX_FRAME_BYTES, 4 << 20))
                .isGreaterThanOrEqualTo(FrameDescriptor.MAX_FRAME_BYTES);
        assertThat(DiskProducer.frameTooLarge(FrameDescriptor.MAX_FRAME_BYTES + 1L, 5))
                .contains(String.valueOf(FrameDescriptor.MAX_FRAME_BYTES));
        assertThat(DiskProducer.frameTooLarge(FrameDescriptor.MAX_FRAME_BYTES, 5)).isNull();
    }

    // ---- finding 5: closing a consumer waiting for the read lock unblocks it --------------------

    @Test
    void closingAConsumerWaitingForTheReadLock_unblocksItsGet() throws Exception {
        try (DiskBroker b = DiskBroker.open(Eventer.NONE, settings(), ChannelFactory.DEFAULT)) {
            Consumer first = b.consumer();
            Future<Batch> holding = pool.submit(() -> first.get(0));
            Awaitility.await().atMost(WAIT).until(b.readLock::isLocked);
            Consumer second = b.consumer();
            AtomicReferenceThread t = new AtomicReferenceThread();
            Future<Batch> waiting =
                    pool.submit(
                            () -> {
                                t.thread = Thread.currentThread();
                                return second.get(0);
                            });
            Awaitility.await()
                    .atMost(WAIT)
                    .until(
                            () ->
                                    t.thread != null
                                            && (t.thread.getState() == Thread.State.WAITING
                                                    || t.thread.getState()
                                                            == Thread.State.TIMED_WAITING));
            second.close();
            assertThat(catchFrom(waiting)).isInstanceOf(BrokerClosedException.class);
            assertThat(holding).isNotDone();
        }
    }

    private static final class AtomicReferenceThread {
        volatile Thread thread;
    }

    // ---- finding 8: close() from an ack listener keeps the directory until the writer stops -----

    @Test
    void closeFromAnAckListener_keepsTheDirectoryLockedUntilTheWriterStops() throws Exception {
        AtomicReference<Throwable> secondOpen = new AtomicReference<>();
        CountDownLatch listenerDone = new CountDownLatch(1);
        AtomicReference<DiskBroker> broker = new AtomicReference<>();
        AtomicBoolean once = new AtomicBoolean();
        DiskBroker b = DiskBroker.open(Eventer.NONE, settings(), ChannelFactory.DEFAULT);
        broker.set(b);
        Producer p =
                b.producer(
                        ProducerConfig.withAcks(
                                n -> {
                                    if (once.compareAndSet(false, true)) {
                                        broker.get().close();
                                        try {
                                            DiskBroker.open(
                                                            Eventer.NONE,
                                                            settings(),
                                                            ChannelFactory.DEFAULT)
                                                    .close();
                                            secondOpen.set(
                                                    new AssertionError(
                                                            "a second broker opened the directory while the writer runs"));
                                        } catch (RuntimeException e) {
                                            secondOpen.set(e);
                                        }
                                        listenerDone.countDown();
                                    }
                                }));
        assertThat(p.publish(TestEvents.event(0, 0, 100))).isTrue();
        assertThat(listenerDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(secondOpen.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already open");
        b.close(); // waits for the writer, which released the directory
        try (DiskBroker again = DiskBroker.open(Eventer.NONE, settings(), ChannelFactory.DEFAULT)) {
            assertThat(drainBounded(again, 1)).extracting(TestEvents::seqOf).containsExactly(0);
        }
    }

    // ---- finding 6: giving up on close leaves no sequence gap -----------------------------------

    @Test
    void givingUpAGroupOnClose_dropsTheRestToo_soEveryAckedEventSurvivesTheRestart()
            throws Exception {
        AckRecorder acks = new AckRecorder();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger failures = new AtomicInteger();
        long[] learned = new long[16];
        try (DiskBroker b =
                DiskBroker.open(
                        Eventer.NONE, settings().withGroupCommit(2, Duration.ZERO), channels)) {
            Producer p = b.producer(acks.config(false));
            for (int i = 0; i < 10; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 100))).isTrue();
            }
            Awaitility.await().atMost(WAIT).until(() -> acks.acked() == 10);
            channels.beforeSegmentWrite =
                    path -> {
                        if (failures.get() == 0) {
                            held.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        if (failures.incrementAndGet() <= 3) {
                            throw new IOException("No space left on device");
                        }
                    };
            for (int i = 10; i < 16; i++) {
                learned[i] = p.publishSeq(TestEvents.event(0, i, 100));
                assertThat(learned[i]).isNotNegative();
            }
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            Future<?> closing = pool.submit(b::close);
            Awaitility.await().atMost(WAIT).until(() -> b.core.closed);
            release.countDown();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        channels.beforeSegmentWrite = null;
        long acked = acks.acked();
        assertThat(acked + acks.dropped().size()).isEqualTo(16);
        assertThat(acks.drops()).as("the broker gave up a group").isNotEmpty();
        for (AckRecorder.Drop d : acks.drops()) {
            assertThat(d.sequence())
                    .as("rule 1.7: a given-up event is reported with its sequence")
                    .isEqualTo(learned[TestEvents.seqOf(d.event())]);
        }
        try (DiskBroker again = DiskBroker.open(Eventer.NONE, settings(), ChannelFactory.DEFAULT)) {
            assertThat(again.recoveryReport().clean()).as("%s", again.recoveryReport()).isTrue();
            assertThat(again.recoveryReport().eventsRecovered()).isEqualTo(acked);
            assertThat(drainBounded(again, (int) acked))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(range(0, (int) acked));
        }
    }

    // ---- finding 7: a failed start leaks no channel ---------------------------------------------

    @Test
    void failedStart_closesEveryChannelItOpened() {
        channels.beforeOpen =
                path -> {
                    if (path.getFileName().toString().equals(CheckpointDescriptor.TEMP_FILE)) {
                        throw new IOException("injected: cannot create the checkpoint");
                    }
                };
        assertThatThrownBy(() -> DiskBroker.open(Eventer.NONE, settings(), channels))
                .hasMessageContaining("cannot create the checkpoint");
        assertThat(channels.openChannels.get()).isZero();
        channels.beforeOpen = null;
        DiskBrokerSettings s = settings();
        DiskBrokerSettings noThreads =
                new DiskBrokerSettings(
                        s.directory(),
                        s.capacityBytes(),
                        s.capacityEvents(),
                        s.segmentBytes(),
                        s.fsync(),
                        s.groupCommitMaxEvents(),
                        s.groupCommitInterval(),
                        s.checkpointInterval(),
                        s.flushMinEvents(),
                        s.flushTimeout(),
                        s.nanoClock(),
                        r -> {
                            throw new IllegalStateException("injected: no threads");
                        });
        assertThatThrownBy(() -> DiskBroker.open(Eventer.NONE, noThreads, channels))
                .hasMessageContaining("no threads");
        assertThat(channels.openChannels.get()).isZero();
        try (DiskBroker b = DiskBroker.open(Eventer.NONE, settings(), channels)) {
            assertThat(b.recoveryReport().clean()).isTrue();
        }
    }
}
