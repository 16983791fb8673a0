/**
 * The gateway's load harness: {@link io.ferry.bench.gateway.GatewayLoadReport} drives the HTTP API
 * of a gateway over a real in-process Kafka and compares it with a raw KafkaProducer on the same
 * Kafka in the same run.
 */
package io.ferry.bench.gateway;
