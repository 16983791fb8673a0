package io.ferry.kafka.consume;

import io.ferry.kafka.wire.AbortedTransaction;
import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.FetchResult;
import io.ferry.kafka.wire.FetchedBatch;
import io.ferry.kafka.wire.FetchedPartition;
import io.ferry.kafka.wire.FetchedRecord;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.PartitionLeader;
import io.ferry.kafka.wire.TopicView;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A stepped fetch engine over {@link FakeKafka} with a fake clock: no thread runs but the test's,
 * which steps the mapper and every executor and answers each request, in the manner of Kafka's
 * {@code FetcherTest}.
 */
final class FetchRig implements AutoCloseable {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final FakeKafka kafka;
    final List<String> refreshes = new ArrayList<>();
    final List<Runnable> metadataListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    final FetchEngine engine;

    FetchRig(FakeKafka kafka) {
        this(kafka, FetchSettings.defaults());
    }

    /** The most requests a fetch channel takes at once (a real one: the next once written). */
    int channelInFlight = Integer.MAX_VALUE;

    FetchRig(FakeKafka kafka, FetchSettings settings) {
        this.kafka = kafka;
        this.engine = FetchEngine.stepped(new Cluster(), settings);
    }

    /** The cluster as the fake's metadata says it now. */
    private final class Cluster implements FetchCluster {
        @Override
        public long nowMs() {
            return clock.get();
        }

        @Override
        public PartitionLeader leader(TopicPartition tp) {
            ClusterView v = kafka.view(List.of(tp.topic()));
            TopicView t = v.topics().get(tp.topic());
            if (t == null || !t.error().isNone() || tp.partition() >= t.partitions().size()) {
                return null;
            }
            PartitionLeader p = t.partitions().get(tp.partition());
            return p.leader() == null ? null : p;
        }

        @Override
        public boolean topicMissing(String topic) {
            TopicView t = kafka.view(List.of(topic)).topics().get(topic);
            return t != null && t.error().name().equals("UNKNOWN_TOPIC_OR_PARTITION");
        }

        @Override
        public void refresh(String topic) {
            refreshes.add(topic);
        }

        @Override
        public NodeChannel open(Node node, String purpose, int maxInFlight) {
            return kafka.open(node, purpose, Math.min(maxInFlight, channelInFlight));
        }

        @Override
        public AutoCloseable onMetadataChange(Runnable onChange) {
            metadataListeners.add(onChange);
            return () -> metadataListeners.remove(onChange);
        }
    }

    /** The cache took new metadata (the fake's, as {@link Cluster#leader} reads it): tells. */
    void metadataChanged() {
        metadataListeners.forEach(Runnable::run);
    }

    /** The rig's cluster, for other components under test on the same fake. */
    FetchCluster cluster() {
        return engine.cluster();
    }

    /**
     * One pass: the mapper, then every executor; twice, so answers are taken and a round starts.
     */
    void step() {
        for (int i = 0; i < 2; i++) {
            engine.mapper().doWork();
            for (FetchExecutor e : engine.executors()) {
                e.runOnce();
            }
        }
    }

    void advance(long ms) {
        clock.addAndGet(ms);
    }

    FakeNodeChannel channel(int node) {
        return kafka.channel(node, "fetch");
    }

    /** The oldest Fetch in flight to {@code node}. */
    FakeNodeChannel.Sent<FetchResult> fetch(int node) {
        return channel(node).next(WireRequest.Fetch.class);
    }

    /** Every Fetch in flight to {@code node}, oldest first. */
    List<FakeNodeChannel.Sent<?>> fetches(int node) {
        return channel(node).inFlightRequests().stream()
                .filter(s -> s.request() instanceof WireRequest.Fetch)
                .toList();
    }

    static WireRequest.Fetch request(FakeNodeChannel.Sent<?> s) {
        return (WireRequest.Fetch) s.request();
    }

    TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }

    // ---- answers ------------------------------------------------------------------------------

    static FetchResult answer(int sessionId, Map<TopicPartition, FetchedPartition> parts) {
        return new FetchResult(WireError.NONE, sessionId, 0, (short) 18, parts);
    }

    static Map<TopicPartition, FetchedPartition> parts(Object... tpAndPartition) {
        Map<TopicPartition, FetchedPartition> m = new LinkedHashMap<>();
        for (int i = 0; i < tpAndPartition.length; i += 2) {
            m.put((TopicPartition) tpAndPartition[i], (FetchedPartition) tpAndPartition[i + 1]);
        }
        return m;
    }

    FetchedPartition data(String topic, long hw, FetchedBatch... batches) {
        return data(topic, hw, List.of(), batches);
    }

    FetchedPartition data(
            String topic, long hw, List<AbortedTransaction> aborted, FetchedBatch... batches) {
        return new FetchedPartition(
                kafka.topicId(topic),
                WireError.NONE,
                hw,
                hw,
                0,
                aborted,
                -1,
                null,
                -1,
                List.of(batches));
    }

    FetchedPartition error(String topic, Errors e) {
        return error(topic, e, null, -1);
    }

    FetchedPartition error(String topic, Errors e, Node hint, int hintEpoch) {
        return new FetchedPartition(
                kafka.topicId(topic),
                WireError.of(e.code(), null),
                -1,
                -1,
                -1,
                List.of(),
                -1,
                hint,
                hintEpoch,
                List.of());
    }

    /**
     * A data batch of {@code values} from {@code base}; {@code pid} >= 0 makes it transactional.
     */
    static FetchedBatch batch(long base, long pid, String... values) {
        List<FetchedRecord> rs = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            rs.add(
                    new FetchedRecord(
                            base + i,
                            0,
                            null,
                            values[i].getBytes(StandardCharsets.UTF_8),
                            List.of()));
        }
        long last = base + values.length - 1;
        return new FetchedBatch(
                base,
                last,
                last + 1,
                0,
                pid,
                (short) 0,
                pid >= 0,
                FetchedBatch.Control.NONE,
                100,
                rs);
    }

    /** A transaction marker at {@code offset}. */
    static FetchedBatch marker(long offset, long pid, FetchedBatch.Control c) {
        return new FetchedBatch(
                offset, offset, offset + 1, 0, pid, (short) 0, true, c, 70, List.of());
    }

    /** A sink that records what it gets: "v1,v2@next" per call, "reset a->b". */
    static final class Sink implements FetchSink {
        final List<String> calls = new ArrayList<>();
        final List<FetchStatus> statuses = new ArrayList<>();
        boolean wants = true;
        long highWatermark = -2;

        @Override
        public void accept(List<FetchedRecord> records, long nextOffset, long hw) {
            StringBuilder b = new StringBuilder();
            for (FetchedRecord r : records) {
                b.append(b.length() == 0 ? "" : ",")
                        .append(new String(r.value(), StandardCharsets.UTF_8));
            }
            calls.add(b + "@" + nextOffset);
            highWatermark = hw;
        }

        @Override
        public boolean wantsMore() {
            return wants;
        }

        @Override
        public void reset(long fromOffset, long toOffset) {
            calls.add("reset " + fromOffset + "->" + toOffset);
        }

        @Override
        public void statusChanged(FetchStatus status) {
            statuses.add(status);
        }
    }

    @Override
    public void close() {
        engine.close();
    }
}
