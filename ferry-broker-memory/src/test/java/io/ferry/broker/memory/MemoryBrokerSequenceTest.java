package io.ferry.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the memory broker adds to the sequence rules (1.8, 2.6): it counts from 0 per instance, and
 * the sequence primitives allocate nothing per event. Run by the JUnit thread.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemoryBrokerSequenceTest {

    private static MemoryBroker broker(int capacity) {
        return MemoryBroker.create(MemoryBrokerSettings.defaults().withCapacityEvents(capacity));
    }

    @Test
    void sequences_startAtZero_perBrokerInstance_andCountUpAcrossProducers() throws Exception {
        for (int instance = 0; instance < 2; instance++) {
            try (MemoryBroker b = broker(16)) {
                Producer p = b.producer(ProducerConfig.DEFAULT);
                Producer q = b.producer(ProducerConfig.DEFAULT);
                assertThat(p.publishSeq(Event.of("t", new byte[1]))).isZero();
                assertThat(q.tryPublishSeq(Event.of("t", new byte[1]))).isEqualTo(1);
                assertThat(p.tryPublishSeq(Event.of("t", new byte[1]))).isEqualTo(2);
            }
        }
    }

    @Test
    void tryPublishSeq_andBatchSequence_allocateNothingPerEvent() throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(
                mx instanceof com.sun.management.ThreadMXBean,
                "needs per-thread allocation counts");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemoryEnabled(), "allocation counting off");
        int n = 20_000;
        Event[] events = new Event[n];
        for (int i = 0; i < n; i++) {
            events[i] = Event.of("t", new byte[1]);
        }
        try (MemoryBroker b = broker(n)) {
            Producer p = b.producer(ProducerConfig.DEFAULT);
            Consumer c = b.consumer();
            long id = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(id);
            long sum = 0;
            for (int i = 0; i < n; i++) {
                sum += p.tryPublishSeq(events[i]);
            }
            long publishBytes = threads.getThreadAllocatedBytes(id) - before;
            Batch batch = c.get(0);
            assertThat(batch.size()).isEqualTo(n);
            before = threads.getThreadAllocatedBytes(id);
            long read = 0;
            for (int i = 0; i < n; i++) {
                read += batch.sequence(i);
            }
            long sequenceBytes = threads.getThreadAllocatedBytes(id) - before;
            batch.ack();
            assertThat(read).isEqualTo(sum).isEqualTo((long) n * (n - 1) / 2);
            // A boxed Long per event would be 16 bytes each (320 KB); allow a little slack for
            // the JIT and the class loading of the first calls.
            assertThat(publishBytes).as("bytes allocated by %d tryPublishSeq", n).isLessThan(n);
            assertThat(sequenceBytes).as("bytes allocated by %d sequence()", n).isLessThan(n);
        }
    }
}
