package io.ferry.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A consumer waiting for {@code flush.min_events} asks to be woken by the event that completes
 * them, not by every event; its request is withdrawn once it stops waiting (so producers stop
 * signalling). The flush timeout is an hour here: a missed wake-up fails the test by its timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConsumerWakeTest {
    private static final Event E = Event.of("t", new byte[10]);

    @Test
    void waitingForMinEvents_isWokenByTheEventThatCompletesThem() throws Exception {
        try (MemoryBroker b =
                MemoryBroker.create(
                        MemoryBrokerSettings.defaults()
                                .withCapacityEvents(64)
                                .withFlush(4, Duration.ofHours(1)))) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            Consumer c = b.consumer();
            CompletableFuture<Batch> got = CompletableFuture.supplyAsync(() -> get(c, 100));
            // parked for its first event: any event wakes it
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> parked(b.ring) && b.ring.consumerWakeAt == 0);
            p.tryPublish(E);
            // then parked for the 4th (sequence 3): the 2nd and 3rd do not signal it
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> parked(b.ring) && b.ring.consumerWakeAt == 3);
            p.tryPublish(E);
            p.tryPublish(E);
            assertThat(b.ring.consumerWakeAt).isEqualTo(3);
            assertThat(got).isNotDone();
            p.tryPublish(E);
            Batch batch = got.get(20, TimeUnit.SECONDS);
            assertThat(batch.events()).hasSize(4);
            assertThat(b.ring.consumerWakeAt)
                    .as("no waiter left: producers stop signalling")
                    .isEqualTo(Ring.NO_WAITER);
            batch.ack();
        }
    }

    @Test
    void aTimedOutWait_withdrawsItsRequest() throws Exception {
        try (MemoryBroker b =
                MemoryBroker.create(
                        MemoryBrokerSettings.defaults()
                                .withCapacityEvents(64)
                                .withFlush(8, Duration.ofMillis(20)))) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            Consumer c = b.consumer();
            p.tryPublish(E);
            p.tryPublish(E);
            Batch batch = c.get(100); // waits out the 20 ms flush timeout
            assertThat(batch.events()).hasSize(2);
            assertThat(b.ring.consumerWakeAt).isEqualTo(Ring.NO_WAITER);
            batch.ack();
        }
    }

    private static boolean parked(Ring ring) {
        ring.consumerLock.lock();
        try {
            return ring.waitingConsumers == 1;
        } finally {
            ring.consumerLock.unlock();
        }
    }

    private static Batch get(Consumer c, int n) {
        try {
            return c.get(n);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
