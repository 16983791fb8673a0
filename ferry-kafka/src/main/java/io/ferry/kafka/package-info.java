/**
 * The Kafka engine: drains a broker into Kafka through per-partition workers mapped to one produce
 * executor per node, with Ferry's own metadata cache and idempotent delivery. {@link
 * io.ferry.kafka.FerryPipeline} is the library entry point.
 */
package io.ferry.kafka;
