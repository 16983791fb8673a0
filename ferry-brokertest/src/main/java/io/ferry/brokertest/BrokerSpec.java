package io.ferry.brokertest;

import io.ferry.broker.Eventer;
import java.time.Duration;

/**
 * What a test of the suite needs from the broker under test; immutable.
 *
 * @param eventer the eventer the broker reports ack totals to
 * @param capacityEvents the capacity in events the test relies on
 * @param capacityBytes the capacity in bytes, or 0 for no byte bound
 * @param flushMinEvents the minimum events per {@code get}, 1 for none
 * @param flushTimeout how long a {@code get} waits for the minimum, zero for no wait
 */
public record BrokerSpec(
        Eventer eventer,
        int capacityEvents,
        long capacityBytes,
        int flushMinEvents,
        Duration flushTimeout) {

    /** A broker of {@code capacityEvents} events, no byte bound, no flush wait. */
    public static BrokerSpec of(Eventer eventer, int capacityEvents) {
        return new BrokerSpec(eventer, capacityEvents, 0, 1, Duration.ZERO);
    }

    /** This spec with a byte bound. */
    public BrokerSpec withCapacityBytes(long bytes) {
        return new BrokerSpec(eventer, capacityEvents, bytes, flushMinEvents, flushTimeout);
    }

    /** This spec with flush settings. */
    public BrokerSpec withFlush(int minEvents, Duration timeout) {
        return new BrokerSpec(eventer, capacityEvents, capacityBytes, minEvents, timeout);
    }

    /** True when the test needs a byte bound. */
    public boolean hasByteLimit() {
        return capacityBytes > 0;
    }

    /** True when the test needs flush settings. */
    public boolean hasFlush() {
        return flushMinEvents > 1 || !flushTimeout.isZero();
    }
}
