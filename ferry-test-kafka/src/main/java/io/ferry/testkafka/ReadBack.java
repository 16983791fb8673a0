package io.ferry.testkafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads records back with a {@link KafkaConsumer} (no group); stateless, any thread. */
final class ReadBack {
    private static final long LIMIT_NANOS = Duration.ofSeconds(30).toNanos();

    private ReadBack() {}

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("max.poll.records", "10000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static ConsumerRecord<byte[], byte[]> recordAt(
            String bootstrap, String topic, int partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long start = System.nanoTime();
            while (System.nanoTime() - start < LIMIT_NANOS) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() == offset) {
                        return r;
                    }
                }
            }
            throw new AssertionError("no record at " + tp + " offset " + offset + " within 30 s");
        }
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrap, String topic, int partitions) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long total = c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long start = System.nanoTime();
            while (out.size() < total && System.nanoTime() - start < LIMIT_NANOS) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
