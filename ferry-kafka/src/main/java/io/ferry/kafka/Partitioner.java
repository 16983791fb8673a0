package io.ferry.kafka;

import io.ferry.broker.Event;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Utils;

/**
 * Chooses an event's partition as Kafka's default partitioner does: the explicit partition, else
 * murmur2 of the key, else a sticky partition for null keys that moves on after {@code batch.size}
 * bytes. Not thread-safe: one per output thread.
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
        int[] s = sticky.computeIfAbsent(e.topic(), t -> new int[] {ThreadLocalRandom.current().nextInt(partitions), 0});
        if (s[1] >= stickyBytes || s[0] >= partitions) {
            s[0] = partitions == 1 ? 0 : (s[0] + 1 + ThreadLocalRandom.current().nextInt(partitions - 1)) % partitions;
            s[1] = 0;
        }
        s[1] += e.sizeBytes();
        return s[0];
    }
}
