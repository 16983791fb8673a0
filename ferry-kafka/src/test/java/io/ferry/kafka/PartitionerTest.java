package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    private final Partitioner partitioner = new Partitioner(1000);

    @Test
    void keyedEvents_goWhereKafkasDefaultPartitionerPutsThem() {
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[1 + random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            assertThat(partitioner.partition(Event.of("t", key, new byte[1]), partitions))
                    .as("key %d over %d partitions", i, partitions)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
        }
    }

    @Test
    void anExplicitPartition_wins() {
        Event e =
                Event.builder("t")
                        .key("k".getBytes(StandardCharsets.UTF_8))
                        .value(new byte[1])
                        .partition(7)
                        .build();
        assertThat(partitioner.partition(e, 12)).isEqualTo(7);
    }

    @Test
    void nullKeys_stickToOnePartitionForBatchSizeBytes_thenMove() {
        int partitions = 8;
        Event e = Event.of("t", new byte[100 - 1]);
        int bytesEach = e.sizeBytes();
        int first = partitioner.partition(e, partitions);
        int sameUntil =
                1000 / bytesEach; // the partition takes the events that fit in batch.size bytes,
        // as the worker's batch
        for (int i = 1; i < sameUntil; i++) {
            assertThat(partitioner.partition(e, partitions)).as("event %d", i).isEqualTo(first);
        }
        assertThat(partitioner.partition(e, partitions))
                .as("after batch.size bytes")
                .isNotEqualTo(first);

        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            int p = partitioner.partition(e, partitions);
            assertThat(p).isBetween(0, partitions - 1);
            used.add(p);
        }
        assertThat(used).as("sticky partitions spread over time").hasSize(partitions);
    }

    @Test
    void aTopicThatShrankInTheCache_neverGetsAPartitionOutOfRange() {
        Event e = Event.of("t", new byte[10]);
        partitioner.partition(e, 12);
        for (int i = 0; i < 1000; i++) {
            assertThat(partitioner.partition(e, 3)).isBetween(0, 2);
        }
    }
}
