package io.ferry.kafka;

import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.ProducerIdAndEpoch;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireRequest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The produce engine's idempotent producer identity: asks Kafka for a producer id and epoch through
 * the cluster's control loop, once per generation, and keeps asking until Kafka gives one; {@link
 * #identity()} from any thread, the rest from the engine's threads.
 */
final class ProducerIdManager {
    /* Design notes
     * One request at a time (`requesting`). A reset names the generation its caller saw, so the
     * many workers that notice one lost producer state ask once. Retriable answers and transport
     * failures are asked again on the next control tick (about a second). A non-retriable answer
     * (an authorization failure, say) raises a cluster condition that fails the answers waiting
     * for Kafka (ClusterStatus.refusal) and is asked again every REFUSED_RETRY_MS, because an
     * operator can fix the cause; the events stay queued meanwhile. Either way one log line per
     * condition (ClusterHealth), not one per attempt.
     */
    static final String SOURCE = "producer-id";
    static final long REFUSED_RETRY_MS = 5_000;

    private final KafkaCluster cluster;
    private final boolean idempotence;
    private final Runnable obtained;
    private final AtomicBoolean requesting = new AtomicBoolean();
    private volatile ProducerIdentity identity = ProducerIdentity.NONE;

    /** When to ask again after a failure (0: not waiting); read by the control tick. */
    private volatile long retryAtMs;

    /**
     * @param obtained run (on the control thread) when a new identity is in place, to wake the
     *     executors
     */
    ProducerIdManager(KafkaCluster cluster, Runnable obtained) {
        this.cluster = cluster;
        this.idempotence = cluster.settings().idempotence();
        this.obtained = obtained;
        cluster.control().onTick(this::onTick);
    }

    /**
     * The current identity ({@link ProducerIdentity#NONE} until the first id, and without
     * idempotence).
     */
    ProducerIdentity identity() {
        return identity;
    }

    /** Asks for the first producer id, when idempotent. */
    void start() {
        if (idempotence) {
            ask();
        }
    }

    /**
     * Asks for a new producer id and epoch once for generation {@code observed} (the broker lost
     * this producer's state, or a batch Kafka may have written failed for good).
     */
    void reset(int observed, String why) {
        if (!idempotence || identity.generation() != observed || requesting.get()) {
            return;
        }
        org.slf4j.LoggerFactory.getLogger(ProducerIdManager.class)
                .warn(
                        "cluster {}: idempotent producer state lost ({}); getting a new producer id,"
                                + " sequences restart",
                        cluster.name(),
                        why);
        ask();
    }

    private void onTick() {
        long at = retryAtMs;
        if (at != 0 && cluster.clockMs() >= at) {
            ask();
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback handles every outcome
    private void ask() {
        if (!requesting.compareAndSet(false, true)) {
            return;
        }
        retryAtMs = 0;
        cluster.control()
                .send(new WireRequest.InitProducerId())
                .whenComplete((o, err) -> answered(o, err));
    }

    private void answered(Outcome<ProducerIdAndEpoch> o, Throwable err) {
        long now = cluster.clockMs();
        try {
            if (err != null || !o.succeeded()) {
                // the control loop raises the cluster's condition (unreachable, authentication)
                retryAtMs = now + 1;
                return;
            }
            ProducerIdAndEpoch id = o.response();
            WireError e = id.error();
            if (e.isNone()) {
                identity =
                        new ProducerIdentity(
                                id.producerId(), id.epoch(), identity.generation() + 1);
                cluster.health().clear(SOURCE);
                obtained.run();
                return;
            }
            if (e.retriable()) {
                retryAtMs = now + 1;
                return;
            }
            DeliveryFailure f = DeliveryFailure.of(e, "InitProducerId (idempotent producer id)");
            cluster.health().raise(ClusterCondition.kindOf(f.code()), SOURCE, f.message());
            retryAtMs = now + REFUSED_RETRY_MS;
        } finally {
            requesting.set(false);
        }
    }
}
