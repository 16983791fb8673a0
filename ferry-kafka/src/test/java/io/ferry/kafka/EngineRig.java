package io.ferry.kafka;

import io.ferry.broker.Batch;
import io.ferry.broker.Event;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.PartitionResult;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A produce engine on a stepped cluster over {@link FakeKafka}, with a fake clock: no thread runs
 * but the test's, which steps the control loop, the mapper and every executor. In the manner of
 * Kafka's own {@code SenderTest}: deterministic, no real cluster.
 */
final class EngineRig implements AutoCloseable {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final FakeKafka kafka;
    final KafkaSettings settings;
    final KafkaCluster cluster;
    final ProduceEngine engine;

    /** Every outcome, in order: "d topic-p@offset value" or "f CODE value". */
    final List<String> outcomes = new ArrayList<>();

    final Map<String, DeliveryFailure> failures = new HashMap<>();

    /** Every outcome with the event's broker sequence: "d value#sequence" or "f value#sequence". */
    final List<String> sequenced = new ArrayList<>();

    /** What the dead letter stored: "CODE value p=partition attempts=n". */
    final List<String> deadLettered = new ArrayList<>();

    /** Whether the dead letter takes what it is offered now. */
    volatile boolean deadLetterAccepts = true;

    /** Settings for unit tests: no linger, small batches, short timeouts. */
    static KafkaSettings settings() {
        return KafkaSettings.from(
                Map.of(
                        "bootstrap.servers", "localhost:9000",
                        "client.id", "rig",
                        "linger.ms", 0,
                        "batch.size", 64,
                        "retry.backoff.ms", 100,
                        "request.timeout.ms", 5_000,
                        "delivery.timeout.ms", 10_000));
    }

    EngineRig(FakeKafka kafka) {
        this(kafka, settings());
    }

    EngineRig(FakeKafka kafka, KafkaSettings settings) {
        this.kafka = kafka;
        this.settings = settings;
        this.cluster =
                KafkaCluster.builder(settings)
                        .name("rig")
                        .clock(clock::get)
                        .channels(kafka)
                        .stepped()
                        .start();
        this.engine =
                ProduceEngine.start(
                        cluster,
                        new DeliveryListener() {
                            @Override
                            public void onDelivered(Event event, int partition, long offset) {
                                outcomes.add(
                                        "d "
                                                + event.topic()
                                                + "-"
                                                + partition
                                                + "@"
                                                + offset
                                                + " "
                                                + new String(event.value()));
                            }

                            @Override
                            public void onDelivered(
                                    Event event, long sequence, int partition, long offset) {
                                sequenced.add("d " + new String(event.value()) + "#" + sequence);
                                onDelivered(event, partition, offset);
                            }

                            @Override
                            public void onFailure(
                                    Event event, long sequence, DeliveryFailure failure) {
                                sequenced.add("f " + new String(event.value()) + "#" + sequence);
                                onFailure(event, failure);
                            }

                            @Override
                            public void onFailure(Event event, DeliveryFailure failure) {
                                outcomes.add(
                                        "f " + failure.code() + " " + new String(event.value()));
                                failures.put(new String(event.value()), failure);
                            }
                        },
                        (event, partition, failure, attempts) -> {
                            if (!deadLetterAccepts) {
                                return false;
                            }
                            deadLettered.add(
                                    failure.code()
                                            + " "
                                            + new String(event.value())
                                            + " p="
                                            + partition
                                            + " attempts="
                                            + attempts);
                            return true;
                        });
    }

    void advance(long ms) {
        clock.addAndGet(ms);
    }

    /** One pass: the control loop, the mapper, every live executor. */
    void step() {
        cluster.control().runOnce();
        engine.mapper().doWork();
        for (int id : engine.executorsByNode().keySet()) {
            ProduceExecutor e = engine.executor(id);
            if (e != null) {
                e.runOnce();
            }
        }
    }

    /** Steps {@code n} times. */
    void steps(int n) {
        for (int i = 0; i < n; i++) {
            step();
        }
    }

    /** The worker of {@code topic}-{@code p} (spawned), after the metadata names its leader. */
    PartitionWorker worker(String topic, int p) {
        return engine.worker(new TopicPartition(topic, p));
    }

    /** Appends events with values {@code values} to {@code w}, in one broker batch. */
    FakeBatch append(PartitionWorker w, String... values) {
        FakeBatch b = new FakeBatch(values.length);
        DeliveryTracker t = new DeliveryTracker(b, () -> {});
        for (String v : values) {
            w.append(Event.of(w.tp.topic(), v.getBytes()), t, clock.get());
        }
        return b;
    }

    /** The produce channel of node {@code id}. */
    FakeNodeChannel channel(int id) {
        return kafka.channel(id, "produce");
    }

    /** The produce request in flight on node {@code id} (the oldest), or null. */
    FakeNodeChannel.Sent<Map<TopicPartition, PartitionResult>> produce(int id) {
        FakeNodeChannel c = channel(id);
        return c == null ? null : c.next(WireRequest.Produce.class);
    }

    /**
     * Answers the oldest produce request of node {@code id}: each partition as {@code answer} says.
     */
    void answer(int id, Function<TopicPartition, PartitionResult> answer) {
        FakeNodeChannel.Sent<Map<TopicPartition, PartitionResult>> s = produce(id);
        if (s == null) {
            throw new AssertionError("no produce request in flight on node " + id);
        }
        Map<TopicPartition, PartitionResult> out = new HashMap<>();
        ((WireRequest.Produce) s.request())
                .batches()
                .keySet()
                .forEach(tp -> out.put(tp, answer.apply(tp)));
        channel(id).respond(s, out);
    }

    /** A success at {@code baseOffset}. */
    static PartitionResult ok(long baseOffset) {
        return new PartitionResult(WireError.NONE, baseOffset, null, -1);
    }

    /** An error answer. */
    static PartitionResult error(Errors e) {
        return new PartitionResult(WireError.of(e.code(), null), -1, null, -1);
    }

    /** The base sequence and record count each partition of a produce request carries. */
    static Map<TopicPartition, int[]> sequences(FakeNodeChannel.Sent<?> s) {
        Map<TopicPartition, int[]> out = new HashMap<>();
        ((WireRequest.Produce) s.request())
                .batches()
                .forEach((tp, b) -> out.put(tp, new int[] {b.baseSequence(), b.recordCount()}));
        return out;
    }

    @Override
    public void close() {
        engine.close();
        cluster.close();
    }

    /** A broker batch that records its ack. */
    static final class FakeBatch implements Batch {
        private final int size;
        boolean acked;

        FakeBatch(int size) {
            this.size = size;
        }

        @Override
        public List<Event> events() {
            return List.of();
        }

        @Override
        public int size() {
            return size;
        }

        /** The first event's sequence; the others follow. */
        long baseSequence;

        @Override
        public long sequence(int index) {
            return baseSequence + index;
        }

        @Override
        public void ack() {
            if (acked) {
                throw new IllegalStateException("acked twice");
            }
            acked = true;
        }
    }
}
