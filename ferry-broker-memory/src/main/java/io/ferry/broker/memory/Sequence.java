package io.ferry.broker.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Left padding: keeps {@link Sequence#value} off the cache line of whatever precedes it. */
abstract class SequenceLhsPadding {
    long p01, p02, p03, p04, p05, p06, p07;
}

/** The value, between two paddings. */
abstract class SequenceValue extends SequenceLhsPadding {
    volatile long value;
}

/** Right padding: keeps {@link Sequence#value} off the cache line of whatever follows it. */
abstract class SequenceRhsPadding extends SequenceValue {
    long p11, p12, p13, p14, p15, p16, p17;
}

/**
 * A padded 64-bit counter on a cache line of its own; any thread may read it, writers are as the
 * owning class documents.
 */
final class Sequence extends SequenceRhsPadding {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SequenceValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Sequence(long initial) {
        value = initial;
    }

    /** Volatile read. */
    long get() {
        return value;
    }

    /** Volatile write: ordered with every later volatile read of this thread (a full fence). */
    void setVolatile(long v) {
        value = v;
    }

    /** Release write: ordered after this thread's earlier writes, without a full fence. */
    void setRelease(long v) {
        VALUE.setRelease(this, v);
    }

    boolean compareAndSet(long expected, long v) {
        return VALUE.compareAndSet(this, expected, v);
    }

    long getAndBitwiseOr(long bits) {
        return (long) VALUE.getAndBitwiseOr(this, bits);
    }

    long getAndAdd(long delta) {
        return (long) VALUE.getAndAdd(this, delta);
    }
}
