package io.ferry.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemoryBrokerStatsTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private MemoryBroker broker(long capacityBytes) {
        return MemoryBroker.create(
                MemoryBrokerSettings.defaults()
                        .withCapacityEvents(16)
                        .withCapacityBytes(capacityBytes)
                        .withNanoClock(clock::get));
    }

    @Test
    void counters_followPublishTakeAckAndCancel() throws Exception {
        try (MemoryBroker b = broker(0)) {
            Event e = Event.of("t", new byte[100]);
            Producer p = b.producer(ProducerConfig.DEFAULT);
            for (int i = 0; i < 5; i++) {
                assertThat(p.tryPublish(e)).isTrue();
            }
            BrokerStats s = b.stats();
            assertThat(s.publishedEvents()).isEqualTo(5);
            assertThat(s.bufferedEvents()).isEqualTo(5);
            assertThat(s.bufferedBytes()).isEqualTo(5L * e.sizeBytes());
            Consumer c = b.consumer();
            Batch batch = c.get(3);
            assertThat(b.stats().outstandingBatches()).isEqualTo(1);
            batch.ack();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.stats().ackedEvents() == 3);
            s = b.stats();
            assertThat(s.outstandingBatches()).isZero();
            assertThat(s.bufferedEvents()).isEqualTo(2);
            assertThat(s.bufferedBytes()).isEqualTo(2L * e.sizeBytes());
            Producer dropping = b.producer(ProducerConfig.DEFAULT.dropOnCancel(true));
            dropping.tryPublish(e);
            assertThat(dropping.cancel()).isEqualTo(1);
            assertThat(b.stats().droppedEvents()).isEqualTo(1);
        }
    }

    @Test
    void byteBound_countsReservedBytes_andReleasesThemOnAck() throws Exception {
        Event e = Event.of("t", new byte[100]);
        try (MemoryBroker b = broker(e.sizeBytes() * 4L)) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            for (int i = 0; i < 4; i++) {
                assertThat(p.tryPublish(e)).isTrue();
            }
            assertThat(p.tryPublish(e)).isFalse();
            assertThat(b.stats().bufferedBytes()).isEqualTo(4L * e.sizeBytes());
            Batch batch = b.consumer().get(0);
            int n = batch.size();
            batch.ack();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.stats().bufferedBytes() == (4L - n) * e.sizeBytes());
        }
    }

    @Test
    void oldestEventAge_isMeasuredOnTheInjectedClock() throws Exception {
        try (MemoryBroker b = broker(0)) {
            assertThat(b.stats().oldestEventAgeNanos()).isZero();
            Producer p = b.producer(ProducerConfig.DEFAULT);
            p.publish(Event.of("t", new byte[1]));
            clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
            assertThat(b.stats().oldestEventAgeNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(5));
            Batch batch = b.consumer().get(1);
            batch.ack();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.stats().oldestEventAgeNanos() == 0);
        }
    }

    @Test
    void afterClose_nothingIsBuffered_andUnackedEventsCountAsDropped() throws Exception {
        MemoryBroker b = broker(0);
        Producer p = b.producer(ProducerConfig.DEFAULT);
        p.publish(Event.of("t", new byte[1]));
        p.publish(Event.of("t", new byte[1]));
        b.close();
        BrokerStats s = b.stats();
        assertThat(s.bufferedEvents()).isZero();
        assertThat(s.droppedEvents()).isEqualTo(2);
        assertThat(s.publishedEvents()).isEqualTo(2);
    }
}
