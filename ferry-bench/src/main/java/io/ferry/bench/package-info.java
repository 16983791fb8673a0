/**
 * Benchmarks of Ferry against its anchors: {@link io.ferry.bench.BrokerBenchReport} runs the broker
 * benchmarks of {@code io.ferry.bench.broker} and prints their ratios; the mapper's benchmarks are
 * in {@code io.ferry.bench.mapper}.
 */
package io.ferry.bench;
