/**
 * Test support: the one in-process Kafka cluster of Ferry's tests, benchmarks and {@code ferry
 * dev}, in production parity.
 *
 * <p>{@link io.ferry.testkafka.InProcessKafka} (built by {@link
 * io.ferry.testkafka.InProcessKafkaBuilder}) runs a KRaft cluster of the Kafka test kit with the
 * settings of {@link io.ferry.testkafka.ProductionParity}, optionally with SASL_PLAINTEXT and SSL
 * listeners ({@link io.ferry.testkafka.TlsMaterial}); {@link io.ferry.testkafka.KafkaTest} and
 * {@link io.ferry.testkafka.InProcessKafkaExtension} give each integration-test class one; {@link
 * io.ferry.testkafka.TestPki} issues PEM server and client certificates for the gateway's TLS
 * tests. JUnit and BouncyCastle are optional dependencies: only the extension and the certificate
 * helpers need them.
 */
package io.ferry.testkafka;
