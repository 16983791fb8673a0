package io.ferry.kafka;

import io.ferry.broker.Event;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Utils;

/**
 * Chooses an event's partition as Kafka's default partitioner does: the explicit partition, else
 * murmur2 of the key, else a sticky partition for null keys that moves on before the event that
 * would take it over {@code batch.size} bytes (where the worker cuts its batch). Not thread-safe:
 * one per output thread.
 *
 * <p>Like Kafka's partitioner, a null-key record goes only to a partition with a leader while one
 * has: a partition without one (its node is down) would hold the record, and the broker batch it
 * came in, for the length of the outage (issue 12: head-of-line blocking). Keyed and explicit
 * partitions are not moved: their place is the caller's choice.
 */
final class Partitioner {
    private final int stickyBytes;
    private final Map<String, int[]> sticky = new HashMap<>(); // topic -> {partition, bytes}

    Partitioner(int stickyBytes) {
        this.stickyBytes = stickyBytes;
    }

    /** The partition of {@code e} in a topic of {@code partitions} partitions, all available. */
    int partition(Event e, int partitions) {
        return partition(e, partitions, null);
    }

    /**
     * The partition of {@code e} in a topic of {@code partitions} partitions; a null-key record
     * goes to one whose {@code available} entry is true while there is one (null: all are).
     */
    int partition(Event e, int partitions, boolean[] available) {
        if (e.hasPartition()) {
            return e.partition();
        }
        if (e.key() != null) {
            return Utils.toPositive(Utils.murmur2(e.key())) % partitions;
        }
        int[] s =
                sticky.computeIfAbsent(
                        e.topic(),
                        t -> new int[] {ThreadLocalRandom.current().nextInt(partitions), 0});
        // Move on before an event that would not fit in the partition's batch: the worker cuts at
        // batch.size too, so moving on after it (>= stickyBytes) left one event of every batch
        // behind, sent alone after linger.ms below saturation.
        if ((s[1] > 0 && s[1] + e.sizeBytes() > stickyBytes)
                || s[0] >= partitions
                || !isAvailable(available, s[0])) {
            s[0] = next(s[0], partitions, available);
            s[1] = 0;
        }
        s[1] += e.sizeBytes();
        return s[0];
    }

    private static boolean isAvailable(boolean[] available, int p) {
        return available == null || p >= available.length || available[p];
    }

    /**
     * Another partition than {@code current}, at random, among the available ones when there are
     * any (else among all); {@code current} itself when it is the only choice.
     */
    private static int next(int current, int partitions, boolean[] available) {
        if (partitions == 1) {
            return 0;
        }
        int up = 0;
        for (int p = 0; p < partitions; p++) {
            if (p != current && isAvailable(available, p)) {
                up++;
            }
        }
        if (up == 0) {
            return isAvailable(available, current) && current < partitions
                    ? current
                    : (current + 1 + ThreadLocalRandom.current().nextInt(partitions - 1))
                            % partitions;
        }
        int pick = ThreadLocalRandom.current().nextInt(up);
        for (int p = 0; p < partitions; p++) {
            if (p != current && isAvailable(available, p) && pick-- == 0) {
                return p;
            }
        }
        throw new AssertionError("unreachable");
    }
}
