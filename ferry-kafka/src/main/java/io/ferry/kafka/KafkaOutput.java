package io.ferry.kafka;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains any {@link Broker} into Kafka: an output thread loops {@code consumer.get(n)}, routes each
 * event to its partition worker ({@link Router}), and acks the broker batch once every event in it
 * is acknowledged by Kafka or has failed for good. Create with {@link #start}; {@link
 * #close(Duration)} from any thread.
 */
public final class KafkaOutput implements AutoCloseable {
    /* Design notes
     * One output thread, on purpose (see Router). Routing is cheap (hash, lookup, append);
     * encoding and sending happen on the executors' threads, so one router is not the bottleneck.
     * Backpressure: the output thread holds at most `maxOutstandingBatches` broker batches not yet
     * settled (a semaphore), so a slow Kafka stops the output taking batches, the broker fills and
     * its producers block: memory stays bounded by the broker's capacity.
     * Events the router holds (no metadata yet) are released by the metadata listener or the
     * control loop's sweep, not by this thread, which may be waiting in get().
     * Close: stop taking batches (close the consumers), flush (ignore linger), wait for every taken
     * batch to settle or the timeout, then stop the thread. The engine is closed by its owner.
     */
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOutput.class);

    private final ProduceEngine engine;
    private final Router router;
    private final Consumer consumer;
    private final Thread thread;
    private final Semaphore outstanding;
    private final int maxOutstanding;
    private final MetadataCache.Listener onMetadata;
    private final Runnable sweep;
    private final ParkingLot lot;
    private volatile boolean closing;

    private KafkaOutput(
            Broker broker,
            ProduceEngine engine,
            int maxBatchEvents,
            int maxOutstandingBatches,
            ParkingSpace parking) {
        this.engine = engine;
        this.router = new Router(engine);
        this.maxOutstanding = maxOutstandingBatches;
        this.outstanding = new Semaphore(maxOutstanding);
        this.lot = parking == null ? null : new ParkingLot(engine, router, parking);
        if (lot != null) {
            lot.recover();
        }
        this.onMetadata = (before, after) -> report(router.onMetadata(after));
        this.sweep =
                () -> {
                    long now = engine.clockMs();
                    report(router.sweep(now));
                    if (lot != null) {
                        lot.tick(now);
                    }
                };
        engine.metadata.addListener(onMetadata);
        engine.cluster.control().onTick(sweep);
        this.consumer = broker.consumer();
        this.thread = new Thread(() -> loop(maxBatchEvents), "ferry-kafka-output");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Starts draining {@code broker} into Kafka.
     *
     * @param maxBatchEvents the most events per {@code get}
     * @param maxOutstandingBatches the most broker batches on their way to Kafka
     */
    public static KafkaOutput start(
            Broker broker, ProduceEngine engine, int maxBatchEvents, int maxOutstandingBatches) {
        return start(broker, engine, maxBatchEvents, maxOutstandingBatches, null);
    }

    /**
     * Starts draining {@code broker} into Kafka, parking aside in {@code parking} the events of a
     * partition that cannot be written now ({@link ParkingLot}), so the rest keeps flowing.
     *
     * @param maxBatchEvents the most events per {@code get}
     * @param maxOutstandingBatches the most broker batches on their way to Kafka
     * @param parking where blocked partitions' events wait, or null: they wait in place
     */
    public static KafkaOutput start(
            Broker broker,
            ProduceEngine engine,
            int maxBatchEvents,
            int maxOutstandingBatches,
            ParkingSpace parking) {
        if (maxBatchEvents < 1) {
            throw new IllegalArgumentException(
                    "maxBatchEvents must be at least 1, was " + maxBatchEvents);
        }
        if (maxOutstandingBatches < 1) {
            throw new IllegalArgumentException(
                    "maxOutstandingBatches must be at least 1, was " + maxOutstandingBatches);
        }
        return new KafkaOutput(broker, engine, maxBatchEvents, maxOutstandingBatches, parking);
    }

    private void loop(int maxBatchEvents) {
        try {
            while (!closing) {
                outstanding.acquire();
                Batch batch;
                try {
                    batch = consumer.get(maxBatchEvents);
                } catch (BrokerClosedException e) {
                    outstanding.release();
                    return;
                }
                DeliveryTracker tracker = new DeliveryTracker(batch, outstanding::release);
                List<Router.Failed> failed;
                try {
                    failed = router.route(batch.events(), batch, tracker, engine.clockMs());
                } catch (RuntimeException ex) {
                    // the router handles each event's failure itself; this is a bug outside that
                    LOG.error("routing a broker batch failed; the output goes on", ex);
                    continue;
                }
                report(failed);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(List<Router.Failed> failed) {
        for (Router.Failed f : failed) {
            engine.fail(f.pending(), f.failure());
        }
    }

    /** True while some partition has events parked aside; cheap. */
    public boolean anyParked() {
        return lot != null && lot.any();
    }

    /** Events parked aside now, in the lanes of partitions that cannot be written. */
    public long parkedEvents() {
        return lot == null ? 0 : lot.parkedEvents();
    }

    /** Bytes parked aside now ({@link io.ferry.broker.Event#sizeBytes()}). */
    public long parkedBytes() {
        return lot == null ? 0 : lot.parkedBytes();
    }

    /** Parked events per partition now. */
    public java.util.Map<org.apache.kafka.common.TopicPartition, Long> parkedByPartition() {
        return lot == null ? java.util.Map.of() : lot.parkedByPartition();
    }

    /** Events held by the router until their topic's metadata is known. */
    public int heldEvents() {
        return router.held();
    }

    /**
     * Stops taking batches, sends what was taken (ignoring linger) and waits at most {@code
     * timeout} for Kafka to settle it.
     *
     * @return true when every taken batch settled in time
     */
    public boolean close(Duration timeout) {
        closing = true;
        consumer.close();
        engine.flush();
        boolean settled = false;
        try {
            settled =
                    outstanding.tryAcquire(
                            maxOutstanding, timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (settled) {
                outstanding.release(maxOutstanding);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
        engine.metadata.removeListener(onMetadata);
        engine.cluster.control().removeTick(sweep);
        if (lot != null) {
            lot.close();
        }
        if (!settled) {
            LOG.warn(
                    "Kafka output closed with {} events not yet acknowledged by Kafka",
                    engine.outstanding() + router.held());
        }
        return settled;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(engine.settings.deliveryTimeoutMs()));
    }
}
