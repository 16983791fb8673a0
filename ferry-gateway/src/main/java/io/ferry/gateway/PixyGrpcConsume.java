package io.ferry.gateway;

import com.google.protobuf.ByteString;
import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import mailgun.kafkapixy.AckRq;
import mailgun.kafkapixy.AckRs;
import mailgun.kafkapixy.ConsNAckRq;
import mailgun.kafkapixy.ConsRs;
import mailgun.kafkapixy.ConsumerGroups;
import mailgun.kafkapixy.ConsumerPartitions;
import mailgun.kafkapixy.GetOffsetsRq;
import mailgun.kafkapixy.GetOffsetsRs;
import mailgun.kafkapixy.KafkaPixyGrpcService;
import mailgun.kafkapixy.ListConsumersRq;
import mailgun.kafkapixy.ListConsumersRs;
import mailgun.kafkapixy.PartitionOffset;
import mailgun.kafkapixy.RecordHeader;
import mailgun.kafkapixy.SetOffsetsRq;
import mailgun.kafkapixy.SetOffsetsRs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume RPCs of kafka-pixy's gRPC service ({@code ConsumeNAck}, {@code Ack}, {@code
 * GetOffsets}, {@code SetOffsets}, {@code ListConsumers}) over {@link PixyConsume} and the {@link
 * ConsumeService}, with kafka-pixy's meanings and status codes ({@link GrpcStatuses#pixy(
 * ConsumeRefused.Code)}); the event-loop thread of each call.
 */
final class PixyGrpcConsume {
    /* Design notes
     * Nothing of the consume logic lives here: the checks, the long poll and its limit, the ack
     * bookkeeping are the service's; this class maps messages and refusals.
     * ConsumeNAck: no_ack is AckMode.NONE, else auto_ack is AUTO, else GIVEN(ack_partition,
     * ack_offset), as kafka-pixy reads them (no_ack wins over auto_ack). The long poll is the
     * cluster's consume.long-poll-timeout-ms (kafka-pixy's long_polling_timeout), answered
     * NOT_FOUND "long polling timeout" when nothing came, as kafka-pixy does; its clients loop.
     * The client going away mid-poll (a reset, or its connection closed: Call.onCancel) cancels
     * the take, which then takes nothing. A message taken but not written (the answer raced the
     * client's cancel, or the write failed) is given back, offered again first and not counted
     * as a delivery, unless it was auto-acknowledged already: AUTO acknowledges before the
     * answer, as kafka-pixy does, so such a message is lost, as in kafka-pixy (no_ack plus Ack
     * is the at-least-once way, and kafka-pixy's proto says so).
     * Ack: the service's ack; OK also for a message acknowledged already (idempotent). An ack
     * this instance cannot take (it does not consume the group, no longer owns the partition,
     * never offered the offset) is FAILED_PRECONDITION saying which, where kafka-pixy answers
     * Internal "acks channel missing": the call is well formed, the instance's state refuses it.
     * GetOffsets: kafka-pixy's PartitionOffset fields, sparse_acks as "2-4,10-11"; an unknown
     * topic is NOT_FOUND (kafka-pixy's proto). SetOffsets reads partition, offset and metadata of
     * each entry, as kafka-pixy does. ListConsumers: group -> member -> partitions, cluster-wide
     * from Kafka.
     */
    private static final Logger LOG = LoggerFactory.getLogger(PixyGrpcConsume.class);

    private final GrpcApi api;

    /** The server instance's anonymous context; each call's own is {@link GrpcApi.Call#caller}. */
    private final CallContext base;

    PixyGrpcConsume(GrpcApi api, CallContext caller) {
        this.api = api;
        this.base = caller;
    }

    void bind(GrpcServer s) {
        api.unary(s, base, KafkaPixyGrpcService.ConsumeNAck, this::consumeNAck);
        api.unary(s, base, KafkaPixyGrpcService.Ack, this::ack);
        api.unary(s, base, KafkaPixyGrpcService.GetOffsets, this::getOffsets);
        api.unary(s, base, KafkaPixyGrpcService.SetOffsets, this::setOffsets);
        api.unary(s, base, KafkaPixyGrpcService.ListConsumers, this::listConsumers);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void consumeNAck(ConsNAckRq rq, GrpcApi.Call<ConsRs> call) {
        PixyConsume.AckMode mode =
                rq.getNoAck()
                        ? PixyConsume.AckMode.NONE
                        : rq.getAutoAck() ? PixyConsume.AckMode.AUTO : PixyConsume.AckMode.GIVEN;
        String cluster = rq.getCluster();
        String group = rq.getGroup();
        CompletableFuture<ConsumedMessage> next =
                api.pixyConsume.consumeNAck(
                        call.caller(),
                        cluster,
                        rq.getTopic(),
                        group,
                        mode,
                        rq.getAckPartition(),
                        rq.getAckOffset());
        call.onCancel(() -> next.cancel(false));
        next.whenComplete(
                (m, e) -> {
                    if (next.isCancelled()) {
                        return; // its client went away: nothing to answer, nothing taken
                    }
                    if (e != null) {
                        failed(call, e);
                        return;
                    }
                    ConsRs rs;
                    try {
                        rs = message(m);
                    } catch (RuntimeException bug) {
                        LOG.error("ConsumeNAck: cannot build the answer", bug);
                        giveBack(mode, cluster, group, m);
                        call.fail(
                                GrpcStatus.INTERNAL,
                                "internal_error",
                                "the gateway failed to answer (logged on the gateway)");
                        return;
                    }
                    call.ok(rs, () -> giveBack(mode, cluster, group, m));
                });
    }

    private void giveBack(
            PixyConsume.AckMode mode, String cluster, String group, ConsumedMessage m) {
        if (mode != PixyConsume.AckMode.AUTO) {
            api.consume.giveBack(cluster, group, List.of(m));
        }
    }

    private static ConsRs message(ConsumedMessage m) {
        ConsRs.Builder b =
                ConsRs.newBuilder()
                        .setPartition(m.partition())
                        .setOffset(m.offset())
                        .setKeyUndefined(m.key() == null);
        if (m.key() != null) {
            b.setKeyValue(ByteString.copyFrom(m.key()));
        }
        if (m.value() != null) {
            b.setMessage(ByteString.copyFrom(m.value()));
        }
        for (Header h : m.headers()) {
            b.addHeaders(
                    RecordHeader.newBuilder()
                            .setKey(h.key())
                            .setValue(
                                    h.value() == null
                                            ? ByteString.EMPTY
                                            : ByteString.copyFrom(h.value())));
        }
        return b.build();
    }

    private void ack(AckRq rq, GrpcApi.Call<AckRs> call) {
        try {
            api.consume.ack(
                    call.caller(),
                    rq.getCluster(),
                    rq.getTopic(),
                    rq.getGroup(),
                    rq.getPartition(),
                    rq.getOffset());
            call.ok(AckRs.getDefaultInstance());
        } catch (ConsumeRefused r) {
            GrpcStatuses.failPixy(call, r);
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void getOffsets(GetOffsetsRq rq, GrpcApi.Call<GetOffsetsRs> call) {
        CompletableFuture<List<io.ferry.kafka.consume.PartitionOffset>> f;
        try {
            f = api.consume.offsets(call.caller(), rq.getCluster(), rq.getTopic(), rq.getGroup());
        } catch (ConsumeRefused r) {
            GrpcStatuses.failPixy(call, r);
            return;
        }
        f.whenComplete(
                (offsets, e) -> {
                    if (e != null) {
                        failed(call, e);
                        return;
                    }
                    GetOffsetsRs.Builder b = GetOffsetsRs.newBuilder();
                    for (io.ferry.kafka.consume.PartitionOffset o : offsets) {
                        b.addOffsets(
                                PartitionOffset.newBuilder()
                                        .setPartition(o.partition())
                                        .setBegin(o.begin())
                                        .setEnd(o.end())
                                        .setCount(o.count())
                                        .setOffset(o.offset())
                                        .setLag(o.lag())
                                        .setMetadata(o.metadata())
                                        .setSparseAcks(o.sparseAcks()));
                    }
                    call.ok(b.build());
                });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void setOffsets(SetOffsetsRq rq, GrpcApi.Call<SetOffsetsRs> call) {
        List<OffsetToSet> to = new ArrayList<>(rq.getOffsetsCount());
        try {
            for (PartitionOffset o : rq.getOffsetsList()) {
                to.add(new OffsetToSet(o.getPartition(), o.getOffset(), o.getMetadata()));
            }
        } catch (IllegalArgumentException bad) {
            call.fail(
                    GrpcStatus.INVALID_ARGUMENT,
                    "invalid_request",
                    "SetOffsets: " + bad.getMessage());
            return;
        }
        CompletableFuture<Void> f;
        try {
            f =
                    api.consume.setOffsets(
                            call.caller(), rq.getCluster(), rq.getTopic(), rq.getGroup(), to);
        } catch (ConsumeRefused r) {
            GrpcStatuses.failPixy(call, r);
            return;
        }
        f.whenComplete(
                (v, e) -> {
                    if (e != null) {
                        failed(call, e);
                    } else {
                        call.ok(SetOffsetsRs.getDefaultInstance());
                    }
                });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void listConsumers(ListConsumersRq rq, GrpcApi.Call<ListConsumersRs> call) {
        CompletableFuture<Map<String, Map<String, List<Integer>>>> f;
        try {
            f = api.consume.consumers(call.caller(), rq.getCluster(), rq.getTopic(), rq.getGroup());
        } catch (ConsumeRefused r) {
            GrpcStatuses.failPixy(call, r);
            return;
        }
        f.whenComplete(
                (groups, e) -> {
                    if (e != null) {
                        failed(call, e);
                        return;
                    }
                    ListConsumersRs.Builder b = ListConsumersRs.newBuilder();
                    for (Map.Entry<String, Map<String, List<Integer>>> g : groups.entrySet()) {
                        ConsumerGroups.Builder members = ConsumerGroups.newBuilder();
                        g.getValue()
                                .forEach(
                                        (member, partitions) ->
                                                members.putConsumers(
                                                        member,
                                                        ConsumerPartitions.newBuilder()
                                                                .addAllPartitions(partitions)
                                                                .build()));
                        b.putGroups(g.getKey(), members.build());
                    }
                    call.ok(b.build());
                });
    }

    /** Ends {@code call} with kafka-pixy's status for a failed future of the services. */
    private static void failed(GrpcApi.Call<?> call, Throwable e) {
        Throwable t =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause()
                        : e;
        if (t instanceof PixyConsume.LongPollTimeout timeout) {
            call.fail(GrpcStatus.NOT_FOUND, "long_poll_timeout", timeout.getMessage());
        } else {
            GrpcStatuses.failPixy(call, ConsumeService.refusal(t));
        }
    }
}
