package io.ferry.bench.kafka;

import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.broker.memory.MemoryBroker;
import io.ferry.broker.memory.MemoryBrokerSettings;
import io.ferry.kafka.KafkaOutput;
import io.ferry.kafka.KafkaSettings;
import io.ferry.kafka.ProduceEngine;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Ferry: one producer publishing into a MemoryBroker that a KafkaOutput drains through the
 * ProduceEngine's per-node executors, a fresh pipeline per run; the producer's ack listener (the
 * broker's ack thread) records publish-to-ack latencies. Runs on the calling thread.
 */
final class FerrySide implements BenchSide {
    private final KafkaBenchOptions options;
    private final Workload workload;

    FerrySide(KafkaBenchOptions options, Workload workload) {
        this.options = options;
        this.workload = workload;
    }

    @Override
    public String name() {
        return "Ferry";
    }

    /** The engine settings: the same acks, linger, batch size and compression as the anchor's. */
    KafkaSettings settings() {
        return KafkaSettings.from(
                Map.of(
                        "bootstrap.servers", options.bootstrap(),
                        "acks", options.kafkaAcks(),
                        "linger.ms", options.lingerMs(),
                        "batch.size", options.batchSizeBytes(),
                        "compression.type", options.compressionType()));
    }

    @Override
    public RunResult run(String topic, int records) throws Exception {
        Latencies latencies = new Latencies(records);
        AckCompletion completion = new AckCompletion(records);
        LongAdder failures = new LongAdder();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        MemoryBrokerSettings brokerSettings =
                MemoryBrokerSettings.defaults().withCapacityEvents(options.ferryCapacityEvents());
        try (ProduceEngine engine =
                        ProduceEngine.start(
                                settings(),
                                (event, why) -> {
                                    failures.increment();
                                    firstFailure.compareAndSet(null, why.toString());
                                });
                MemoryBroker broker = MemoryBroker.create(brokerSettings)) {
            // connected with a producer id before the clock starts, as KafkaProducer's first send
            // is timed after its constructor
            engine.ready().get(60, java.util.concurrent.TimeUnit.SECONDS);
            KafkaOutput output =
                    KafkaOutput.start(
                            broker,
                            engine,
                            options.ferryBatchEvents(),
                            options.ferryOutstandingBatches());
            try {
                Producer producer =
                        broker.producer(
                                ProducerConfig.withAcks(new InOrderAcks(latencies, completion)));
                ThreadCpu before = ThreadCpu.snapshot();
                long start = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    workload.pace(i, start);
                    latencies.published(i, System.nanoTime());
                    if (!producer.publish(Event.of(topic, workload.key(i), workload.value))) {
                        throw new IllegalStateException(
                                "Ferry: the broker refused record " + i + " (closed)");
                    }
                }
                long end = completion.await(name(), AckCompletion.timeoutSeconds(records));
                ThreadCpu after = ThreadCpu.snapshot();
                long[] sent = engine.requestsAndPartitionsSent();
                String note =
                        String.format(
                                Locale.ROOT,
                                "%,d produce requests, %.2f partitions per request",
                                sent[0],
                                sent[0] == 0 ? 0.0 : (double) sent[1] / sent[0]);
                if (firstFailure.get() != null) {
                    note += "; first failure: " + firstFailure.get();
                }
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
                        note);
            } finally {
                output.close(Duration.ofSeconds(10));
            }
        }
    }

    /**
     * The producer's ack listener: acks are counts in publish order, so the next {@code count}
     * records in order are the acknowledged ones. Called by the broker's one ack thread.
     */
    private static final class InOrderAcks implements ProducerConfig.AckListener {
        private final Latencies latencies;
        private final AckCompletion completion;

        /** The index of the oldest record not yet acknowledged; ack thread only. */
        private int next;

        InOrderAcks(Latencies latencies, AckCompletion completion) {
            this.latencies = latencies;
            this.completion = completion;
        }

        @Override
        public void onAck(int count) {
            long now = System.nanoTime();
            for (int k = 0; k < count; k++) {
                latencies.acked(next++, now);
            }
            completion.add(count, now);
        }
    }
}
