package io.ferry.bench.broker;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.ferry.broker.Event;

/**
 * The anchor: an LMAX Disruptor 4 {@link RingBuffer} of reusable slots, producer threads claim,
 * fill and publish a slot per event, one {@link BatchEventProcessor} on the consumer thread reads
 * batches of at most 1024. An event completes when it is consumed. Threads as {@link HandoffRig}
 * says.
 *
 * <p>One producer uses the single-producer sequencer (the Disruptor's own one-to-one set-up),
 * several the multi-producer one. The wait strategy is one of {@link Wait}.
 */
final class DisruptorRig extends HandoffRig {
    /** A reusable ring slot; written by the producer that claimed it, read by the consumer. */
    static final class Slot {
        Event event;
    }

    /** The consumer's wait strategies measured. */
    enum Wait {
        /**
         * {@link BlockingWaitStrategy}, the Disruptor's default: the consumer blocks on a lock and
         * a condition when idle, as the MemoryBroker's consumer does; but every publish takes that
         * lock to signal, whether anyone waits or not.
         */
        BLOCKING,
        /**
         * {@link LiteBlockingWaitStrategy}: blocks like BLOCKING, but a publish signals only when a
         * consumer waits, as the MemoryBroker does. The Disruptor calls it experimental.
         */
        LITE_BLOCKING,
        /**
         * {@link YieldingWaitStrategy}: spins, then yields; never sleeps, so an idle consumer keeps
         * a core busy. The Disruptor at its fastest, given a spare core.
         */
        YIELDING
    }

    private final Wait waitKind;
    private final RingBuffer<Slot> ring;
    private final BatchEventProcessor<Slot> processor;

    DisruptorRig(int producers, Wait waitKind) {
        super(producers);
        this.waitKind = waitKind;
        WaitStrategy wait =
                switch (waitKind) {
                    case BLOCKING -> new BlockingWaitStrategy();
                    case LITE_BLOCKING -> new LiteBlockingWaitStrategy();
                    case YIELDING -> new YieldingWaitStrategy();
                };
        ring =
                producers == 1
                        ? RingBuffer.createSingleProducer(Slot::new, CAPACITY_EVENTS, wait)
                        : RingBuffer.createMultiProducer(Slot::new, CAPACITY_EVENTS, wait);
        processor =
                new BatchEventProcessorBuilder()
                        .setMaxBatchSize(MAX_BATCH)
                        .build(ring, ring.newBarrier(), new Handler());
        ring.addGatingSequences(processor.getSequence());
    }

    @Override
    boolean publish(int producer, Event event) {
        long seq = ring.next(); // waits (parkNanos(1) loop) while the ring is full
        ring.get(seq).event = event;
        ring.publish(seq);
        return true;
    }

    @Override
    void consume() {
        processor.run(); // returns after halt()
    }

    @Override
    void halt() {
        // Producers are parked between bursts when the rig closes; only the processor waits.
        processor.halt();
    }

    @Override
    String describe() {
        return "disruptor ("
                + producers
                + "P1C, "
                + (producers == 1 ? "single" : "multi")
                + "-producer, "
                + waitKind
                + " wait, batch "
                + MAX_BATCH
                + ")";
    }

    /** Sums the sizes of a batch and reports it at its end; the consumer thread. */
    private final class Handler implements EventHandler<Slot> {
        private int count;
        private long sizes;

        @Override
        public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
            sizes += slot.event.sizeBytes();
            count++;
            if (endOfBatch) {
                consumed(count, sizes);
                completed(count);
                count = 0;
                sizes = 0;
            }
        }
    }
}
