package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A model of a Kafka cluster for unit tests, and the {@link ChannelFactory} of {@link
 * FakeNodeChannel}s over it: the control channels answer Metadata from the model, InitProducerId
 * with the next producer id, FindCoordinator with node 0, DescribeConfigs from the model; produce
 * channels answer nothing by themselves (the test answers each request). One thread (the test's)
 * uses it.
 */
public final class FakeKafka implements ChannelFactory {
    private final Map<Integer, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Topic> topics = new LinkedHashMap<>();
    private final List<FakeNodeChannel> opened = new ArrayList<>();
    private boolean connectOnOpen = true;
    private long nextProducerId = 1000;
    private WireError producerIdError = WireError.NONE;

    private static final class Topic {
        final Uuid id = Uuid.randomUuid();
        final List<Integer> leaders = new ArrayList<>();
        final List<Integer> epochs = new ArrayList<>();
        WireError error = WireError.NONE;
        final Map<String, String> configs = new HashMap<>(DEFAULT_CONFIGS);
        WireError configsError = WireError.NONE;
    }

    /** The configs DescribeConfigs answers for a topic that set none (Kafka 4's defaults). */
    public static final Map<String, String> DEFAULT_CONFIGS =
            Map.of(
                    "max.message.bytes", "1048588",
                    "message.timestamp.type", "CreateTime",
                    "message.timestamp.before.max.ms", String.valueOf(Long.MAX_VALUE),
                    "message.timestamp.after.max.ms", "3600000");

    /** A cluster of nodes 0 .. {@code n - 1} on localhost ports 9000 + id. */
    public static FakeKafka withNodes(int n) {
        FakeKafka k = new FakeKafka();
        for (int i = 0; i < n; i++) {
            k.nodes.put(i, new Node(i, "localhost", 9000 + i));
        }
        return k;
    }

    /** The node of {@code id}. */
    public Node node(int id) {
        return nodes.get(id);
    }

    /** Creates {@code name} with one partition per entry of {@code leaders} (node ids). */
    public FakeKafka topic(String name, int... leaders) {
        Topic t = new Topic();
        for (int l : leaders) {
            t.leaders.add(l);
            t.epochs.add(0);
        }
        topics.put(name, t);
        return this;
    }

    /** Adds partitions led by {@code leaders} to {@code name}. */
    public FakeKafka addPartitions(String name, int... leaders) {
        Topic t = topics.get(name);
        for (int l : leaders) {
            t.leaders.add(l);
            t.epochs.add(0);
        }
        return this;
    }

    /** Moves a partition's leadership to {@code leader} (-1: none), with a new epoch. */
    public FakeKafka moveLeader(String name, int partition, int leader) {
        Topic t = topics.get(name);
        t.leaders.set(partition, leader);
        t.epochs.set(partition, t.epochs.get(partition) + 1);
        return this;
    }

    /** The leader epoch of a partition now. */
    public int epoch(String name, int partition) {
        return topics.get(name).epochs.get(partition);
    }

    /** The topic's id. */
    public Uuid topicId(String name) {
        return topics.get(name).id;
    }

    /** Makes the topic's metadata answer {@code error} (no partitions). */
    public FakeKafka topicError(String name, String errorName) {
        topics.get(name).error =
                WireError.of(
                        org.apache.kafka.common.protocol.Errors.valueOf(errorName).code(), null);
        return this;
    }

    /** Sets a config of {@code name}, as DescribeConfigs answers it from now on. */
    public FakeKafka topicConfig(String name, String key, String value) {
        topics.get(name).configs.put(key, value);
        return this;
    }

    /** DescribeConfigs answers {@code errorName} for {@code name} from now on ({@code NONE}). */
    public FakeKafka describeConfigsAnswers(String name, String errorName) {
        topics.get(name).configsError =
                WireError.of(
                        org.apache.kafka.common.protocol.Errors.valueOf(errorName).code(), null);
        return this;
    }

    /** What DescribeConfigs answers now for {@code d}. */
    public Map<String, DescribedConfigs> configs(WireRequest.DescribeConfigs d) {
        Map<String, DescribedConfigs> out = new HashMap<>();
        for (String name : d.topics()) {
            Topic t = topics.get(name);
            if (t == null || !t.configsError.isNone()) {
                WireError e = t == null ? WireError.of((short) 3, null) : t.configsError;
                out.put(name, new DescribedConfigs(name, e, Map.of()));
                continue;
            }
            Map<String, String> asked = new HashMap<>();
            for (String k : d.keys()) {
                if (t.configs.containsKey(k)) {
                    asked.put(k, t.configs.get(k));
                }
            }
            out.put(name, new DescribedConfigs(name, WireError.NONE, asked));
        }
        return out;
    }

    /** InitProducerId answers {@code errorName} from now on ({@code NONE}: a new id). */
    public FakeKafka producerIdAnswers(String errorName) {
        producerIdError =
                WireError.of(
                        org.apache.kafka.common.protocol.Errors.valueOf(errorName).code(), null);
        return this;
    }

    /** Whether channels opened from now on are connected at once (default true). */
    public FakeKafka connectOnOpen(boolean connect) {
        this.connectOnOpen = connect;
        return this;
    }

    /** What Metadata answers now for {@code asked} (null: every topic). */
    public ClusterView view(List<String> asked) {
        Map<String, TopicView> out = new HashMap<>();
        List<String> names = asked == null ? List.copyOf(topics.keySet()) : asked;
        for (String name : names) {
            Topic t = topics.get(name);
            if (t == null) {
                out.put(
                        name,
                        new TopicView(
                                name,
                                Uuid.ZERO_UUID,
                                false,
                                WireError.of((short) 3, null), // UNKNOWN_TOPIC_OR_PARTITION
                                List.of()));
                continue;
            }
            if (!t.error.isNone()) {
                out.put(name, new TopicView(name, t.id, false, t.error, List.of()));
                continue;
            }
            List<PartitionLeader> ps = new ArrayList<>();
            for (int p = 0; p < t.leaders.size(); p++) {
                int l = t.leaders.get(p);
                ps.add(
                        new PartitionLeader(
                                name,
                                t.id,
                                p,
                                l < 0 ? null : nodes.get(l),
                                t.epochs.get(p),
                                WireError.NONE,
                                l < 0 ? List.of() : List.of(l),
                                l < 0 ? List.of() : List.of(l)));
            }
            out.put(name, new TopicView(name, t.id, name.startsWith("__"), WireError.NONE, ps));
        }
        return new ClusterView(nodes, out, asked == null);
    }

    @Override
    public NodeChannel open(Node node, String purpose, int maxInFlight) {
        FakeNodeChannel c = new FakeNodeChannel(node, purpose, maxInFlight, connectOnOpen);
        if (purpose.equals("control")) {
            c.autoRespond(WireRequest.Metadata.class, m -> view(m.topics()));
            c.autoRespond(WireRequest.DescribeConfigs.class, this::configs);
            c.autoRespond(
                    WireRequest.InitProducerId.class,
                    r ->
                            producerIdError.isNone()
                                    ? new ProducerIdAndEpoch(
                                            nextProducerId++, (short) 0, WireError.NONE)
                                    : new ProducerIdAndEpoch(-1, (short) -1, producerIdError));
            c.autoRespond(
                    WireRequest.FindCoordinator.class,
                    f -> {
                        Map<String, Coordinator> m = new HashMap<>();
                        f.groups()
                                .forEach(
                                        g ->
                                                m.put(
                                                        g,
                                                        new Coordinator(
                                                                g, nodes.get(0), WireError.NONE)));
                        return m;
                    });
        }
        opened.add(c);
        return c;
    }

    /** Every channel opened so far, oldest first. */
    public List<FakeNodeChannel> opened() {
        return List.copyOf(opened);
    }

    /** The channel last opened to node {@code id} for {@code purpose}, or null. */
    public FakeNodeChannel channel(int id, String purpose) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            FakeNodeChannel c = opened.get(i);
            if (c.node().id() == id && c.purpose().equals(purpose)) {
                return c;
            }
        }
        return null;
    }

    /** The control channel open now (the last one opened), or null. */
    public FakeNodeChannel control() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            if (opened.get(i).purpose().equals("control")) {
                return opened.get(i);
            }
        }
        return null;
    }
}
