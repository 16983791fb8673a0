package io.ferry.bench.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The anchor: Kafka's own {@code KafkaConsumer} with the KIP-848 protocol ({@code
 * group.protocol=consumer}), {@code byte[]} values, committing as it reads ({@code
 * enable.auto.commit} at Ferry's commit interval), the same fetch sizes and isolation as Ferry's.
 */
final class KafkaConsumerSide implements ConsumeSide {
    private final ConsumeBenchOptions options;

    KafkaConsumerSide(ConsumeBenchOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "KafkaConsumer";
    }

    /** The consumer's settings for {@code group}. */
    Map<String, Object> settings(String group) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        p.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, options.commitIntervalMs());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // Ferry's default
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, options.fetchMaxWaitMs());
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, options.fetchMinBytes());
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, options.fetchMaxBytes());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, options.partitionMaxBytes());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, options.maxPollRecords());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    @Override
    public Session open(String group) {
        return new KafkaSession(new KafkaConsumer<>(settings(group)));
    }

    private static final class KafkaSession implements Session {
        private final KafkaConsumer<byte[], byte[]> consumer;

        KafkaSession(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void subscribe(String topic) {
            consumer.subscribe(List.of(topic));
        }

        @Override
        public int poll(RecordSink sink) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofSeconds(1));
            for (ConsumerRecord<byte[], byte[]> r : records) {
                sink.record(r.partition(), r.offset(), r.value());
            }
            return records.count();
        }

        @Override
        public long fetchRequests() {
            for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
                MetricName n = e.getKey();
                if (n.name().equals("fetch-total")
                        && n.group().equals("consumer-fetch-manager-metrics")) {
                    return (long) ((Number) e.getValue().metricValue()).doubleValue();
                }
            }
            return -1;
        }

        @Override
        public String fetchNote() {
            long n = fetchRequests();
            return n < 0 ? "" : String.format(Locale.ROOT, "%,d fetch requests (fetch-total)", n);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
