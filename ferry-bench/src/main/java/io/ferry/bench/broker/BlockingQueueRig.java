package io.ferry.bench.broker;

import io.ferry.broker.Event;
import java.util.ArrayList;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The JDK baseline: one {@link ArrayBlockingQueue} (non-fair, one lock); producer threads {@code
 * put}, the consumer thread {@code drainTo}s up to 1024 at once and {@code take}s when the queue is
 * empty. An event completes when it is consumed. Threads as {@link HandoffRig} says.
 */
final class BlockingQueueRig extends HandoffRig {
    private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(CAPACITY_EVENTS);

    BlockingQueueRig(int producers) {
        super(producers);
    }

    @Override
    boolean publish(int producer, Event event) throws InterruptedException {
        queue.put(event);
        return true;
    }

    @Override
    void consume() throws InterruptedException {
        ArrayList<Event> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (!isStopping()) {
                int n = queue.drainTo(batch, MAX_BATCH);
                if (n == 0) {
                    batch.add(queue.take());
                    n = 1 + queue.drainTo(batch, MAX_BATCH - 1);
                }
                long sizes = 0;
                for (int i = 0; i < n; i++) {
                    sizes += batch.get(i).sizeBytes();
                }
                batch.clear();
                consumed(n, sizes);
                completed(n);
            }
        } catch (InterruptedException e) {
            if (!isStopping()) {
                throw e;
            }
        }
    }

    @Override
    void halt() {
        // The queue has no close: interrupt whoever may wait in take or put.
        interruptThreads();
    }

    @Override
    String describe() {
        return "abq ("
                + producers
                + "P1C, ArrayBlockingQueue("
                + CAPACITY_EVENTS
                + "), drainTo "
                + MAX_BATCH
                + ")";
    }
}
