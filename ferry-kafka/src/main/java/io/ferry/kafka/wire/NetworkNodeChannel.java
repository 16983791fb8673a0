package io.ferry.kafka.wire;

import java.util.ArrayList;
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
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * A {@link NodeChannel} over kafka-clients' {@code NetworkClient}: one TCP connection to one node;
 * not thread-safe: one owner thread calls every method but {@link #wakeup()}, and callbacks run
 * inside {@link #poll(long, long)} on that thread.
 *
 * <p>This package is the only place that touches kafka-clients' internal protocol classes (pinned
 * at 4.2.0); its contract tests run against a real cluster ({@code NetworkNodeChannelIT}).
 */
public final class NetworkNodeChannel implements NodeChannel {
    /* Design notes
     * A ManualMetadataUpdater holding just this node: NetworkClient never sends metadata requests
     * of its own; Ferry keeps its own metadata cache. The ApiVersions handshake happens on connect
     * (ready() returns true after it). Client settings (security.protocol, ssl.*, sasl.*) pass
     * through AdminClientConfig, which defines every network key.
     * Authentication and TLS failures surface in NetworkClient only as a disconnect plus
     * authenticationException(node): connectionFailure() and the classification of responses read
     * it there, or they would look like ordinary disconnects retried forever.
     * Time: NetworkClient reads Time.SYSTEM for its own timers (connection setup, request
     * timeouts); the nowMs the engine passes must come from the system clock too. Unit tests of the
     * engine use a fake channel instead, with a fake clock.
     */
    private final NetworkClient client;
    private final Node node;
    private final int requestTimeoutMs;
    private final Metrics metrics;

    private NetworkNodeChannel(
            NetworkClient client, Node node, int requestTimeoutMs, Metrics metrics) {
        this.client = client;
        this.node = node;
        this.requestTimeoutMs = requestTimeoutMs;
        this.metrics = metrics;
    }

    /**
     * A factory of channels with these client settings.
     *
     * @param clientSettings Kafka client settings with Kafka's names (security, SSL, SASL ...)
     * @param clientId the {@code client.id} every channel presents (quotas and logs use it)
     * @param requestTimeoutMs {@code request.timeout.ms}
     * @return the factory
     */
    public static ChannelFactory factory(
            Map<String, ?> clientSettings, String clientId, int requestTimeoutMs) {
        Map<String, Object> settings = Map.copyOf(clientSettings);
        return (node, purpose, maxInFlight) ->
                open(settings, clientId, purpose, node, requestTimeoutMs, maxInFlight);
    }

    /**
     * Opens (lazily: the socket connects on the first {@link #ready}) a channel to {@code node}.
     *
     * @param clientSettings Kafka client settings with Kafka's names (security, SSL, SASL ...)
     * @param clientId the {@code client.id} to present
     * @param purpose what the channel is for, in kafka-clients' log lines
     * @param node the node
     * @param requestTimeoutMs how long a request may wait for its answer
     * @param maxInFlight the most requests in flight on this connection
     * @return the channel
     */
    public static NetworkNodeChannel open(
            Map<String, ?> clientSettings,
            String clientId,
            String purpose,
            Node node,
            int requestTimeoutMs,
            int maxInFlight) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.putIfAbsent(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.host() + ":" + node.port());
        settings.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        settings.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k));
        AdminClientConfig config = new AdminClientConfig(settings);
        Metrics metrics = new Metrics();
        LogContext log =
                new LogContext(
                        "[ferry " + clientId + " " + purpose + " node " + node.idString() + "] ");
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
        return new NetworkNodeChannel(client, node, requestTimeoutMs, metrics);
    }

    @Override
    public Node node() {
        return node;
    }

    @Override
    public boolean ready(long nowMs) {
        return client.ready(node, nowMs);
    }

    @Override
    public boolean canSend(long nowMs) {
        return client.isReady(node, nowMs);
    }

    @Override
    public WireFailure connectionFailure() {
        if (!client.connectionFailed(node)) {
            return null;
        }
        AuthenticationException auth = client.authenticationException(node);
        if (auth != null) {
            return authenticationFailure(auth);
        }
        return WireFailure.disconnected("cannot connect to " + node.host() + ":" + node.port());
    }

    private static WireFailure authenticationFailure(AuthenticationException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage();
        if (root != e && root.getMessage() != null && !root.getMessage().equals(message)) {
            message = message + " (" + root.getMessage() + ")";
        }
        return new WireFailure(WireFailure.Kind.AUTHENTICATION, message);
    }

    @Override
    public int inFlight() {
        return client.inFlightRequestCount(node.idString());
    }

    @Override
    public void poll(long timeoutMs, long nowMs) {
        client.poll(timeoutMs, nowMs);
    }

    @Override
    public void wakeup() {
        client.wakeup();
    }

    @Override
    public void disconnect() {
        client.disconnect(node.idString());
    }

    @Override
    @SuppressWarnings("unchecked") // each case's answer is the R of its record type
    public <R> void send(WireRequest<R> request, long nowMs, Consumer<Outcome<R>> callback) {
        if (request instanceof WireRequest.Produce p) {
            sendProduce(
                    p,
                    nowMs,
                    (Consumer<Outcome<Map<TopicPartition, PartitionResult>>>)
                            (Consumer<?>) callback);
        } else if (request instanceof WireRequest.Metadata m) {
            MetadataRequestData data =
                    new MetadataRequestData().setAllowAutoTopicCreation(m.allowAutoTopicCreation());
            if (m.topics() == null) {
                data.setTopics(null);
            } else {
                List<MetadataRequestData.MetadataRequestTopic> ts = new ArrayList<>();
                for (String t : m.topics()) {
                    ts.add(
                            new MetadataRequestData.MetadataRequestTopic()
                                    .setName(t)
                                    .setTopicId(Uuid.ZERO_UUID));
                }
                data.setTopics(ts);
            }
            send(
                    new MetadataRequest.Builder(data),
                    true,
                    nowMs,
                    callback,
                    r -> parseMetadata((MetadataResponse) r, m.topics() == null));
        } else if (request instanceof WireRequest.InitProducerId) {
            InitProducerIdRequestData data =
                    new InitProducerIdRequestData()
                            .setTransactionalId(null)
                            .setTransactionTimeoutMs(Integer.MAX_VALUE);
            send(
                    new InitProducerIdRequest.Builder(data),
                    true,
                    nowMs,
                    callback,
                    r -> {
                        InitProducerIdResponse resp = (InitProducerIdResponse) r;
                        return new ProducerIdAndEpoch(
                                resp.data().producerId(),
                                resp.data().producerEpoch(),
                                WireError.of(resp.data().errorCode(), null));
                    });
        } else if (request instanceof WireRequest.FindCoordinator f) {
            FindCoordinatorRequestData data =
                    new FindCoordinatorRequestData()
                            .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id())
                            .setCoordinatorKeys(f.groups());
            send(
                    new FindCoordinatorRequest.Builder(data),
                    true,
                    nowMs,
                    callback,
                    r -> parseCoordinators((FindCoordinatorResponse) r));
        } else {
            throw new IllegalArgumentException("unsupported request " + request.apiName());
        }
    }

    // ---- produce ------------------------------------------------------------------------------

    private void sendProduce(
            WireRequest.Produce p,
            long nowMs,
            Consumer<Outcome<Map<TopicPartition, PartitionResult>>> callback) {
        ProduceRequestData.TopicProduceDataCollection topics =
                new ProduceRequestData.TopicProduceDataCollection();
        Map<String, ProduceRequestData.TopicProduceData> byTopic = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        for (Map.Entry<TopicPartition, EncodedBatch> e : p.batches().entrySet()) {
            String topic = e.getKey().topic();
            ProduceRequestData.TopicProduceData t =
                    byTopic.computeIfAbsent(
                            topic,
                            name -> {
                                Uuid id = p.topicIds().getOrDefault(name, Uuid.ZERO_UUID);
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
                new ProduceRequestData()
                        .setAcks(p.acks())
                        .setTimeoutMs(p.timeoutMs())
                        .setTopicData(topics);
        // acks=0 has no answer: NetworkClient completes the request without a body once sent
        send(
                ProduceRequest.builder(data),
                p.acks() != 0,
                nowMs,
                callback,
                r -> r == null ? Map.of() : parseProduce((ProduceResponse) r, names));
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

    // ---- metadata and coordinators ------------------------------------------------------------

    private static ClusterView parseMetadata(MetadataResponse response, boolean allTopics) {
        Map<Integer, Node> nodes = new HashMap<>(response.brokersById());
        Map<String, TopicView> topics = new HashMap<>();
        for (MetadataResponse.TopicMetadata t : response.topicMetadata()) {
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
                                WireError.of(p.error.code(), null),
                                p.replicaIds,
                                p.inSyncReplicaIds));
            }
            ps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            topics.put(
                    t.topic(),
                    new TopicView(
                            t.topic(),
                            t.topicId() == null ? Uuid.ZERO_UUID : t.topicId(),
                            t.isInternal(),
                            WireError.of(t.error().code(), null),
                            ps));
        }
        return new ClusterView(nodes, topics, allTopics);
    }

    private static Map<String, Coordinator> parseCoordinators(FindCoordinatorResponse response) {
        Map<String, Coordinator> out = new HashMap<>();
        for (FindCoordinatorResponseData.Coordinator c : response.data().coordinators()) {
            WireError error = WireError.of(c.errorCode(), c.errorMessage());
            Node node = error.isNone() ? new Node(c.nodeId(), c.host(), c.port()) : null;
            out.put(c.key(), new Coordinator(c.key(), node, error));
        }
        return out;
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private <R> void send(
            AbstractRequest.Builder<?> builder,
            boolean expectResponse,
            long nowMs,
            Consumer<Outcome<R>> callback,
            java.util.function.Function<AbstractResponse, Object> parse) {
        ClientRequest request =
                client.newClientRequest(
                        node.idString(),
                        builder,
                        nowMs,
                        expectResponse,
                        requestTimeoutMs,
                        response -> callback.accept(classify(response, parse)));
        client.send(request, nowMs);
    }

    @SuppressWarnings("unchecked") // parse returns the R of the request's record type
    private static <R> Outcome<R> classify(
            ClientResponse r, java.util.function.Function<AbstractResponse, Object> parse) {
        if (r.wasTimedOut()) {
            return Outcome.failed(
                    new WireFailure(
                            WireFailure.Kind.TIMEOUT,
                            "no answer within request.timeout.ms (the connection was closed)"));
        }
        if (r.wasDisconnected()) {
            if (r.authenticationException() != null) {
                return Outcome.failed(authenticationFailure(r.authenticationException()));
            }
            return Outcome.failed(WireFailure.disconnected("disconnected from " + r.destination()));
        }
        if (r.versionMismatch() != null) {
            return Outcome.failed(
                    new WireFailure(
                            WireFailure.Kind.UNSUPPORTED_VERSION,
                            r.versionMismatch().getMessage()));
        }
        return Outcome.ok((R) parse.apply(r.hasResponse() ? r.responseBody() : null));
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
        return "NetworkNodeChannel{" + node + "}";
    }
}
