package io.ferry.kafka;

/**
 * The engine's idempotent producer id and epoch, with a generation that changes whenever they do;
 * immutable, published through a volatile field of {@link KafkaEngine}.
 *
 * @param producerId the id, or -1 without idempotence
 * @param epoch the epoch, or -1
 * @param generation increases with every new id or epoch; workers restart their sequences at 0 when
 *     it changes
 */
record ProducerIdentity(long producerId, short epoch, int generation) {
    /** Without idempotence. */
    static final ProducerIdentity NONE = new ProducerIdentity(-1L, (short) -1, 0);

    boolean idempotent() {
        return producerId >= 0;
    }
}
