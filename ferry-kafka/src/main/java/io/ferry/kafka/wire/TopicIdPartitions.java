package io.ferry.kafka.wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/** Copies of "topic id to partitions" maps; stateless, any thread. */
final class TopicIdPartitions {
    private TopicIdPartitions() {}

    /** An unmodifiable copy, with each set sorted (log lines and comparisons stay stable). */
    static Map<Uuid, Set<Integer>> copy(Map<Uuid, ? extends Set<Integer>> in) {
        Map<Uuid, Set<Integer>> out = new LinkedHashMap<>();
        for (Map.Entry<Uuid, ? extends Set<Integer>> e : in.entrySet()) {
            out.put(
                    Objects.requireNonNull(e.getKey(), "topic id"),
                    Collections.unmodifiableSortedSet(new TreeSet<>(e.getValue())));
        }
        return Collections.unmodifiableMap(out);
    }
}
