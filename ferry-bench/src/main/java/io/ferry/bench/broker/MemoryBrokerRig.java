package io.ferry.bench.broker;

import io.ferry.broker.Batch;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.broker.memory.MemoryBroker;
import io.ferry.broker.memory.MemoryBrokerSettings;
import java.util.List;

/**
 * The MemoryBroker with producer acks: each producer thread publishes through its own {@link
 * Producer} with an ack listener, the consumer thread takes batches of up to 1024 and acks each
 * one; an event completes when its producer's ack listener hears of it (on the broker's ack
 * thread). Threads as {@link HandoffRig} says.
 */
final class MemoryBrokerRig extends HandoffRig {
    private final MemoryBroker broker;
    private final Producer[] brokerProducers;
    private final Consumer consumer;

    MemoryBrokerRig(int producers) {
        super(producers);
        // Defaults otherwise: no byte bound, no flush wait (a get returns as soon as one event is
        // there).
        broker =
                MemoryBroker.create(
                        MemoryBrokerSettings.defaults().withCapacityEvents(CAPACITY_EVENTS));
        brokerProducers = new Producer[producers];
        // Every ack listener runs on the broker's one ack thread: completed() keeps a single
        // writer.
        ProducerConfig config = ProducerConfig.withAcks(this::completed);
        for (int i = 0; i < producers; i++) {
            brokerProducers[i] = broker.producer(config);
        }
        consumer = broker.consumer();
    }

    /** The broker, for tests. */
    MemoryBroker broker() {
        return broker;
    }

    @Override
    boolean publish(int producer, Event event) throws InterruptedException {
        return brokerProducers[producer].publish(event);
    }

    @Override
    void consume() throws InterruptedException {
        try {
            for (; ; ) {
                Batch batch = consumer.get(MAX_BATCH);
                List<Event> events = batch.events();
                int n = events.size();
                long sizes = 0;
                for (int i = 0; i < n; i++) {
                    sizes += events.get(i).sizeBytes();
                }
                consumed(n, sizes);
                batch.ack();
            }
        } catch (BrokerClosedException e) {
            if (!isStopping()) {
                throw e;
            }
        }
    }

    @Override
    void halt() {
        // Unblocks publish (returns false) and get (throws BrokerClosedException), stops the ack
        // thread.
        broker.close();
    }

    @Override
    String describe() {
        return "memory (" + producers + "P1C, " + broker + ", acks)";
    }
}
