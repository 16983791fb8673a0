package io.ferry.bench.kafka;

import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.KafkaSettings;
import io.ferry.kafka.consume.AckSettings;
import io.ferry.kafka.consume.ConsumeEngine;
import io.ferry.kafka.consume.ConsumeSettings;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.FetchEngine;
import io.ferry.kafka.consume.FetchLane;
import io.ferry.kafka.consume.FetchSettings;
import io.ferry.kafka.consume.GroupConsumer;
import io.ferry.kafka.consume.PartitionAcks;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;

/**
 * Ferry: a fresh {@code KafkaCluster} and {@code ConsumeEngine} per read, one {@code GroupConsumer}
 * taking {@code next(max.poll.records)} and acknowledging either every message ({@link
 * Mode#PER_MESSAGE}: one {@code ack} call each) or ranges of {@code --range} messages of a
 * partition ({@link Mode#RANGES}: one {@code ackRange} call each).
 */
final class FerryConsumeSide implements ConsumeSide {
    /** How the reader acknowledges. */
    enum Mode {
        PER_MESSAGE,
        RANGES
    }

    private final ConsumeBenchOptions options;
    private final Mode mode;

    FerryConsumeSide(ConsumeBenchOptions options, Mode mode) {
        this.options = options;
        this.mode = mode;
    }

    @Override
    public String name() {
        return mode == Mode.PER_MESSAGE ? "Ferry acks" : "Ferry ranges";
    }

    /** The engine's settings: the anchor's fetch sizes, isolation, reset and commit interval. */
    ConsumeSettings settings() {
        FetchSettings fetch =
                new FetchSettings(
                        options.fetchMaxWaitMs(),
                        options.fetchMinBytes(),
                        options.fetchMaxBytes(),
                        options.partitionMaxBytes(),
                        IsolationLevel.READ_COMMITTED,
                        FetchSettings.DEFAULT_RETRY_BACKOFF_MS,
                        "");
        return ConsumeSettings.defaults()
                .withReset(FetchLane.OffsetReset.EARLIEST)
                .withFetch(fetch)
                .withCommitIntervalMs(options.commitIntervalMs())
                .withAcks(
                        new AckSettings(
                                AckSettings.DEFAULT_ACK_TIMEOUT_MS,
                                options.maxPending(),
                                AckSettings.DEFAULT_MAX_RETRIES));
    }

    @Override
    public Session open(String group) {
        KafkaCluster cluster = KafkaCluster.start(KafkaSettings.defaults(options.bootstrap()));
        try {
            ConsumeEngine engine =
                    ConsumeEngine.start(
                            cluster, settings(), ConsumeEngine.ConsumeDeadLetter.logOnly());
            return new FerrySession(cluster, engine, group);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private final class FerrySession implements Session {
        private final KafkaCluster cluster;
        private final ConsumeEngine engine;
        private final String group;
        private GroupConsumer consumer;
        private String topic;

        /** RANGES: per partition, the first offset taken and not acknowledged yet (-1: none). */
        private long[] rangeFrom = new long[0];

        FerrySession(KafkaCluster cluster, ConsumeEngine engine, String group) {
            this.cluster = cluster;
            this.engine = engine;
            this.group = group;
        }

        @Override
        public void subscribe(String t) {
            this.topic = t;
            this.rangeFrom = new long[options.partitions()];
            Arrays.fill(rangeFrom, -1);
            this.consumer = engine.subscribe(group, List.of(t));
        }

        @Override
        public int poll(RecordSink sink) throws InterruptedException {
            List<ConsumedMessage> got =
                    consumer.next(options.maxPollRecords(), Duration.ofSeconds(1));
            for (ConsumedMessage m : got) {
                sink.record(m.partition(), m.offset(), m.value());
                if (mode == Mode.PER_MESSAGE) {
                    PartitionAcks.AckResult r = consumer.ack(topic, m.partition(), m.offset());
                    if (r != PartitionAcks.AckResult.OK) {
                        throw new IllegalStateException(
                                "ack of " + m.partition() + "@" + m.offset() + " answered " + r);
                    }
                } else {
                    int p = m.partition();
                    if (rangeFrom[p] < 0) {
                        rangeFrom[p] = m.offset();
                    }
                    if (m.offset() + 1 - rangeFrom[p] >= options.rangeSize()) {
                        consumer.ackRange(topic, p, rangeFrom[p], m.offset() + 1);
                        rangeFrom[p] = -1;
                    }
                }
            }
            return got.size();
        }

        @Override
        public void finish() {
            for (int p = 0; p < rangeFrom.length; p++) {
                if (rangeFrom[p] >= 0) {
                    consumer.ackRange(topic, p, rangeFrom[p], Long.MAX_VALUE);
                    rangeFrom[p] = -1;
                }
            }
        }

        @Override
        public long fetchRequests() {
            long n = 0;
            for (FetchEngine.NodeStats s : engine.fetchStats().values()) {
                n += s.fetchRequests();
            }
            return n;
        }

        @Override
        public String fetchNote() {
            StringBuilder b = new StringBuilder();
            for (Map.Entry<Integer, FetchEngine.NodeStats> e : engine.fetchStats().entrySet()) {
                FetchEngine.NodeStats s = e.getValue();
                b.append(
                        String.format(
                                Locale.ROOT,
                                "%snode %d: %,d fetch requests in %,d rounds (%.2f per round),"
                                        + " %.2f partitions per request",
                                b.length() == 0 ? "" : "; ",
                                e.getKey(),
                                s.fetchRequests(),
                                s.rounds(),
                                s.rounds() == 0 ? 0.0 : (double) s.fetchRequests() / s.rounds(),
                                s.fetchRequests() == 0
                                        ? 0.0
                                        : (double) s.partitionsSent() / s.fetchRequests()));
            }
            return b.toString();
        }

        @Override
        public void close() {
            try {
                if (consumer != null) {
                    consumer.close();
                }
                engine.close();
            } finally {
                cluster.close();
            }
        }
    }
}
