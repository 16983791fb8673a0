package io.ferry.gateway;

import io.ferry.broker.Header;
import io.ferry.gateway.grpc.v1.Error;
import io.ferry.gateway.grpc.v1.FerryGrpcService;
import io.ferry.gateway.grpc.v1.GetTopicRequest;
import io.ferry.gateway.grpc.v1.GetTopicResponse;
import io.ferry.gateway.grpc.v1.ListTopicsRequest;
import io.ferry.gateway.grpc.v1.ListTopicsResponse;
import io.ferry.gateway.grpc.v1.Outcome;
import io.ferry.gateway.grpc.v1.PartitionInfo;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.grpc.v1.RecordResult;
import io.ferry.kafka.TopicInfo;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import java.util.List;

/**
 * Ferry's own gRPC service ({@code ferry.v1.Ferry}, {@code ferry/v1/ferry.proto}) over the produce
 * service, the cluster queries and the consume service; the event-loop thread of each call.
 * Statuses: {@link GrpcStatuses}, with the HTTP API's error code in the {@value
 * GrpcApi#ERROR_CODE_TRAILER} trailer. The Consume stream is {@link FerryConsumeStream};
 * GetOffsets, SetOffsets and ListConsumers are {@link FerryGrpcOffsets}.
 */
final class FerryGrpc {
    /* Design notes
     * Produce is the HTTP API's POST /topics/{topic}/records in protobuf: one batch, one ack
     * level, one result per record in order (accepted, delivered with partition and offset, or
     * failed with the HTTP API's error code and message). A request refused whole (nothing
     * accepted) ends with a status instead; a batch whose records all failed still answers OK
     * with each record's failure, so a client reads one shape. The per-record results of ack
     * none/local share one RecordResult instance (nothing allocated per record).
     */
    private static final RecordResult ACCEPTED =
            RecordResult.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED).build();

    private final GrpcApi api;

    /** The server instance's anonymous context; each call's own is {@link GrpcApi.Call#caller}. */
    private final CallContext base;

    FerryGrpc(GrpcApi api, CallContext caller) {
        this.api = api;
        this.base = caller;
    }

    void bind(GrpcServer s) {
        api.unary(s, base, FerryGrpcService.Produce, this::produce);
        api.unary(s, base, FerryGrpcService.ListTopics, this::listTopics);
        api.unary(s, base, FerryGrpcService.GetTopic, this::getTopic);
        api.streaming(
                s,
                base,
                FerryGrpcService.Consume,
                (req, call) -> new FerryConsumeStream(api, call.caller(), req, call).start());
        FerryGrpcOffsets offsets = new FerryGrpcOffsets(api);
        api.unary(s, base, FerryGrpcService.GetOffsets, offsets::getOffsets);
        api.unary(s, base, FerryGrpcService.SetOffsets, offsets::setOffsets);
        api.unary(s, base, FerryGrpcService.ListConsumers, offsets::listConsumers);
    }

    /** The ack level asked, or null (the call is then failed) when it is not one we know. */
    private AckLevel ack(ProduceRequest rq, GrpcApi.Call<?> call) {
        return switch (rq.getAck()) {
            case ACK_LEVEL_UNSPECIFIED -> api.defaultAck();
            case ACK_LEVEL_NONE -> AckLevel.NONE;
            case ACK_LEVEL_LOCAL -> AckLevel.LOCAL;
            case ACK_LEVEL_KAFKA -> AckLevel.KAFKA;
            case UNRECOGNIZED -> {
                call.fail(
                        GrpcStatus.INVALID_ARGUMENT,
                        "invalid_ack",
                        "ack is "
                                + rq.getAckValue()
                                + "; expected ACK_LEVEL_NONE, ACK_LEVEL_LOCAL, ACK_LEVEL_KAFKA or"
                                + " unspecified (the gateway's default)");
                yield null;
            }
        };
    }

    private void produce(ProduceRequest rq, GrpcApi.Call<ProduceResponse> call) {
        AckLevel ack = ack(rq, call);
        if (ack == null) {
            return;
        }
        int n = rq.getRecordsCount();
        ProduceRecord[] records = new ProduceRecord[n];
        for (int i = 0; i < n; i++) {
            records[i] = record(rq.getRecords(i));
        }
        io.ferry.gateway.grpc.v1.AckLevel answeredAt = wire(ack);
        api.produce.produce(
                call.caller(),
                api.cluster(rq.getCluster()),
                rq.getTopic(),
                List.of(records),
                ack,
                result -> {
                    if (result.refusal() != null) {
                        GrpcStatuses.failFerry(call, result.refusal());
                        return;
                    }
                    ProduceResponse.Builder b = ProduceResponse.newBuilder().setAck(answeredAt);
                    int failed = 0;
                    for (int i = 0; i < result.size(); i++) {
                        io.ferry.gateway.RecordResult r = result.record(i);
                        if (!r.ok()) {
                            failed++;
                            ProduceRefusal why = r.failure();
                            b.addResults(
                                    RecordResult.newBuilder()
                                            .setOutcome(Outcome.OUTCOME_FAILED)
                                            .setError(
                                                    Error.newBuilder()
                                                            .setCode(Produce.http(why).code)
                                                            .setMessage(why.message())));
                        } else if (r.delivered()) {
                            b.addResults(
                                    RecordResult.newBuilder()
                                            .setOutcome(Outcome.OUTCOME_DELIVERED)
                                            .setPartition(r.partition())
                                            .setOffset(r.offset()));
                        } else {
                            b.addResults(ACCEPTED);
                        }
                    }
                    call.ok(b.setAccepted(result.size() - failed).setFailed(failed).build());
                });
    }

    private static ProduceRecord record(io.ferry.gateway.grpc.v1.ProduceRecord r) {
        List<Header> headers = List.of();
        int h = r.getHeadersCount();
        if (h > 0) {
            Header[] hs = new Header[h];
            for (int j = 0; j < h; j++) {
                io.ferry.gateway.grpc.v1.Header x = r.getHeaders(j);
                hs[j] = new Header(x.getKey(), x.hasValue() ? x.getValue().toByteArray() : null);
            }
            headers = List.of(hs);
        }
        return new ProduceRecord(
                r.hasPartition() ? r.getPartition() : ProduceRecord.NO_PARTITION,
                r.hasKey() ? r.getKey().toByteArray() : null,
                r.hasValue() ? r.getValue().toByteArray() : null,
                headers,
                r.hasTimestampMs() ? r.getTimestampMs() : ProduceRecord.NO_TIMESTAMP);
    }

    private static io.ferry.gateway.grpc.v1.AckLevel wire(AckLevel a) {
        return switch (a) {
            case NONE -> io.ferry.gateway.grpc.v1.AckLevel.ACK_LEVEL_NONE;
            case LOCAL -> io.ferry.gateway.grpc.v1.AckLevel.ACK_LEVEL_LOCAL;
            case KAFKA -> io.ferry.gateway.grpc.v1.AckLevel.ACK_LEVEL_KAFKA;
        };
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void listTopics(ListTopicsRequest rq, GrpcApi.Call<ListTopicsResponse> call) {
        api.queries
                .listTopics(call.caller(), api.cluster(rq.getCluster()))
                .whenComplete(
                        (a, err) -> {
                            if (!failed(call, a, err)) {
                                ClusterQueries.TopicListing l = a.value();
                                call.ok(
                                        ListTopicsResponse.newBuilder()
                                                .setCluster(l.cluster())
                                                .addAllTopics(l.topics())
                                                .setStale(l.stale())
                                                .build());
                            }
                        });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void getTopic(GetTopicRequest rq, GrpcApi.Call<GetTopicResponse> call) {
        api.queries
                .describeTopic(call.caller(), api.cluster(rq.getCluster()), rq.getTopic())
                .whenComplete(
                        (a, err) -> {
                            if (failed(call, a, err)) {
                                return;
                            }
                            ClusterQueries.TopicDescription d = a.value();
                            TopicMeta t = d.topic();
                            GetTopicResponse.Builder b =
                                    GetTopicResponse.newBuilder()
                                            .setCluster(d.cluster())
                                            .setTopic(t.name())
                                            .setInternal(t.internal());
                            for (TopicInfo.Partition p : t.partitions()) {
                                PartitionInfo.Builder pb =
                                        PartitionInfo.newBuilder()
                                                .setPartition(p.partition())
                                                .addAllReplicas(p.replicas())
                                                .addAllIsr(p.isr());
                                if (p.leader() >= 0) {
                                    pb.setLeader(p.leader());
                                }
                                b.addPartitions(pb);
                            }
                            if (d.stale()) {
                                b.setStale(true).setAgeMs(t.ageMs());
                            }
                            call.ok(b.build());
                        });
    }

    /** Ends {@code call} when the query failed or was refused; true when it did. */
    private static boolean failed(GrpcApi.Call<?> call, ClusterQueries.Answer<?> a, Throwable err) {
        if (err != null) {
            call.fail(
                    GrpcStatus.INTERNAL,
                    "internal_error",
                    "the gateway failed to answer: " + ApiException.describe(err));
            return true;
        }
        if (a.refusal() != null) {
            GrpcStatuses.failFerry(call, a.refusal());
            return true;
        }
        return false;
    }
}
