package io.ferry.broker.memory;

import io.ferry.broker.Broker;
import io.ferry.brokertest.BrokerConformanceSuite;
import io.ferry.brokertest.BrokerSpec;

/** Runs the conformance suite against {@link MemoryBroker}. */
class MemoryBrokerConformanceTest extends BrokerConformanceSuite {
    @Override
    protected Broker createBroker(BrokerSpec spec) {
        return MemoryBroker.create(
                spec.eventer(),
                MemoryBrokerSettings.defaults()
                        .withCapacityEvents(spec.capacityEvents())
                        .withCapacityBytes(spec.capacityBytes())
                        .withFlush(spec.flushMinEvents(), spec.flushTimeout()));
    }
}
