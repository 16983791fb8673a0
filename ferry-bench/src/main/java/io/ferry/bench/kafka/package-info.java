/**
 * The end-to-end Kafka benchmarks: {@link io.ferry.bench.kafka.KafkaBenchReport} produces the same
 * records to a real Kafka broker with {@code KafkaProducer} (the anchor) and through Ferry
 * (MemoryBroker, ProduceEngine, KafkaOutput) and prints throughput, publish-to-ack latency and
 * their ratios; {@link io.ferry.bench.kafka.ConsumeBenchReport} reads one topic with {@code
 * KafkaConsumer} (the anchor) and with Ferry's consume engine (per-message and range
 * acknowledgements) and prints records/s, fetch requests, produce-to-delivery latency and their
 * ratios. Run them as their javadoc says; the figures are in {@code docs/benchmarks-kafka.md}.
 */
package io.ferry.bench.kafka;
