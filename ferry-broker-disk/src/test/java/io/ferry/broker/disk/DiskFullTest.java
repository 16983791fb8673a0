package io.ferry.broker.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.brokertest.AckRecorder;
import io.ferry.brokertest.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A full disk or failing writes, through the injected {@link ChannelFactory}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskFullTest {
    @TempDir Path dir;

    private final FaultyChannels channels = new FaultyChannels();

    private DiskBroker open(ChannelFactory factory) {
        return DiskBroker.open(
                Eventer.NONE,
                DiskBrokerSettings.defaults(dir)
                        .withCapacityEvents(50)
                        .withSegmentBytes(8 << 10)
                        .withCheckpointInterval(Duration.ZERO),
                factory);
    }

    @Test
    void diskFull_givesBackpressure_acksNothingUnwritten_andRecoversWhenSpaceReturns()
            throws Exception {
        AckRecorder acks = new AckRecorder();
        try (DiskBroker b = open(channels)) {
            Producer p = b.producer(acks.config(false));
            for (int i = 0; i < 20; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 300))).isTrue();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acks.acked() == 20);

            channels.full = true;
            int accepted = 0;
            for (int i = 20; i < 100 && p.tryPublish(TestEvents.event(0, i, 300)); i++) {
                accepted++;
            }
            assertThat(accepted)
                    .as("backpressure: the buffer fills and tryPublish says no")
                    .isEqualTo(30);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().writeErrors() > 0);
            assertThat(b.diskStats().lastWriteError()).contains("No space left on device");
            Awaitility.await()
                    .during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> acks.acked() == 20);

            channels.full = false;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acks.acked() == 50);
            assertThat(acks.dropped()).isEmpty();
        }
        try (DiskBroker again = open(ChannelFactory.DEFAULT)) {
            assertThat(again.recoveryReport().clean())
                    .as("partial writes were cut off: %s", again.recoveryReport())
                    .isTrue();
            assertThat(drain(again, 50))
                    .extracting(TestEvents::seqOf)
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, 50).boxed().toList());
        }
    }

    @Test
    void closeWhileDiskFull_reportsUnwrittenEventsDropped_keepsAckedOnes() throws Exception {
        AckRecorder acks = new AckRecorder();
        try (DiskBroker b = open(channels)) {
            Producer p = b.producer(acks.config(false));
            for (int i = 0; i < 10; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 300))).isTrue();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acks.acked() == 10);
            channels.full = true;
            for (int i = 10; i < 15; i++) {
                assertThat(p.publish(TestEvents.event(0, i, 300))).isTrue();
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.diskStats().writeErrors() > 0);
        }
        assertThat(acks.acked()).isEqualTo(10);
        assertThat(acks.dropped())
                .as("a clear failure: never acked, reported dropped")
                .extracting(TestEvents::seqOf)
                .containsExactly(10, 11, 12, 13, 14);
        channels.full = false;
        try (DiskBroker again = open(ChannelFactory.DEFAULT)) {
            assertThat(drain(again, 10))
                    .extracting(TestEvents::seqOf)
                    .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(again.recoveryReport().eventsRecovered()).isEqualTo(10);
        }
    }

    static List<Event> drain(DiskBroker b, int n) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        Consumer c = b.consumer();
        while (out.size() < n) {
            Batch batch = c.get(0);
            out.addAll(batch.events());
            batch.ack();
        }
        return out;
    }
}
