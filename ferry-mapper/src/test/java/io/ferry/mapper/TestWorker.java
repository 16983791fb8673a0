package io.ferry.mapper;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker with a bounded mailbox, like the seed's buffered channel; the mapper offers on its owner
 * thread, tests read on theirs. Equality is identity, as the mapper requires.
 */
final class TestWorker implements Worker<TestExecutor> {
    private final String name;
    private final ArrayBlockingQueue<TestExecutor> mailbox;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final CountDownLatch firstAccepted = new CountDownLatch(1);
    final Set<Thread> offerThreads = ConcurrentHashMap.newKeySet();
    volatile boolean accepting = true;
    volatile RuntimeException offerError;
    volatile boolean nullOffered;
    private volatile TestExecutor current;
    private final EventLog events;

    TestWorker(String name, int mailboxCapacity, EventLog events) {
        this.name = name;
        this.mailbox = new ArrayBlockingQueue<>(mailboxCapacity);
        this.events = events;
    }

    TestWorker(String name) {
        this(name, 16, null);
    }

    @Override
    public boolean offerAssignment(TestExecutor executor) {
        offerThreads.add(Thread.currentThread());
        if (executor == null) {
            nullOffered = true;
            return false;
        }
        RuntimeException error = offerError;
        if (error != null) {
            throw error;
        }
        if (!accepting || !mailbox.offer(executor)) {
            refused.incrementAndGet();
            return false;
        }
        current = executor;
        accepted.incrementAndGet();
        firstAccepted.countDown();
        if (events != null) {
            events.add("offer " + name + " " + executor);
        }
        return true;
    }

    /** The next assignment in the mailbox, or null. */
    TestExecutor poll() {
        return mailbox.poll();
    }

    /** Waits for the next assignment (threaded tests). */
    TestExecutor await(long timeoutMs) throws InterruptedException {
        return mailbox.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Waits until this worker has accepted its first assignment (threaded tests). */
    boolean awaitFirstAssignment(long timeoutMs) throws InterruptedException {
        return firstAccepted.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void drain() {
        mailbox.clear();
    }

    /** Puts a dummy into the mailbox, as the seed's channel-full test does. */
    void stuff(TestExecutor dummy) {
        mailbox.add(dummy);
    }

    int pendingInMailbox() {
        return mailbox.size();
    }

    /** The executor this worker last accepted: the one it uses. */
    TestExecutor current() {
        return current;
    }

    int accepted() {
        return accepted.get();
    }

    int refused() {
        return refused.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
