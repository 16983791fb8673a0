package io.ferry.broker.disk;

import static io.ferry.broker.disk.DiskFullTest.drain;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.brokertest.AckRecorder;
import io.ferry.brokertest.Seeds;
import io.ferry.brokertest.TestEvents;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized torn writes and bit flips in a segment: recovery keeps exactly the frames before the
 * damage, intact and in order, and says what it cut. Seed logged; replay with {@code
 * -Dferry.seed=N}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TornWriteFuzzTest {
    private static final int EVENTS = 200;
    private static final int VALUE_BYTES = 60;

    @TempDir Path tmp;

    @Test
    void randomTruncationOrFlip_recoversExactlyTheFramesBeforeTheDamage() throws Exception {
        Random rnd = Seeds.random("tornWriteFuzz");
        int frame =
                FrameDescriptor.HEADER_LENGTH
                        + new EventCodec().payloadLength(TestEvents.event(0, 0, VALUE_BYTES));
        for (int round = 0; round < 25; round++) {
            Path dir = Files.createTempDirectory(tmp, "fuzz");
            DiskBrokerSettings settings =
                    DiskBrokerSettings.defaults(dir).withSegmentBytes(1 << 20);
            try (DiskBroker b = DiskBroker.create(settings)) {
                AckRecorder acks = new AckRecorder();
                Producer p = b.producer(acks.config(false));
                for (int i = 0; i < EVENTS; i++) {
                    assertThat(p.publish(TestEvents.event(0, i, VALUE_BYTES))).isTrue();
                }
                Awaitility.await()
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> acks.acked() == EVENTS);
            }
            Path seg = SegmentDescriptor.path(dir, 0);
            long size = Files.size(seg);
            assertThat(size).isEqualTo(SegmentDescriptor.HEADER_LENGTH + (long) EVENTS * frame);
            long at =
                    SegmentDescriptor.HEADER_LENGTH
                            + (long) (rnd.nextDouble() * (size - SegmentDescriptor.HEADER_LENGTH));
            boolean flip = rnd.nextBoolean();
            try (FileChannel ch =
                    FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                if (flip) {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    ch.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ (1 << rnd.nextInt(8)))).position(0);
                    ch.write(one, at);
                } else {
                    ch.truncate(at);
                }
            }
            int intact = (int) ((at - SegmentDescriptor.HEADER_LENGTH) / frame);
            try (DiskBroker b = DiskBroker.create(settings)) {
                RecoveryReport r = b.recoveryReport();
                assertThat(r.eventsRecovered())
                        .as("round %d, %s at %d: %s", round, flip ? "flip" : "truncate", at, r)
                        .isEqualTo(intact);
                boolean cutMidFrame = flip || (at - SegmentDescriptor.HEADER_LENGTH) % frame != 0;
                assertThat(r.framesTruncated())
                        .as("round %d: %s", round, r)
                        .isEqualTo(cutMidFrame ? 1 : 0);
                assertThat(Files.size(seg))
                        .isEqualTo(SegmentDescriptor.HEADER_LENGTH + (long) intact * frame);
                List<Event> events = drain(b, intact);
                for (int i = 0; i < intact; i++) {
                    assertThat(events.get(i)).isEqualTo(TestEvents.event(0, i, VALUE_BYTES));
                }
            }
            try (DiskBroker b = DiskBroker.create(settings)) {
                assertThat(b.recoveryReport().clean()).isTrue();
                assertThat(b.recoveryReport().eventsRecovered()).isZero();
            }
        }
    }
}
