/**
 * Benchmarks of the durable {@link io.ferry.broker.disk.DiskBroker}: {@link
 * io.ferry.bench.disk.DiskBrokerBenchmark} (events/s and MB/s with producer acks and group commit,
 * beside a plain {@code FileChannel} write+force of the same bytes and the MemoryBroker) and {@link
 * io.ferry.bench.disk.DiskRecoveryBench} (recovery time of 1 GiB of segments). The figures are in
 * {@code docs/benchmarks-disk.md}.
 */
package io.ferry.bench.disk;
