package io.ferry.brokertest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerStats;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;

/**
 * The hooks and helpers of the conformance suite; each test runs on the JUnit thread and starts its
 * own threads. A broker implementation subclasses {@link BrokerConformanceSuite}, not this.
 *
 * <p>Every test has a hard timeout, so a hang fails instead of stalling the build. After each test
 * every broker it created is closed and its counters are checked against each other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class BrokerTestBase {
    private final List<Broker> brokers = new ArrayList<>();

    /**
     * A new, empty broker as {@code spec} asks. Throw {@link UnsupportedOperationException} for a
     * spec the implementation cannot meet (for example a byte bound): the test is then skipped.
     */
    protected abstract Broker createBroker(BrokerSpec spec);

    /**
     * For brokers with {@link BrokerCapability#KEEPS_EVENTS_ACROSS_RESTART}: a new broker on the
     * storage of {@code closed}, which the suite has closed. Others need not override.
     */
    protected Broker restart(Broker closed, BrokerSpec spec) {
        throw new UnsupportedOperationException("restart is not supported");
    }

    // ---- helpers for tests ---------------------------------------------------------------------

    /** A broker of {@code capacity} events reporting to {@code eventer}, closed after the test. */
    protected final Broker broker(Eventer eventer, int capacity) {
        return broker(BrokerSpec.of(eventer, capacity));
    }

    /** A broker as {@code spec} asks, closed after the test; skips the test when unsupported. */
    protected final Broker broker(BrokerSpec spec) {
        Broker b;
        try {
            b = createBroker(spec);
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("broker does not support " + spec + ": " + e.getMessage());
            throw e;
        }
        brokers.add(b);
        return b;
    }

    /** Restarts {@code b} (closing it first); skips the test when the broker keeps nothing. */
    protected final Broker restarted(Broker b, BrokerSpec spec) {
        Assumptions.assumeTrue(
                b.capabilities().contains(BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART),
                "broker does not keep events across restart");
        b.close();
        Broker again = restart(b, spec);
        brokers.add(again);
        return again;
    }

    /**
     * True when producers are acknowledged on durable store rather than on consumer ack (rule 3.4).
     */
    protected static boolean acksOnStore(Broker b) {
        return b.capabilities().contains(BrokerCapability.ACKS_ON_DURABLE_STORE);
    }

    /** Publishes events {@code from..to-1} of producer {@code id}, asserting each is accepted. */
    protected static void publish(Producer p, int id, int from, int to)
            throws InterruptedException {
        for (int i = from; i < to; i++) {
            assertThat(p.publish(TestEvents.event(id, i)))
                    .as("publish of event %d of producer %d", i, id)
                    .isTrue();
        }
    }

    /**
     * Takes batches of at most {@code max} events until {@code n} events were taken, acking each.
     */
    protected static List<Event> drain(Consumer c, int n, int max) throws InterruptedException {
        List<Event> out = new ArrayList<>(n);
        while (out.size() < n) {
            Batch b = c.get(max);
            assertThat(b.size()).isPositive();
            if (max > 0) {
                assertThat(b.size()).as("batch size for get(%d)", max).isLessThanOrEqualTo(max);
            }
            out.addAll(b.events());
            b.ack();
        }
        assertThat(out).as("events taken").hasSize(n);
        return out;
    }

    /** Asserts that the events of each producer appear in increasing sequence order. */
    protected static void assertOrderPerProducer(List<Event> events) {
        java.util.Map<Integer, Integer> last = new java.util.HashMap<>();
        for (Event e : events) {
            int id = TestEvents.producerOf(e);
            int seq = TestEvents.seqOf(e);
            Integer prev = last.put(id, seq);
            if (prev != null) {
                assertThat(seq).as("rule 1.3: order of producer %d", id).isGreaterThan(prev);
            }
        }
    }

    @AfterEach
    final void closeBrokersAndCheckCounters() {
        for (Broker b : brokers) {
            b.close();
            BrokerStats s = b.stats();
            if (!b.capabilities().contains(BrokerCapability.KEEPS_EVENTS_ACROSS_RESTART)) {
                assertThat(s.ackedEvents() + s.droppedEvents())
                        .as("after close, published = acked + dropped: %s", s)
                        .isEqualTo(s.publishedEvents());
                assertThat(s.bufferedEvents())
                        .as("after close nothing is buffered: %s", s)
                        .isZero();
            }
        }
        brokers.clear();
    }
}
