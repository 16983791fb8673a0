package io.ferry.gateway;

import io.ferry.gateway.grpc.v1.ConsumerGroup;
import io.ferry.gateway.grpc.v1.ConsumerMember;
import io.ferry.gateway.grpc.v1.GetOffsetsRequest;
import io.ferry.gateway.grpc.v1.GetOffsetsResponse;
import io.ferry.gateway.grpc.v1.ListConsumersRequest;
import io.ferry.gateway.grpc.v1.ListConsumersResponse;
import io.ferry.gateway.grpc.v1.OffsetCommit;
import io.ferry.gateway.grpc.v1.OffsetRange;
import io.ferry.gateway.grpc.v1.PartitionOffset;
import io.ferry.gateway.grpc.v1.SetOffsetsRequest;
import io.ferry.gateway.grpc.v1.SetOffsetsResponse;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.kafka.consume.SparseAcks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Ferry's own gRPC service's unary consume calls over {@link ConsumeService}: {@code GetOffsets},
 * {@code SetOffsets}, {@code ListConsumers}; the event-loop thread of each call (the service's
 * futures complete there). Refusals: {@link GrpcStatuses#ferry(ConsumeRefused.Code)}, with the HTTP
 * API's error code in the {@value GrpcApi#ERROR_CODE_TRAILER} trailer.
 */
final class FerryGrpcOffsets {
    /* Design notes
     * The HTTP API's GET/POST /topics/{t}/offsets and GET /topics/{t}/groups in protobuf. The
     * sparse acks are absolute [from, to) ranges (decoded from the committed metadata, kafka-pixy's
     * encoding) instead of the HTTP API's text relative to the offset. ListConsumers splits the
     * engine's "clientId/memberId" member keys at the last '/': Kafka's member ids have none.
     * The engine does not report a member's host: ConsumerMember.host is empty.
     */
    private final ConsumeService service;
    private final GrpcApi api;

    FerryGrpcOffsets(GrpcApi api) {
        this.api = api;
        this.service = api.consume();
    }

    void getOffsets(GetOffsetsRequest rq, GrpcApi.Call<GetOffsetsResponse> call) {
        answer(
                call,
                () ->
                        service.offsets(
                                call.caller(),
                                cluster(rq.getCluster()),
                                rq.getTopic(),
                                rq.getGroup()),
                offsets -> {
                    GetOffsetsResponse.Builder b = GetOffsetsResponse.newBuilder();
                    for (io.ferry.kafka.consume.PartitionOffset o : offsets) {
                        b.addOffsets(partition(o));
                    }
                    call.ok(b.build());
                });
    }

    static PartitionOffset partition(io.ferry.kafka.consume.PartitionOffset o) {
        PartitionOffset.Builder b =
                PartitionOffset.newBuilder()
                        .setPartition(o.partition())
                        .setBegin(o.begin())
                        .setEnd(o.end())
                        .setOffset(o.offset())
                        .setLag(o.lag())
                        .setMetadata(o.metadata());
        if (o.offset() >= 0) {
            for (SparseAcks.Range r : SparseAcks.decode(o.offset(), o.metadata()).ranges()) {
                b.addSparseAcks(OffsetRange.newBuilder().setFrom(r.from()).setTo(r.to()));
            }
        }
        return b.build();
    }

    void setOffsets(SetOffsetsRequest rq, GrpcApi.Call<SetOffsetsResponse> call) {
        List<OffsetToSet> to = new ArrayList<>(rq.getOffsetsCount());
        try {
            for (OffsetCommit c : rq.getOffsetsList()) {
                to.add(new OffsetToSet(c.getPartition(), c.getOffset(), c.getMetadata()));
            }
        } catch (IllegalArgumentException e) {
            GrpcStatuses.failFerry(
                    call, new ConsumeRefused(ConsumeRefused.Code.INVALID_REQUEST, e.getMessage()));
            return;
        }
        answer(
                call,
                () ->
                        service.setOffsets(
                                call.caller(),
                                cluster(rq.getCluster()),
                                rq.getTopic(),
                                rq.getGroup(),
                                to),
                v -> call.ok(SetOffsetsResponse.getDefaultInstance()));
    }

    void listConsumers(ListConsumersRequest rq, GrpcApi.Call<ListConsumersResponse> call) {
        answer(
                call,
                () ->
                        service.consumers(
                                call.caller(),
                                cluster(rq.getCluster()),
                                rq.getTopic(),
                                rq.getGroup()),
                groups -> call.ok(consumers(groups)));
    }

    static ListConsumersResponse consumers(Map<String, Map<String, List<Integer>>> groups) {
        ListConsumersResponse.Builder b = ListConsumersResponse.newBuilder();
        groups.forEach(
                (g, members) -> {
                    ConsumerGroup.Builder gb = ConsumerGroup.newBuilder().setGroup(g);
                    members.forEach(
                            (key, partitions) -> {
                                int slash = key.lastIndexOf('/');
                                gb.addMembers(
                                        ConsumerMember.newBuilder()
                                                .setClientId(
                                                        slash < 0 ? "" : key.substring(0, slash))
                                                .setMemberId(key.substring(slash + 1))
                                                .addAllPartitions(partitions));
                            });
                    b.addGroups(gb);
                });
        return b.build();
    }

    private String cluster(String requested) {
        return api.cluster(requested);
    }

    /** Calls the service and answers with {@code ok}, or ends {@code call} with its refusal. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private static <T> void answer(
            GrpcApi.Call<?> call,
            java.util.function.Supplier<CompletableFuture<T>> service,
            Consumer<T> ok) {
        CompletableFuture<T> f;
        try {
            f = service.get();
        } catch (ConsumeRefused r) {
            GrpcStatuses.failFerry(call, r);
            return;
        } catch (IllegalArgumentException | IllegalStateException e) {
            GrpcStatuses.failFerry(call, ConsumeService.refusal(e));
            return;
        }
        f.whenComplete(
                (v, e) -> {
                    if (e != null) {
                        GrpcStatuses.failFerry(call, ConsumeService.refusal(e));
                    } else {
                        ok.accept(v);
                    }
                });
    }
}
