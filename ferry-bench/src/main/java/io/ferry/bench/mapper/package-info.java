/**
 * JMH benchmarks of the mapper: reassignment throughput with 10,000 workers over 100 nodes ({@link
 * io.ferry.bench.mapper.MapperReassignBenchmark}) and the latency of one reassign through the
 * command queue ({@link io.ferry.bench.mapper.MapperReassignLatencyBenchmark}). Each class's
 * javadoc says how to run it; the figures are in {@code docs/benchmarks.md}.
 */
package io.ferry.bench.mapper;
