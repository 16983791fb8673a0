/**
 * The mapper: keeps every worker (a per-partition request source) assigned to the one executor of
 * the node that should serve it, spawning executors on demand and stopping them once no worker uses
 * them. JDK only and generic over the node type, so it knows nothing of Kafka.
 *
 * <p>The public surface is {@link io.ferry.mapper.Mapper} (built with {@link
 * io.ferry.mapper.Mapper#builder(Resolver)}), the three callback interfaces {@link
 * io.ferry.mapper.Worker}, {@link io.ferry.mapper.Executor} and {@link io.ferry.mapper.Resolver},
 * and {@link io.ferry.mapper.MapperStoppedException}. The design (thread model, state, reassign
 * algorithm, guarantees) is in {@code docs/mapper.md}.
 */
package io.ferry.mapper;
