/**
 * Microbenchmarks of the consume engine's state machines: {@link
 * io.ferry.bench.consume.PartitionAcksBenchmark}, one partition's offers and acknowledgements.
 */
package io.ferry.bench.consume;
