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
 */
final class Partitioner {
    private final int stickyBytes;
    private final Map<String, int[]> sticky = new HashMap<>(); // topic -> {partition, bytes}

    Partitioner(int stickyBytes) {
        this.stickyBytes = stickyBytes;
    }

    /** The partition of {@code e} in a topic of {@code partitions} partitions. */
    int partition(Event e, int partitions) {
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
        if ((s[1] > 0 && s[1] + e.sizeBytes() > stickyBytes) || s[0] >= partitions) {
            s[0] =
                    partitions == 1
                            ? 0
                            : (s[0] + 1 + ThreadLocalRandom.current().nextInt(partitions - 1))
                                    % partitions;
            s[1] = 0;
        }
        s[1] += e.sizeBytes();
        return s[0];
    }
}
