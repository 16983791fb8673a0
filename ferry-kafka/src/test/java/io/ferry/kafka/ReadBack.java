package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic back with a real {@link KafkaConsumer} and checks the end-to-end promise: every
 * event exactly once, in publish order per key. Events carry a 4-byte key id and, at the start of
 * the value, their 8-byte global sequence.
 */
final class ReadBack {
    private ReadBack() {}

    /**
     * The events {@code 0 .. events-1}, except {@code absent}, each exactly once and in key order.
     */
    static void assertExactlyOnceInKeyOrder(
            String bootstrap, String topic, int partitions, long events, Set<Long> absent) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("max.poll.records", "10000");
        long expected = events - absent.size();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long total =
                    consumer.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            assertThat(total)
                    .as("records in the log: exactly the events, no duplicates")
                    .isEqualTo(expected);
            boolean[] seen = new boolean[(int) events];
            Map<Integer, Long> lastPerKey = new HashMap<>();
            long read = 0;
            long deadline = System.currentTimeMillis() + 120_000;
            while (read < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    int key = ByteBuffer.wrap(r.key()).getInt();
                    long seq = ByteBuffer.wrap(r.value()).getLong();
                    assertThat(absent).as("event %d should have failed", seq).doesNotContain(seq);
                    assertThat(seen[(int) seq]).as("event %d twice", seq).isFalse();
                    seen[(int) seq] = true;
                    Long last = lastPerKey.put(key, seq);
                    if (last != null) {
                        assertThat(seq).as("order of key %d", key).isGreaterThan(last);
                    }
                    read++;
                }
            }
            assertThat(read).as("events read back").isEqualTo(expected);
        }
    }
}
