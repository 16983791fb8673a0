package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.DefaultHostResolver;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * One connection to one Kafka node over kafka-clients' {@code NetworkClient}; not thread-safe: one
 * owner thread (an executor's loop) calls every method, and callbacks run inside {@link #poll(long,
 * long)} on that thread.
 *
 * <p>This package is the only place that touches kafka-clients' internal protocol classes (pinned
 * at 4.2.0); its contract tests run against a real cluster.
 */
public final class NodeConnection implements AutoCloseable {
    /* Design notes
     * A ManualMetadataUpdater holding just this node: NetworkClient never sends metadata requests
     * of its own; Ferry keeps its own metadata cache. The ApiVersions handshake happens on connect
     * (ready() returns true after it). Client settings (security.protocol, ssl.*, sasl.*) pass
     * through AdminClientConfig, which defines every network key.
     */
    private final NetworkClient client;
    private final Node node;
    private final int requestTimeoutMs;
    private final Metrics metrics;

    private NodeConnection(NetworkClient client, Node node, int requestTimeoutMs, Metrics metrics) {
        this.client = client;
        this.node = node;
        this.requestTimeoutMs = requestTimeoutMs;
        this.metrics = metrics;
    }

    /**
     * Opens (lazily: the socket connects on the first {@link #ready}) a connection to {@code node}.
     *
     * @param clientSettings Kafka client settings with Kafka's names (security, SSL, SASL ...)
     * @param maxInFlight the most requests in flight on this connection
     */
    public static NodeConnection open(
            Map<String, ?> clientSettings,
            String clientId,
            Node node,
            int requestTimeoutMs,
            int maxInFlight) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.putIfAbsent(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.host() + ":" + node.port());
        settings.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        AdminClientConfig config = new AdminClientConfig(settings);
        Metrics metrics = new Metrics();
        LogContext log = new LogContext("[ferry " + clientId + " node " + node.idString() + "] ");
        NetworkClient client =
                ClientUtils.createNetworkClient(
                        config,
                        clientId,
                        metrics,
                        "ferry",
                        log,
                        new ApiVersions(),
                        Time.SYSTEM,
                        maxInFlight,
                        requestTimeoutMs,
                        new ManualMetadataUpdater(List.of(node)),
                        new DefaultHostResolver());
        return new NodeConnection(client, node, requestTimeoutMs, metrics);
    }

    /** The node. */
    public Node node() {
        return node;
    }

    /** Starts connecting if needed; true once requests can be sent. */
    public boolean ready(long nowMs) {
        return client.ready(node, nowMs);
    }

    /**
     * True when one more request can be written now: connected, and the previous request has left
     * the socket buffer and fewer than the in-flight limit are outstanding. Unlike {@link #ready}
     * it never starts a connection.
     */
    public boolean canSend(long nowMs) {
        return client.isReady(node, nowMs);
    }

    /** True when the last connection attempt failed. */
    public boolean connectionFailed() {
        return client.connectionFailed(node);
    }

    /** Requests in flight on this connection. */
    public int inFlight() {
        return client.inFlightRequestCount(node.idString());
    }

    /**
     * Sends, reads and runs the callbacks of completed requests; waits at most {@code timeoutMs}.
     */
    public void poll(long timeoutMs, long nowMs) {
        client.poll(timeoutMs, nowMs);
    }

    /** Wakes a {@link #poll} blocked on another thread; the only method any thread may call. */
    public void wakeup() {
        client.wakeup();
    }

    /** Drops the connection; in-flight requests complete as disconnected on the next poll. */
    public void disconnect() {
        client.disconnect(node.idString());
    }

    // ---- produce -------------------------------------------------------------------------------

    /**
     * Sends one ProduceRequest carrying every batch; {@code callback} gets per-partition results.
     *
     * @param topicIds the id of every topic in {@code batches} (Produce v13 names topics by id)
     */
    public void sendProduce(
            short acks,
            int timeoutMs,
            Map<TopicPartition, EncodedBatch> batches,
            Map<String, Uuid> topicIds,
            long nowMs,
            Consumer<Outcome<Map<TopicPartition, PartitionResult>>> callback) {
        ProduceRequestData.TopicProduceDataCollection topics =
                new ProduceRequestData.TopicProduceDataCollection();
        Map<String, ProduceRequestData.TopicProduceData> byTopic = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        for (Map.Entry<TopicPartition, EncodedBatch> e : batches.entrySet()) {
            String topic = e.getKey().topic();
            ProduceRequestData.TopicProduceData t =
                    byTopic.computeIfAbsent(
                            topic,
                            name -> {
                                Uuid id = topicIds.getOrDefault(name, Uuid.ZERO_UUID);
                                names.put(id, name);
                                ProduceRequestData.TopicProduceData d =
                                        new ProduceRequestData.TopicProduceData()
                                                .setName(name)
                                                .setTopicId(id);
                                topics.add(d);
                                return d;
                            });
            t.partitionData()
                    .add(
                            new ProduceRequestData.PartitionProduceData()
                                    .setIndex(e.getKey().partition())
                                    .setRecords(e.getValue().records));
        }
        ProduceRequestData data =
                new ProduceRequestData().setAcks(acks).setTimeoutMs(timeoutMs).setTopicData(topics);
        send(
                ProduceRequest.builder(data),
                acks != 0,
                nowMs,
                response -> {
                    if (!response.succeeded()) {
                        callback.accept(
                                Outcome.failed(response.failure(), response.outcomeUnknown()));
                        return;
                    }
                    if (response.response() == null) {
                        callback.accept(Outcome.ok(Map.of())); // acks=0: sent is all Kafka will say
                        return;
                    }
                    callback.accept(
                            Outcome.ok(parseProduce((ProduceResponse) response.response(), names)));
                });
    }

    private static Map<TopicPartition, PartitionResult> parseProduce(
            ProduceResponse response, Map<Uuid, String> names) {
        ProduceResponseData data = response.data();
        Map<Integer, Node> endpoints = new HashMap<>();
        for (ProduceResponseData.NodeEndpoint n : data.nodeEndpoints()) {
            endpoints.put(n.nodeId(), new Node(n.nodeId(), n.host(), n.port(), n.rack()));
        }
        Map<TopicPartition, PartitionResult> out = new HashMap<>();
        for (ProduceResponseData.TopicProduceResponse t : data.responses()) {
            String topic =
                    t.name() != null && !t.name().isEmpty() ? t.name() : names.get(t.topicId());
            for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                WireError error = WireError.of(p.errorCode(), p.errorMessage());
                Node hint = null;
                int hintEpoch = -1;
                if (p.currentLeader() != null && p.currentLeader().leaderId() >= 0) {
                    hint = endpoints.get(p.currentLeader().leaderId());
                    hintEpoch = p.currentLeader().leaderEpoch();
                }
                out.put(
                        new TopicPartition(topic, p.index()),
                        new PartitionResult(error, p.baseOffset(), hint, hintEpoch));
            }
        }
        return out;
    }

    // ---- metadata ------------------------------------------------------------------------------

    /**
     * Asks for the metadata of {@code topics} (creating them when the cluster auto-creates and
     * {@code autoCreate}).
     */
    public void sendMetadata(
            Collection<String> topics,
            boolean autoCreate,
            long nowMs,
            Consumer<Outcome<ClusterView>> callback) {
        MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(autoCreate);
        List<MetadataRequestData.MetadataRequestTopic> ts = new ArrayList<>();
        for (String t : topics) {
            ts.add(
                    new MetadataRequestData.MetadataRequestTopic()
                            .setName(t)
                            .setTopicId(Uuid.ZERO_UUID));
        }
        data.setTopics(ts);
        send(
                new MetadataRequest.Builder(data),
                true,
                nowMs,
                r -> {
                    if (!r.succeeded()) {
                        callback.accept(Outcome.failed(r.failure(), r.outcomeUnknown()));
                    } else {
                        callback.accept(Outcome.ok(parseMetadata((MetadataResponse) r.response())));
                    }
                });
    }

    private static ClusterView parseMetadata(MetadataResponse response) {
        Map<Integer, Node> nodes = new HashMap<>(response.brokersById());
        Map<String, List<PartitionLeader>> partitions = new HashMap<>();
        Map<String, WireError> errors = new HashMap<>();
        for (MetadataResponse.TopicMetadata t : response.topicMetadata()) {
            errors.put(t.topic(), WireError.of(t.error().code(), null));
            List<PartitionLeader> ps = new ArrayList<>();
            for (MetadataResponse.PartitionMetadata p : t.partitionMetadata()) {
                Node leader = p.leaderId.map(nodes::get).orElse(null);
                ps.add(
                        new PartitionLeader(
                                t.topic(),
                                t.topicId(),
                                p.partition(),
                                leader,
                                p.leaderEpoch.orElse(-1),
                                WireError.of(p.error.code(), null)));
            }
            ps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            partitions.put(t.topic(), List.copyOf(ps));
        }
        return new ClusterView(Map.copyOf(nodes), partitions, errors);
    }

    // ---- producer id ---------------------------------------------------------------------------

    /** Asks for an idempotent producer id and epoch. */
    public void sendInitProducerId(long nowMs, Consumer<Outcome<ProducerIdAndEpoch>> callback) {
        InitProducerIdRequestData data =
                new InitProducerIdRequestData()
                        .setTransactionalId(null)
                        .setTransactionTimeoutMs(Integer.MAX_VALUE);
        send(
                new InitProducerIdRequest.Builder(data),
                true,
                nowMs,
                r -> {
                    if (!r.succeeded()) {
                        callback.accept(Outcome.failed(r.failure(), r.outcomeUnknown()));
                        return;
                    }
                    InitProducerIdResponse resp = (InitProducerIdResponse) r.response();
                    callback.accept(
                            Outcome.ok(
                                    new ProducerIdAndEpoch(
                                            resp.data().producerId(),
                                            resp.data().producerEpoch(),
                                            WireError.of(resp.data().errorCode(), null))));
                });
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private void send(
            AbstractRequest.Builder<?> builder,
            boolean expectResponse,
            long nowMs,
            Consumer<Outcome<Object>> onResponse) {
        ClientRequest request =
                client.newClientRequest(
                        node.idString(),
                        builder,
                        nowMs,
                        expectResponse,
                        requestTimeoutMs,
                        response -> onResponse.accept(classify(response)));
        client.send(request, nowMs);
    }

    private static Outcome<Object> classify(ClientResponse r) {
        if (r.wasTimedOut()) {
            return Outcome.failed("request timed out (the connection was closed)", true);
        }
        if (r.wasDisconnected()) {
            return Outcome.failed(
                    "disconnected"
                            + (r.authenticationException() != null
                                    ? ": " + r.authenticationException().getMessage()
                                    : ""),
                    true);
        }
        if (r.versionMismatch() != null) {
            return Outcome.failed(
                    "unsupported version: " + r.versionMismatch().getMessage(), false);
        }
        return Outcome.ok(r.hasResponse() ? r.responseBody() : null);
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            metrics.close();
        }
    }

    @Override
    public String toString() {
        return "NodeConnection{" + node + "}";
    }
}
