package io.ferry.bench.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmarks' machinery outside JMH: every implementation, in both topologies, moves every
 * event end to end (and the MemoryBroker acks every one), and closing stops every thread. Fast, and
 * without sleeps: {@link HandoffRig#runBurst(int)} returns only once the events arrived.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HandoffRigTest {
    private static final int EVENTS_PER_PRODUCER = 30_000;
    private static final int BURSTS = 3;

    @ParameterizedTest(name = "{0}, {1} producer(s)")
    @CsvSource({
        "memory, 1", "abq, 1", "disruptor, 1", "disruptor-lite, 1", "disruptor-yielding, 1",
        "memory, 3", "abq, 3", "disruptor, 3", "disruptor-lite, 3", "disruptor-yielding, 3",
    })
    void runBurst_movesEveryEventEndToEnd(String impl, int producers) {
        HandoffRig rig = HandoffRig.start(impl, producers);
        try {
            long expected = 0;
            for (int b = 0; b < BURSTS; b++) {
                expected += (long) EVENTS_PER_PRODUCER * producers;
                assertThat(rig.runBurst(EVENTS_PER_PRODUCER)).isEqualTo(expected);
                assertThat(rig.completed()).isEqualTo(expected);
            }
            assertThat(rig.consumed()).isEqualTo(expected);
            assertThat(rig.published()).isEqualTo(expected);
            assertThat(rig.batches()).isBetween(expected / HandoffRig.MAX_BATCH, expected);
            assertThat(rig.checksum()).isEqualTo(expected * rig.eventSizeBytes());
            rig.verify();
            if (rig instanceof MemoryBrokerRig memory) {
                // completed() counts what the ack listeners heard; the broker's own counter,
                // updated
                // before the listeners are called, must agree. (bufferedEvents may still lag: the
                // ack
                // thread releases the space only after calling the listeners.)
                assertThat(memory.broker().stats().ackedEvents()).isEqualTo(expected);
            }
        } finally {
            rig.close();
        }
        assertThat(rig.threadsEnded()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "abq", "disruptor", "disruptor-lite", "disruptor-yielding"})
    void close_withoutBursts_endsEveryThread(String impl) {
        HandoffRig rig = HandoffRig.start(impl, 3);
        rig.close();
        rig.close();
        assertThat(rig.threadsEnded()).isTrue();
        assertThatThrownBy(() -> rig.runBurst(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void start_unknownImplementation_namesTheAcceptedOnes() {
        assertThatThrownBy(() -> HandoffRig.start("chronicle", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory, abq, disruptor, disruptor-lite, disruptor-yielding");
    }

    @Test
    void benchmarkLifecycle_oneToOneMemory_verifiesAndCloses() {
        OneToOneBrokerBenchmark bench = new OneToOneBrokerBenchmark();
        bench.impl = HandoffRig.MEMORY;
        bench.setUp();
        assertThat(bench.handoff()).isEqualTo(OneToOneBrokerBenchmark.BURST_EVENTS);
        bench.tearDown();
    }

    @Test
    void benchmarkLifecycle_threeToOneMemory_verifiesAndCloses() {
        ThreeToOneBrokerBenchmark bench = new ThreeToOneBrokerBenchmark();
        bench.impl = HandoffRig.MEMORY;
        bench.setUp();
        assertThat(bench.handoff()).isEqualTo(ThreeToOneBrokerBenchmark.BURST_EVENTS);
        bench.tearDown();
    }
}
