package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

/** Fetch to Kafka's protocol and back, records decoded; stateless, any thread. */
final class FetchCodec {
    /* Design notes
     * Fetch v13+ names topics by id only, in the request and the answer; v12 is the newest that
     * names them, and Kafka's own fetcher caps at 12 unless every partition has an id
     * (AbstractFetch.createFetchRequest): so does Fetch.useTopicIds(). An answer is read with the
     * request's topicNames(): in a session they are the session's (an incremental answer may name
     * any partition of the session, not only the ones this request sent); a topic id the request
     * does not know is dropped, as FetchResponse.responseData does.
     * Decoding runs inside NetworkClient's completion callback, which swallows exceptions (the
     * engine would never hear of the request again): a batch that cannot be decoded becomes the
     * partition's CORRUPT_MESSAGE error instead, keeping the batches before it.
     */
    private FetchCodec() {}

    static FetchRequest.Builder request(WireRequest.Fetch f) {
        LinkedHashMap<TopicPartition, FetchRequest.PartitionData> data = new LinkedHashMap<>();
        for (FetchPartition p : f.partitions()) {
            data.put(p.partition(), partitionData(p));
        }
        short maxVersion = f.useTopicIds() ? ApiKeys.FETCH.latestVersion() : (short) 12;
        WireRequest.Fetch.Session s = f.session();
        return FetchRequest.Builder.forConsumer(maxVersion, f.maxWaitMs(), f.minBytes(), data)
                .isolationLevel(f.isolation())
                .setMaxBytes(f.maxBytes())
                .metadata(new FetchMetadata(s.id(), s.epoch()))
                .removed(s.forgotten())
                .replaced(s.replaced())
                .rackId(f.rackId());
    }

    static FetchRequest.PartitionData partitionData(FetchPartition p) {
        return new FetchRequest.PartitionData(
                p.topicId(),
                p.fetchOffset(),
                p.logStartOffset(),
                p.maxBytes(),
                p.currentLeaderEpoch() < 0 ? Optional.empty() : Optional.of(p.currentLeaderEpoch()),
                Optional.empty());
    }

    static FetchResult parse(AbstractResponse response, short version, WireRequest.Fetch f) {
        FetchResponseData data = ((FetchResponse) response).data();
        Map<Uuid, String> names = f.topicNames();
        Map<String, Uuid> ids = new HashMap<>();
        names.forEach((id, name) -> ids.put(name, id));
        Map<Integer, Node> endpoints = new HashMap<>();
        for (FetchResponseData.NodeEndpoint n : data.nodeEndpoints()) {
            endpoints.put(n.nodeId(), new Node(n.nodeId(), n.host(), n.port(), n.rack()));
        }
        Map<TopicPartition, FetchedPartition> out = new LinkedHashMap<>();
        for (FetchResponseData.FetchableTopicResponse t : data.responses()) {
            String topic = version < 13 ? t.topic() : names.get(t.topicId());
            if (topic == null) {
                continue;
            }
            Uuid id = version < 13 ? ids.getOrDefault(topic, Uuid.ZERO_UUID) : t.topicId();
            for (FetchResponseData.PartitionData p : t.partitions()) {
                TopicPartition tp = new TopicPartition(topic, p.partitionIndex());
                out.put(tp, partition(id, p, endpoints));
            }
        }
        return new FetchResult(
                WireError.of(data.errorCode(), null),
                data.sessionId(),
                data.throttleTimeMs(),
                version,
                out);
    }

    private static FetchedPartition partition(
            Uuid id, FetchResponseData.PartitionData p, Map<Integer, Node> endpoints) {
        WireError error = WireError.of(p.errorCode(), null);
        List<FetchedBatch> batches = new ArrayList<>();
        try {
            RecordBatchDecoder.decode(FetchResponse.recordsOrFail(p), batches);
        } catch (RuntimeException e) { // KafkaException, BufferUnderflowException ...
            long at = batches.isEmpty() ? -1 : batches.get(batches.size() - 1).nextOffset();
            error =
                    WireError.of(
                            Errors.CORRUPT_MESSAGE.code(),
                            "cannot decode the batch"
                                    + (at < 0 ? "" : " at offset " + at)
                                    + ": "
                                    + e);
        }
        List<AbortedTransaction> aborted = new ArrayList<>();
        if (p.abortedTransactions() != null) {
            for (FetchResponseData.AbortedTransaction a : p.abortedTransactions()) {
                aborted.add(new AbortedTransaction(a.producerId(), a.firstOffset()));
            }
            aborted.sort((a, b) -> Long.compare(a.firstOffset(), b.firstOffset()));
        }
        Node hint = null;
        int hintEpoch = -1;
        if (p.currentLeader() != null && p.currentLeader().leaderId() >= 0) {
            hint = endpoints.get(p.currentLeader().leaderId());
            hintEpoch = hint == null ? -1 : p.currentLeader().leaderEpoch();
        }
        return new FetchedPartition(
                id,
                error,
                p.highWatermark(),
                p.lastStableOffset(),
                p.logStartOffset(),
                aborted,
                p.preferredReadReplica(),
                hint,
                hintEpoch,
                batches);
    }
}
