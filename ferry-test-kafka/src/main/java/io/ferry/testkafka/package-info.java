/**
 * Test support: the one in-process Kafka cluster of Ferry's tests, benchmarks and {@code ferry
 * dev}, in production parity.
 *
 * <p>{@link io.ferry.testkafka.InProcessKafka} (built by {@link
 * io.ferry.testkafka.InProcessKafkaBuilder}) runs a KRaft cluster of the Kafka test kit with the
 * settings of {@link io.ferry.testkafka.ProductionParity}; {@link io.ferry.testkafka.KafkaTest} and
 * {@link io.ferry.testkafka.InProcessKafkaExtension} give each integration-test class one. JUnit is
 * an optional dependency: only the extension needs it.
 */
package io.ferry.testkafka;
