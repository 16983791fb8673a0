/**
 * JMH benchmarks of the broker hand-off against its anchors, named by topology: {@link
 * io.ferry.bench.broker.OneToOneBrokerBenchmark} (one producer, one consumer) and {@link
 * io.ferry.bench.broker.ThreeToOneBrokerBenchmark} (three producers, one consumer), each
 * parameterised by implementation: the MemoryBroker with acks, {@code ArrayBlockingQueue} (JDK
 * baseline) and the LMAX Disruptor. {@code io.ferry.bench.BrokerBenchReport} runs them and prints
 * the ratios; the figures are in {@code docs/benchmarks-broker.md}.
 */
package io.ferry.bench.broker;
