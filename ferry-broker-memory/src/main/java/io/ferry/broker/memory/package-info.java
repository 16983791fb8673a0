/**
 * {@link io.ferry.broker.memory.MemoryBroker}, the in-memory broker (type {@code memory}): a ring
 * bounded by events and optionally by bytes, with zero-copy batches and one ack thread.
 */
package io.ferry.broker.memory;
