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
 * #start}, take producers from it, close it; every method is safe from any thread.
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
    private final KafkaEngine engine;
    private final KafkaOutput output;

    private FerryPipeline(Broker broker, KafkaEngine engine, KafkaOutput output) {
        this.broker = broker;
        this.engine = engine;
        this.output = output;
    }

    /**
     * Starts a pipeline: the broker of {@code brokerConfig} (through the registry), the engine, and
     * one output thread taking batches of up to 2048 events.
     *
     * @throws io.ferry.broker.BrokerConfigException for a bad broker type or setting
     * @throws IllegalArgumentException for a bad Kafka setting
     * @throws IllegalStateException when Kafka cannot be reached in time
     */
    public static FerryPipeline start(
            BrokerConfig brokerConfig, KafkaSettings kafka, DeliveryFailureListener failures) {
        KafkaEngine engine = KafkaEngine.start(kafka, failures);
        Broker broker;
        try {
            broker = Brokers.load(Eventer.NONE, brokerConfig);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        KafkaOutput output = KafkaOutput.start(broker, engine, 2048, 64);
        return new FerryPipeline(broker, engine, output);
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

    /** The engine, for stats. */
    public KafkaEngine engine() {
        return engine;
    }

    /**
     * Stops taking events from the broker, delivers what was taken within {@code timeout}, closes
     * the broker (a durable broker keeps what is left) and the engine.
     *
     * @return true when everything taken was settled in time
     */
    public boolean close(Duration timeout) {
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
                engine.close();
            }
        }
        return settled;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(engine.settings.deliveryTimeoutMs()));
    }
}
