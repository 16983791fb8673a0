package io.ferry.bench.kafka;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The anchor: Kafka's own {@code KafkaProducer} with byte[] serializers, a fresh producer per run,
 * a callback per record that records its publish-to-ack latency; runs on the calling thread.
 */
final class KafkaProducerSide implements BenchSide {
    private final KafkaBenchOptions options;
    private final Workload workload;

    KafkaProducerSide(KafkaBenchOptions options, Workload workload) {
        this.options = options;
        this.workload = workload;
    }

    @Override
    public String name() {
        return "KafkaProducer";
    }

    /**
     * The producer settings: the options' acks, linger, batch size and compression; idempotence as
     * Kafka's default.
     */
    Properties config() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, options.kafkaAcks());
        p.put(ProducerConfig.LINGER_MS_CONFIG, options.lingerMs());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, options.batchSizeBytes());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, options.compressionType());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, options.kafkaAcks().equals("all"));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // failures are counted by the send callbacks
    public RunResult run(String topic, int records) throws Exception {
        Latencies latencies = new Latencies(records);
        AckCompletion completion = new AckCompletion(records);
        LongAdder failures = new LongAdder();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config())) {
            ThreadCpu before = ThreadCpu.snapshot();
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                workload.pace(i, start);
                int index = i;
                latencies.published(i, System.nanoTime());
                producer.send(
                        new ProducerRecord<>(topic, workload.key(i), workload.value),
                        (metadata, error) -> {
                            long now = System.nanoTime();
                            if (error != null) {
                                failures.increment();
                            }
                            latencies.acked(index, now);
                            completion.add(1, now);
                        });
            }
            long end = completion.await(name(), AckCompletion.timeoutSeconds(records));
            ThreadCpu after = ThreadCpu.snapshot();
            return new RunResult(
                    name(),
                    topic,
                    records,
                    end - start,
                    latencies.percentile(0.50),
                    latencies.percentile(0.99),
                    failures.sum(),
                    -1,
                    after.processCpuSince(before),
                    after.byGroupSince(before),
                    "");
        }
    }

    @Override
    public String toString() {
        return name() + Map.of("acks", options.kafkaAcks());
    }
}
