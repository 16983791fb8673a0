package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumedMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The messages one consume stream was sent and has not acknowledged or released, by partition and
 * offset, so that they can be given back the moment the stream ends; one stream's event-loop thread
 * only. Offsets only, no payloads: a given-back message is found by its partition and offset.
 */
final class StreamOffers {
    /* Design notes
     * One ack per message at hundreds of thousands a second: every sent message is added and every
     * acknowledgement removes one, so each partition's offsets are an open-addressing hash set of
     * primitive longs (linear probing, backward-shift deletion, no tombstones, no boxing), indexed
     * by partition in a growable array. A range [from, to) is removed offset by offset when it is
     * no longer than the set, else by one pass over the set (a client acknowledging [0, 2^62)
     * costs a pass, not 2^62 probes).
     */
    private static final LongSet[] NONE = new LongSet[0];

    private LongSet[] partitions = NONE;
    private int size;

    /** Records that {@code offset} of {@code partition} was sent. */
    void sent(int partition, long offset) {
        if (partition >= partitions.length) {
            partitions = Arrays.copyOf(partitions, Math.max(partition + 1, partitions.length * 2));
        }
        LongSet s = partitions[partition];
        if (s == null) {
            s = new LongSet();
            partitions[partition] = s;
        }
        if (s.add(offset)) {
            size++;
        }
    }

    /** {@code offset} of {@code partition} is done with (acknowledged or released). */
    void done(int partition, long offset) {
        LongSet s = set(partition);
        if (s != null && s.remove(offset)) {
            size--;
            shrinkIfEmpty(partition, s);
        }
    }

    /** Every offset of {@code partition} in {@code [from, to)} is done with. */
    void done(int partition, long from, long to) {
        LongSet s = set(partition);
        if (s != null && to > from) {
            size -= s.removeRange(from, to);
            shrinkIfEmpty(partition, s);
        }
    }

    /** Lets a large empty set go (a burst of unacknowledged messages is not held for good). */
    private void shrinkIfEmpty(int partition, LongSet s) {
        if (s.size() == 0 && s.slots.length > 1024) {
            partitions[partition] = null;
        }
    }

    /** Messages sent and not done with. */
    int size() {
        return size;
    }

    /**
     * Every message sent and not done with, as {@code topic}'s messages (partition and offset
     * only), for {@link ConsumeService#giveBack}; empties this.
     */
    List<ConsumedMessage> drain(String topic) {
        List<ConsumedMessage> out = new ArrayList<>(size);
        for (int p = 0; p < partitions.length; p++) {
            LongSet s = partitions[p];
            if (s != null) {
                int partition = p;
                s.forEach(
                        o ->
                                out.add(
                                        new ConsumedMessage(
                                                topic, partition, o, 0L, null, null, List.of(),
                                                0)));
            }
        }
        partitions = NONE;
        size = 0;
        return out;
    }

    private LongSet set(int partition) {
        return partition >= 0 && partition < partitions.length ? partitions[partition] : null;
    }

    /** A set of offsets (0 or more): open addressing, linear probing. */
    static final class LongSet {
        private static final long EMPTY = -1;
        private long[] slots = newSlots(16);
        private int count;

        private static long[] newSlots(int n) {
            long[] a = new long[n];
            Arrays.fill(a, EMPTY);
            return a;
        }

        private static int hash(long v, int mask) {
            long h = v * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }

        boolean add(long v) {
            if ((count + 1) * 4 > slots.length * 3) {
                grow();
            }
            int mask = slots.length - 1;
            for (int i = hash(v, mask); ; i = (i + 1) & mask) {
                if (slots[i] == EMPTY) {
                    slots[i] = v;
                    count++;
                    return true;
                }
                if (slots[i] == v) {
                    return false;
                }
            }
        }

        boolean remove(long v) {
            int mask = slots.length - 1;
            for (int i = hash(v, mask); ; i = (i + 1) & mask) {
                if (slots[i] == EMPTY) {
                    return false;
                }
                if (slots[i] == v) {
                    shiftBack(i, mask);
                    count--;
                    return true;
                }
            }
        }

        /** Backward-shift deletion: moves later entries of the probe run into the hole. */
        private void shiftBack(int hole, int mask) {
            int free = hole;
            for (int i = (hole + 1) & mask; slots[i] != EMPTY; i = (i + 1) & mask) {
                int home = hash(slots[i], mask);
                // the entry at i may move to `free` unless its home lies cyclically in (free, i]
                boolean stays = free <= i ? home > free && home <= i : home > free || home <= i;
                if (!stays) {
                    slots[free] = slots[i];
                    free = i;
                }
            }
            slots[free] = EMPTY;
        }

        int removeRange(long from, long to) {
            if (to - from <= count) {
                int n = 0;
                for (long o = from; o < to; o++) {
                    if (remove(o)) {
                        n++;
                    }
                }
                return n;
            }
            long[] old = slots;
            slots = newSlots(old.length);
            int before = count;
            count = 0;
            for (long v : old) {
                if (v != EMPTY && (v < from || v >= to)) {
                    add(v);
                }
            }
            return before - count;
        }

        int size() {
            return count;
        }

        void forEach(java.util.function.LongConsumer c) {
            for (long v : slots) {
                if (v != EMPTY) {
                    c.accept(v);
                }
            }
        }

        private void grow() {
            long[] old = slots;
            slots = newSlots(old.length * 2);
            count = 0;
            for (long v : old) {
                if (v != EMPTY) {
                    add(v);
                }
            }
        }
    }
}
