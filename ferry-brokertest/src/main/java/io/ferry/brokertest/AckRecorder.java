package io.ferry.brokertest;

import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.ProducerConfig;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records the ack counts and drops one producer (or the eventer) is told of; listeners may be
 * called from any thread, the test reads from its own.
 */
public final class AckRecorder
        implements ProducerConfig.AckListener, ProducerConfig.DropListener, Eventer {
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final Queue<Drop> dropped = new ConcurrentLinkedQueue<>();
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private volatile Runnable onEachAck = () -> {};

    @Override
    public void onAck(int count) {
        if (count <= 0) {
            throw new AssertionError("ack count must be positive, was " + count);
        }
        if (!threads.contains(Thread.currentThread())) {
            threads.add(Thread.currentThread());
        }
        acked.addAndGet(count);
        calls.incrementAndGet();
        onEachAck.run();
    }

    @Override
    public void onDrop(Event event, long sequence) {
        dropped.add(new Drop(event, sequence));
    }

    /** Runs {@code check} inside every ack call, after counting it. */
    public AckRecorder onEachAck(Runnable check) {
        this.onEachAck = check;
        return this;
    }

    /** The sum of the counts so far. */
    public long acked() {
        return acked.get();
    }

    /** The number of ack calls so far. */
    public long calls() {
        return calls.get();
    }

    /** The dropped events so far, in the order reported. */
    public List<Event> dropped() {
        return dropped.stream().map(Drop::event).toList();
    }

    /** The drops so far, each event with the sequence the listener was told, in report order. */
    public List<Drop> drops() {
        return List.copyOf(dropped);
    }

    /**
     * One report to the drop listener.
     *
     * @param event the dropped event
     * @param sequence the sequence the broker reported with it
     */
    public record Drop(Event event, long sequence) {}

    /** The threads ack calls came from. */
    public List<Thread> threads() {
        return List.copyOf(threads);
    }

    /** A producer config reporting acks and drops here. */
    public ProducerConfig config(boolean dropOnCancel) {
        return new ProducerConfig(this, this, dropOnCancel);
    }
}
