package io.ferry.kafka.wire;

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
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * A {@link NodeChannel} over kafka-clients' {@code NetworkClient}: one TCP connection to one node;
 * not thread-safe: one owner thread calls every method but {@link #wakeup()}, and callbacks run
 * inside {@link #poll(long, long)} on that thread.
 *
 * <p>This package is the only place that touches kafka-clients' internal protocol classes (pinned
 * at 4.2.0); its contract tests run against a real cluster ({@code NetworkNodeChannelIT}, {@code
 * GroupWireIT}, {@code FetchWireIT}).
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
     * Translations: one package-private codec per request family (ProduceCodec, ControlCodec,
     * HeartbeatCodec, OffsetCommitCodec, OffsetFetchCodec, ListOffsetsCodec, FetchCodec,
     * DescribeConfigsCodec, GroupDescribeCodec): request()
     * builds Kafka's request, parse() turns the answer (of the version the request went out with)
     * into Ferry's terms. A parse must not throw: NetworkClient logs and swallows an exception of a
     * completion callback, and the engine would wait for that answer forever.
     * Channels are independent connections: a Fetch long-polling on one never delays a heartbeat or
     * a commit on another to the same node. A Fetch's request timeout is request.timeout.ms plus its
     * maxWaitMs, so a long poll is not taken for a dead connection.
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
    public <R> void send(WireRequest<R> request, long nowMs, Consumer<Outcome<R>> callback) {
        if (request instanceof WireRequest.Produce p) {
            // acks=0 has no answer: NetworkClient completes the request without a body once sent
            send(
                    ProduceCodec.request(p),
                    p.acks() != 0,
                    nowMs,
                    callback,
                    r -> ProduceCodec.parse(r, p));
        } else if (request instanceof WireRequest.Metadata m) {
            send(
                    ControlCodec.metadata(m),
                    true,
                    nowMs,
                    callback,
                    r -> ControlCodec.parseMetadata(r, m));
        } else if (request instanceof WireRequest.InitProducerId) {
            send(
                    ControlCodec.initProducerId(),
                    true,
                    nowMs,
                    callback,
                    ControlCodec::parseProducerId);
        } else if (request instanceof WireRequest.FindCoordinator f) {
            send(
                    ControlCodec.findCoordinator(f),
                    true,
                    nowMs,
                    callback,
                    ControlCodec::parseCoordinators);
        } else if (request instanceof WireRequest.ConsumerGroupHeartbeat h) {
            send(HeartbeatCodec.request(h), true, nowMs, callback, HeartbeatCodec::parse);
        } else if (request instanceof WireRequest.OffsetCommit c) {
            send(
                    OffsetCommitCodec.request(c),
                    true,
                    nowMs,
                    callback,
                    r -> OffsetCommitCodec.parse(r, c));
        } else if (request instanceof WireRequest.OffsetFetch f) {
            send(
                    OffsetFetchCodec.request(f),
                    true,
                    nowMs,
                    callback,
                    r -> OffsetFetchCodec.parse(r, f));
        } else if (request instanceof WireRequest.DescribeConfigs d) {
            send(
                    DescribeConfigsCodec.request(d),
                    true,
                    nowMs,
                    callback,
                    r -> DescribeConfigsCodec.parse(r, d));
        } else if (request instanceof WireRequest.ListOffsets l) {
            send(
                    ListOffsetsCodec.request(l, requestTimeoutMs),
                    true,
                    nowMs,
                    callback,
                    ListOffsetsCodec::parse);
        } else if (request instanceof WireRequest.ListGroups) {
            send(
                    GroupDescribeCodec.listGroups(),
                    true,
                    nowMs,
                    callback,
                    GroupDescribeCodec::parseListGroups);
        } else if (request instanceof WireRequest.ConsumerGroupDescribe d) {
            send(
                    GroupDescribeCodec.consumerGroupDescribe(d),
                    true,
                    nowMs,
                    callback,
                    r -> GroupDescribeCodec.parseConsumerGroupDescribe(r, d));
        } else if (request instanceof WireRequest.DescribeGroups d) {
            send(
                    GroupDescribeCodec.describeGroups(d),
                    true,
                    nowMs,
                    callback,
                    r -> GroupDescribeCodec.parseDescribeGroups(r, d));
        } else if (request instanceof WireRequest.Fetch f) {
            // a long poll may take maxWaitMs before the broker even starts to answer
            send(
                    FetchCodec.request(f),
                    true,
                    requestTimeoutMs + Math.max(0, f.maxWaitMs()),
                    nowMs,
                    callback,
                    (r, version) -> FetchCodec.parse(r, version, f));
        } else {
            throw new IllegalArgumentException("unsupported request " + request.apiName());
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** Turns an answer (null for none) of the request's version into the request's R. */
    @FunctionalInterface
    private interface Parser {
        Object parse(AbstractResponse response, short version);
    }

    private <R> void send(
            AbstractRequest.Builder<?> builder,
            boolean expectResponse,
            long nowMs,
            Consumer<Outcome<R>> callback,
            java.util.function.Function<AbstractResponse, Object> parse) {
        send(
                builder,
                expectResponse,
                requestTimeoutMs,
                nowMs,
                callback,
                (r, version) -> parse.apply(r));
    }

    private <R> void send(
            AbstractRequest.Builder<?> builder,
            boolean expectResponse,
            int timeoutMs,
            long nowMs,
            Consumer<Outcome<R>> callback,
            Parser parse) {
        ClientRequest request =
                client.newClientRequest(
                        node.idString(),
                        builder,
                        nowMs,
                        expectResponse,
                        timeoutMs,
                        response -> callback.accept(classify(response, parse)));
        client.send(request, nowMs);
    }

    @SuppressWarnings("unchecked") // parse returns the R of the request's record type
    private static <R> Outcome<R> classify(ClientResponse r, Parser parse) {
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
        return Outcome.ok(
                (R)
                        parse.parse(
                                r.hasResponse() ? r.responseBody() : null,
                                r.requestHeader().apiVersion()));
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
