/**
 * The end-to-end Kafka benchmark: {@link io.ferry.bench.kafka.KafkaBenchReport} produces the same
 * records to a real Kafka broker with {@code KafkaProducer} (the anchor) and through Ferry
 * (MemoryBroker, ProduceEngine, KafkaOutput) and prints throughput, publish-to-ack latency and
 * their ratios. Run it as its javadoc says; the figures are in {@code docs/benchmarks-kafka.md}.
 */
package io.ferry.bench.kafka;
