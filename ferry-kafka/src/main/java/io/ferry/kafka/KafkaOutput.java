package io.ferry.kafka;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains any {@link Broker} into Kafka: an output thread loops {@code consumer.get(n)}, routes each
 * event to its partition worker, and acks the broker batch once every event in it is acknowledged
 * by Kafka or has failed for good. Create with {@link #start}; {@link #close(Duration)} from any
 * thread.
 */
public final class KafkaOutput implements AutoCloseable {
    /* Design notes
     * One output thread, on purpose. Two consumers of one broker get disjoint batches in order, but
     * routing them concurrently interleaves a key's events from consecutive batches, so a key's
     * events could reach their partition out of publish order (an early end-to-end test caught
     * exactly that). Routing is cheap (hash, lookup, append); encoding and sending happen on the
     * executors' threads, so one router is not the bottleneck.
     * Backpressure: the output thread holds at most `maxOutstandingBatches` broker batches not yet
     * settled (a semaphore), so a slow Kafka stops the output taking batches, the broker fills and
     * its producers block: memory stays bounded by the broker's capacity.
     * Close: stop taking batches (close the consumers), flush (ignore linger), wait for every taken
     * batch to settle or the timeout, then stop the threads. The engine is closed by its owner.
     */
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOutput.class);

    private final KafkaEngine engine;
    private final List<Consumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Semaphore outstanding;
    private final int maxOutstanding;
    private volatile boolean closing;

    private KafkaOutput(
            Broker broker, KafkaEngine engine, int maxBatchEvents, int maxOutstandingBatches) {
        this.engine = engine;
        this.maxOutstanding = maxOutstandingBatches;
        this.outstanding = new Semaphore(maxOutstanding);
        Consumer c = broker.consumer();
        consumers.add(c);
        Thread t = new Thread(() -> loop(c, maxBatchEvents), "ferry-kafka-output");
        t.setDaemon(true);
        threads.add(t);
        threads.forEach(Thread::start);
    }

    /**
     * Starts draining {@code broker} into Kafka.
     *
     * @param maxBatchEvents the most events per {@code get}
     * @param maxOutstandingBatches the most broker batches on their way to Kafka
     */
    public static KafkaOutput start(
            Broker broker, KafkaEngine engine, int maxBatchEvents, int maxOutstandingBatches) {
        if (maxBatchEvents < 1) {
            throw new IllegalArgumentException(
                    "maxBatchEvents must be at least 1, was " + maxBatchEvents);
        }
        if (maxOutstandingBatches < 1) {
            throw new IllegalArgumentException(
                    "maxOutstandingBatches must be at least 1, was " + maxOutstandingBatches);
        }
        return new KafkaOutput(broker, engine, maxBatchEvents, maxOutstandingBatches);
    }

    private void loop(Consumer consumer, int maxBatchEvents) {
        Partitioner partitioner = new Partitioner(engine.settings.batchSizeBytes());
        Map<String, PartitionWorker[]> routes = new HashMap<>();
        Map<String, Long> missingUntil = new HashMap<>();
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
                long now = engine.clockMs();
                for (Event e : batch.events()) {
                    try {
                        route(e, tracker, partitioner, routes, missingUntil, now);
                    } catch (RuntimeException ex) {
                        // The engine is closing (or a bug): the event cannot go, but its batch must
                        // still settle, and the router must live on for the rest.
                        LOG.warn("cannot route an event of topic {}: {}", e.topic(), ex.toString());
                        engine.fail(
                                new PartitionWorker.Pending(e, tracker, now), "NOT_ROUTED: " + ex);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void route(
            Event e,
            DeliveryTracker tracker,
            Partitioner partitioner,
            Map<String, PartitionWorker[]> routes,
            Map<String, Long> missingUntil,
            long now) {
        if (e.sizeBytes() > engine.settings.maxRequestSizeBytes()) {
            engine.fail(
                    new PartitionWorker.Pending(e, tracker, now),
                    "RECORD_TOO_LARGE: the record is "
                            + e.sizeBytes()
                            + " bytes, over max.request.size="
                            + engine.settings.maxRequestSizeBytes());
            return;
        }
        // The router's own table of a topic's workers, by partition: no lookup or allocation per
        // event.
        PartitionWorker[] workers = routes.get(e.topic());
        if (workers == null) {
            // A topic found missing (after waiting up to UNKNOWN_TOPIC_WAIT_MS for it) is not asked
            // about again for MISSING_TOPIC_RECHECK_MS: a flood of events to a missing topic must
            // not stall the routing of every other topic.
            Long until = missingUntil.get(e.topic());
            int n = until != null && now < until ? -1 : engine.partitionCount(e.topic());
            if (n <= 0) {
                if (until == null || now >= until) {
                    missingUntil.put(
                            e.topic(), engine.clockMs() + KafkaEngine.MISSING_TOPIC_RECHECK_MS);
                }
                engine.fail(
                        new PartitionWorker.Pending(e, tracker, now),
                        engine.topicProblem(e.topic()));
                return;
            }
            missingUntil.remove(e.topic());
            workers = new PartitionWorker[n];
            routes.put(e.topic(), workers);
        }
        int p = partitioner.partition(e, workers.length);
        if (p >= workers.length) {
            engine.fail(
                    new PartitionWorker.Pending(e, tracker, now),
                    "UNKNOWN_TOPIC_OR_PARTITION: partition "
                            + p
                            + " does not exist; topic '"
                            + e.topic()
                            + "' has "
                            + workers.length
                            + " partitions");
            return;
        }
        PartitionWorker w = workers[p];
        if (w == null) {
            w = engine.worker(new TopicPartition(e.topic(), p));
            workers[p] = w;
        }
        w.append(e, tracker, now);
    }

    /**
     * Stops taking batches, sends what was taken (ignoring linger) and waits at most {@code
     * timeout} for Kafka to settle it.
     *
     * @return true when every taken batch settled in time
     */
    public boolean close(Duration timeout) {
        closing = true;
        consumers.forEach(Consumer::close);
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
        threads.forEach(Thread::interrupt);
        if (!settled) {
            LOG.warn(
                    "Kafka output closed with {} events not yet acknowledged by Kafka",
                    engine.outstanding());
        }
        return settled;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(engine.settings.deliveryTimeoutMs()));
    }
}
