package io.ferry.brokertest;

/**
 * The conformance suite every broker implementation passes: subclass it in the implementation's
 * tests and implement {@link #createBroker(BrokerSpec)} (and {@link #restart} for durable brokers).
 * The JUnit thread runs each test; tests start their own threads.
 *
 * <pre>{@code
 * class MemoryBrokerConformanceTest extends BrokerConformanceSuite {
 *     protected Broker createBroker(BrokerSpec spec) {
 *         return MemoryBroker.create(spec.eventer(), MemoryBrokerSettings.defaults()
 *                 .withCapacityEvents(spec.capacityEvents()) ...);
 *     }
 * }
 * }</pre>
 *
 * <p>The tests are spread over a chain of abstract classes, one per group of rules: {@link
 * ProducerRules} (1.1-1.5), {@link CancelRules} (1.6, 1.7), {@link ConsumerRules} (2.x), {@link
 * BrokerRules} (3.x), {@link SequenceRules} (the event sequences: 1.8, 2.6, 3.6 and the sequence
 * part of 1.7), {@link LibbeatCases} (the floor set by libbeat's own suite) and {@link StressCase}.
 * Each test's display name starts with the rule it checks.
 */
public abstract class BrokerConformanceSuite extends StressCase {}
