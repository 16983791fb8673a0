package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.FetchSessionHandler;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.LogContext;

/**
 * One incremental fetch session (KIP-227) with one node, for one fetch lane; not thread-safe: the
 * lane's owner thread uses it, with one Fetch of it in flight at a time.
 *
 * <p>Each round: {@link #nextRequest} with EVERY partition wanted from this node now (one left out
 * is forgotten), send the {@link WireRequest.Fetch} it returns, then give its outcome to {@link
 * #handleResponse} or {@link #handleFailure} before the next round. The first round is a full fetch
 * that opens the session; later rounds send only added or changed partitions, and their answers
 * carry only partitions with something new.
 *
 * <p>It works the same over a fake channel: it reads only the Ferry-side {@link FetchResult}.
 */
public final class FetchSession {
    /* Design notes
     * A thin wrapper over kafka-clients' FetchSessionHandler (no I/O), the class KafkaConsumer
     * drives per node (AbstractFetch). Its FetchRequestData becomes the Ferry-side Fetch: toSend as
     * FetchPartitions (in the order added: with too little room the broker fills the first ones),
     * toForget/toReplace and the FetchMetadata (session id, epoch) as Fetch.Session, with
     * sessionTopicNames() (every id of the session, to read an incremental answer by) and
     * canUseTopicIds() (false caps at v12).
     * handleResponse(FetchResponse, version) only reads the answer's top-level error, session id,
     * throttle time and which partitions (and topic ids) it names, so a FetchResponse is rebuilt
     * from the FetchResult with empty partition data: the real channel's and a fake's answers take
     * the same path. It returns false when the answer does not fit the session (an error, a missing
     * or extra partition): the caller then ignores the answer's data, and the next round is full.
     */
    private final FetchSessionHandler handler;

    /**
     * A session with node {@code nodeId}, not open yet (the first round opens it).
     *
     * @param nodeId the node's id (for Kafka's log lines)
     * @param logPrefix what Kafka's log lines start with, e.g. the lane and node
     */
    public FetchSession(int nodeId, String logPrefix) {
        this.handler = new FetchSessionHandler(new LogContext(logPrefix), nodeId);
    }

    /**
     * The Fetch of the next round.
     *
     * @param wanted every partition to read from this node now, in priority order
     * @param maxWaitMs how long the broker may wait for {@code minBytes}
     * @param minBytes the bytes to wait for
     * @param maxBytes the most bytes in the answer
     * @param isolation READ_COMMITTED or READ_UNCOMMITTED
     * @param rackId the client's rack, or empty
     * @return the request to send
     */
    public WireRequest.Fetch nextRequest(
            Collection<FetchPartition> wanted,
            int maxWaitMs,
            int minBytes,
            int maxBytes,
            IsolationLevel isolation,
            String rackId) {
        FetchSessionHandler.Builder builder = handler.newBuilder();
        Map<TopicPartition, FetchPartition> byPartition = new LinkedHashMap<>();
        for (FetchPartition p : wanted) {
            byPartition.put(p.partition(), p);
            builder.add(p.partition(), FetchCodec.partitionData(p));
        }
        FetchSessionHandler.FetchRequestData data = builder.build();
        List<FetchPartition> toSend = new ArrayList<>();
        for (TopicPartition tp : data.toSend().keySet()) {
            toSend.add(byPartition.get(tp));
        }
        WireRequest.Fetch.Session session =
                new WireRequest.Fetch.Session(
                        data.metadata().sessionId(),
                        data.metadata().epoch(),
                        List.copyOf(data.toForget()),
                        List.copyOf(data.toReplace()),
                        handler.sessionTopicNames(),
                        data.canUseTopicIds());
        return new WireRequest.Fetch(
                toSend, maxWaitMs, minBytes, maxBytes, isolation, rackId, session);
    }

    /**
     * Takes the answer to the last round's Fetch into the session.
     *
     * @param result the answer
     * @return true when the answer fits the session: use its partitions; false: ignore its data (a
     *     session error, or partitions that do not match), and the next round is a full fetch
     */
    public boolean handleResponse(FetchResult result) {
        LinkedHashMap<TopicIdPartition, FetchResponseData.PartitionData> named =
                new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, FetchedPartition> e : result.partitions().entrySet()) {
            named.put(
                    new TopicIdPartition(e.getValue().topicId(), e.getKey()),
                    new FetchResponseData.PartitionData()
                            .setPartitionIndex(e.getKey().partition())
                            .setErrorCode(e.getValue().error().code()));
        }
        FetchResponse rebuilt =
                FetchResponse.of(
                        Errors.forCode(result.error().code()),
                        result.throttleTimeMs(),
                        result.sessionId(),
                        named,
                        List.of());
        return handler.handleResponse(rebuilt, result.version());
    }

    /**
     * Takes the failure of the last round's Fetch (a disconnect, a timeout) into the session: the
     * next round closes the session and opens a new one (a full fetch).
     */
    public void handleFailure(WireFailure failure) {
        handler.handleError(new FetchFailed(failure.toString()));
    }

    /**
     * Makes the next round close the session on the broker (epoch -1); call when the lane stops
     * reading from this node, then send {@code nextRequest(List.of(), ...)}.
     */
    public void close() {
        handler.notifyClose();
    }

    /** The session id the broker gave, or 0 while there is none. */
    public int sessionId() {
        return handler.sessionId();
    }

    /** The partitions in the session now, as the last round left them. */
    public Set<TopicPartition> sessionPartitions() {
        return Set.copyOf(handler.sessionTopicPartitions());
    }

    /** A failure for Kafka's log line, without a stack trace (it says where the fetch failed). */
    private static final class FetchFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FetchFailed(String message) {
            super(message, null, false, false);
        }
    }
}
