package io.ferry.kafka;

/**
 * The engine's idempotent producer id and epoch, with a generation that changes whenever they do;
 * immutable, published through a volatile field of {@link ProducerIdManager}.
 *
 * @param producerId the id, or -1 when there is none (without idempotence, or not yet)
 * @param epoch the epoch, or -1
 * @param generation increases with every new id or epoch; workers restart their sequences at 0 when
 *     it changes
 */
record ProducerIdentity(long producerId, short epoch, int generation) {
    /** Without idempotence, or before the first producer id. */
    static final ProducerIdentity NONE = new ProducerIdentity(-1L, (short) -1, 0);

    /** True when this is a producer id Kafka gave. */
    boolean idempotent() {
        return producerId >= 0;
    }
}
