package io.ferry.kafka.consume;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A map from offsets to values whose offsets are added in ascending order (each above every offset
 * added before, removed or not) and removed in any order: the unsettled messages of a {@link
 * PartitionAcks}, which offers a partition's fresh messages in offset order. One thread.
 *
 * <p>Two parallel arrays, sorted by construction: offsets, and their values or null once removed.
 * Adding appends; a lookup is a binary search (the lowest offset, the usual acknowledgement, is
 * found first without one); removing clears the slot and steps the start past cleared slots. When
 * the arrays fill up, the live entries move to the front (when at most half are live) or the arrays
 * double. So memory stays proportional to the live entries, without a node or a boxed key per
 * entry, which is what a {@code TreeMap<Long, V>} costs at every offer and acknowledgement.
 *
 * @param <V> the value type
 */
final class AscendingOffsets<V> {
    private long[] offsets = new long[16];
    private Object[] values = new Object[16];
    private int start; // first slot that may be live; every slot below it is cleared
    private int end; // one past the last slot used
    private int size;

    /** How many offsets are mapped. */
    int size() {
        return size;
    }

    /** Whether none is. */
    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Maps {@code offset} to {@code value}.
     *
     * @throws IllegalArgumentException when {@code offset} is not above every offset added before,
     *     or {@code value} is null
     */
    void append(long offset, V value) {
        if (value == null) {
            throw new IllegalArgumentException("offset " + offset + " mapped to null");
        }
        if (end > 0 && offset <= offsets[end - 1]) {
            throw new IllegalArgumentException(
                    "offsets are added in ascending order: "
                            + offset
                            + " after "
                            + offsets[end - 1]);
        }
        if (end == offsets.length) {
            makeRoom();
        }
        offsets[end] = offset;
        values[end] = value;
        end++;
        size++;
    }

    /** The value mapped to {@code offset}, or null. */
    V get(long offset) {
        int i = find(offset);
        return i < 0 ? null : value(i);
    }

    /** Removes {@code offset}; returns its value, or null when it was not mapped. */
    V remove(long offset) {
        int i = find(offset);
        if (i < 0) {
            return null;
        }
        V v = value(i);
        clear(i);
        return v;
    }

    /**
     * Removes every offset in {@code [from, to)}, handing each value to {@code each} in offset
     * order; returns how many.
     */
    int removeRange(long from, long to, Consumer<? super V> each) {
        int n = 0;
        for (int i = lowerBound(from); i < end && offsets[i] < to; i++) {
            if (values[i] != null) {
                V v = value(i);
                values[i] = null;
                size--;
                n++;
                each.accept(v);
            }
        }
        compactStart();
        return n;
    }

    /** The lowest offset mapped. */
    long firstOffset() {
        if (size == 0) {
            throw new NoSuchElementException("no offsets");
        }
        return offsets[start]; // compactStart keeps a live slot at start
    }

    /** The highest offset mapped. */
    long lastOffset() {
        if (size == 0) {
            throw new NoSuchElementException("no offsets");
        }
        int i = end - 1;
        while (values[i] == null) {
            i--;
        }
        return offsets[i];
    }

    /** Hands every mapped offset to {@code each}, ascending. */
    void forEachOffset(LongConsumer each) {
        for (int i = start; i < end; i++) {
            if (values[i] != null) {
                each.accept(offsets[i]);
            }
        }
    }

    @SuppressWarnings("unchecked") // only V is stored
    private V value(int i) {
        return (V) values[i];
    }

    /** The slot of live {@code offset}, or -1. */
    private int find(long offset) {
        if (size == 0) {
            return -1;
        }
        int i = offsets[start] == offset ? start : lowerBound(offset);
        return i < end && offsets[i] == offset && values[i] != null ? i : -1;
    }

    /** The first slot in [start, end) whose offset is at least {@code offset} (end when none). */
    private int lowerBound(long offset) {
        int lo = start;
        int hi = end;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsets[mid] < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void clear(int i) {
        values[i] = null;
        size--;
        if (i == start) {
            compactStart();
        }
    }

    /** Steps the start past cleared slots; all cleared: back to the front of the arrays. */
    private void compactStart() {
        if (size == 0) {
            Arrays.fill(values, start, end, null);
            start = 0;
            end = 0;
            return;
        }
        while (values[start] == null) {
            start++;
        }
    }

    /** The arrays are full: moves the live entries to the front, or doubles the arrays. */
    private void makeRoom() {
        long[] o = offsets;
        Object[] v = values;
        if (size > offsets.length / 2) {
            o = new long[offsets.length * 2];
            v = new Object[values.length * 2];
        }
        int j = 0;
        for (int i = start; i < end; i++) {
            if (values[i] != null) {
                o[j] = offsets[i];
                v[j] = values[i];
                j++;
            }
        }
        if (v == values) {
            Arrays.fill(v, j, end, null);
        }
        offsets = o;
        values = v;
        start = 0;
        end = j;
    }
}
