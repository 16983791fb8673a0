package io.ferry.kafka;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Brokers;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.time.Duration;

/**
 * The library entry point: a broker drained into Kafka by the engine. Build one with {@link
 * #start}, take producers from it, close it; every method is safe from any thread. Starting does
 * not wait for Kafka: events wait in the broker until it answers, and {@link #status()} says how
 * the connection goes.
 *
 * <pre>{@code
 * try (FerryPipeline ferry = FerryPipeline.start(BrokerConfig.of("memory"),
 *         KafkaSettings.defaults("localhost:9092"), DeliveryFailureListener.NONE)) {
 *     Producer p = ferry.producer(ProducerConfig.withAcks(n -> ...)); // acks: safe in Kafka
 *     p.publish(Event.of("orders", key, value));
 * }
 * }</pre>
 */
public final class FerryPipeline implements AutoCloseable {
    private final Broker broker;
    private final KafkaCluster cluster;
    private final ProduceEngine engine;
    private final KafkaOutput output;
    private final java.util.concurrent.atomic.AtomicReference<Boolean> closed =
            new java.util.concurrent.atomic.AtomicReference<>();

    private FerryPipeline(
            Broker broker, KafkaCluster cluster, ProduceEngine engine, KafkaOutput output) {
        this.broker = broker;
        this.cluster = cluster;
        this.engine = engine;
        this.output = output;
    }

    /**
     * Starts a pipeline: the broker of {@code brokerConfig} (through the registry), the engine, and
     * one output thread taking batches of up to 2048 events.
     *
     * @throws io.ferry.broker.BrokerConfigException for a bad broker type or setting
     * @throws IllegalArgumentException for a bad Kafka setting
     */
    public static FerryPipeline start(
            BrokerConfig brokerConfig, KafkaSettings kafka, DeliveryFailureListener failures) {
        return start(brokerConfig, KafkaCluster.builder(kafka), failures);
    }

    /**
     * As {@link #start(BrokerConfig, KafkaSettings, DeliveryFailureListener)}, on a named cluster.
     */
    public static FerryPipeline start(
            BrokerConfig brokerConfig,
            KafkaCluster.Builder kafka,
            DeliveryFailureListener failures) {
        return start(brokerConfig, kafka, failures, DeadLetterSink.NONE);
    }

    /**
     * As {@link #start(BrokerConfig, KafkaCluster.Builder, DeliveryFailureListener)}, with a dead
     * letter: an event that fails for good leaves the broker only once {@code deadLetter} stored
     * it.
     */
    public static FerryPipeline start(
            BrokerConfig brokerConfig,
            KafkaCluster.Builder kafka,
            DeliveryFailureListener failures,
            DeadLetterSink deadLetter) {
        return start(brokerConfig, kafka, failures, deadLetter, null);
    }

    /**
     * As {@link #start(BrokerConfig, KafkaCluster.Builder, DeliveryFailureListener,
     * DeadLetterSink)}; a partition that cannot be written now has its events parked aside in
     * brokers like the main one ({@link ParkingSpace#like}), and {@code parkedDropped} hears of
     * memory-parked events still undelivered at close.
     */
    public static FerryPipeline start(
            BrokerConfig brokerConfig,
            KafkaCluster.Builder kafka,
            DeliveryFailureListener failures,
            DeadLetterSink deadLetter,
            ProducerConfig.DropListener parkedDropped) {
        Broker broker = Brokers.load(Eventer.NONE, brokerConfig);
        KafkaCluster cluster = null;
        ProduceEngine engine = null;
        try {
            cluster = kafka.start();
            engine = ProduceEngine.start(cluster, failures, deadLetter);
            KafkaOutput output =
                    KafkaOutput.start(
                            broker,
                            engine,
                            2048,
                            64,
                            ParkingSpace.like(brokerConfig, parkedDropped));
            return new FerryPipeline(broker, cluster, engine, output);
        } catch (RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            if (cluster != null) {
                cluster.close();
            }
            broker.close();
            throw e;
        }
    }

    /**
     * A producer; its acks mean "acknowledged by Kafka", or "stored durably" for a broker with
     * {@link io.ferry.broker.BrokerCapability#ACKS_ON_DURABLE_STORE} (the disk broker).
     */
    public Producer producer(ProducerConfig config) {
        return broker.producer(config);
    }

    /** The broker, for stats. */
    public Broker broker() {
        return broker;
    }

    /** The produce engine, for stats. */
    public ProduceEngine engine() {
        return engine;
    }

    /** The cluster: its status, topics and metadata. */
    public KafkaCluster cluster() {
        return cluster;
    }

    /** What the engine can do now (shorthand for {@code cluster().status()}). */
    public ClusterStatus status() {
        return cluster.status();
    }

    /** The output, for stats. */
    public KafkaOutput output() {
        return output;
    }

    /**
     * Stops taking events from the broker, delivers what was taken within {@code timeout}, closes
     * the broker (a durable broker keeps what is left) and the engine.
     *
     * @return true when everything taken was settled in time
     */
    public boolean close(Duration timeout) {
        synchronized (closed) {
            Boolean done = closed.get();
            if (done != null) {
                return done; // closing twice is harmless
            }
            boolean settled = closeOnce(timeout);
            closed.set(settled);
            return settled;
        }
    }

    private boolean closeOnce(Duration timeout) {
        boolean settled;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            // Drain what the broker holds first (the caller has stopped publishing), then stop.
            engine.flush();
            while (broker.stats().bufferedEvents() > 0 && System.nanoTime() - deadline < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
            settled = output.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } finally {
            try {
                broker.close();
            } finally {
                try {
                    engine.close();
                } finally {
                    cluster.close();
                }
            }
        }
        return settled;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(cluster.settings().deliveryTimeoutMs()));
    }
}
