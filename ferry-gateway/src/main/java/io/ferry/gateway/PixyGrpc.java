package io.ferry.gateway;

import io.ferry.broker.Header;
import io.ferry.kafka.TopicInfo;
import io.vertx.grpc.server.GrpcServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import mailgun.kafkapixy.GetTopicMetadataRq;
import mailgun.kafkapixy.GetTopicMetadataRs;
import mailgun.kafkapixy.KafkaPixyGrpcService;
import mailgun.kafkapixy.ListTopicRq;
import mailgun.kafkapixy.ListTopicRs;
import mailgun.kafkapixy.PartitionMetadata;
import mailgun.kafkapixy.ProdRq;
import mailgun.kafkapixy.ProdRs;
import mailgun.kafkapixy.RecordHeader;

/**
 * kafka-pixy's gRPC service ({@code KafkaPixy}, {@code kafkapixy.proto}) over the produce service
 * and the cluster queries, with kafka-pixy's meanings and status codes ({@link GrpcStatuses#pixy});
 * the event-loop thread of each call. The consume RPCs (ConsumeNAck, Ack, GetOffsets, SetOffsets,
 * ListConsumers) are {@link PixyGrpcConsume}'s, over the consume service.
 */
final class PixyGrpc {
    /* Design notes
     * Produce: synchronous by default, i.e. ack=kafka, answered with the partition and offset
     * Kafka gave; async_mode is ack=local (answered once the broker holds the message, which for
     * a durable broker means stored), with an empty ProdRs, as kafka-pixy answers it. key_undefined
     * is a null key; otherwise key_value is the key, an empty one included. An empty cluster is
     * the default cluster.
     * ListTopics with_partitions describes each topic (one bounded metadata refresh each, all at
     * once); GetTopicMetadata's config map is empty: Ferry does not read topic configs for it.
     */
    private static final ProdRs ASYNC_ANSWER = ProdRs.getDefaultInstance();

    private final GrpcApi api;

    /** The server instance's anonymous context; each call's own is {@link GrpcApi.Call#caller}. */
    private final CallContext base;

    PixyGrpc(GrpcApi api, CallContext caller) {
        this.api = api;
        this.base = caller;
    }

    void bind(GrpcServer s) {
        api.unary(s, base, KafkaPixyGrpcService.Produce, this::produce);
        api.unary(s, base, KafkaPixyGrpcService.ListTopics, this::listTopics);
        api.unary(s, base, KafkaPixyGrpcService.GetTopicMetadata, this::getTopicMetadata);
        new PixyGrpcConsume(api, base).bind(s);
    }

    private void produce(ProdRq rq, GrpcApi.Call<ProdRs> call) {
        List<Header> headers = List.of();
        int n = rq.getHeadersCount();
        if (n > 0) {
            Header[] hs = new Header[n];
            for (int i = 0; i < n; i++) {
                RecordHeader h = rq.getHeaders(i);
                hs[i] = new Header(h.getKey(), h.getValue().toByteArray());
            }
            headers = List.of(hs);
        }
        ProduceRecord r =
                new ProduceRecord(
                        ProduceRecord.NO_PARTITION,
                        rq.getKeyUndefined() ? null : rq.getKeyValue().toByteArray(),
                        rq.getMessage().toByteArray(),
                        headers,
                        ProduceRecord.NO_TIMESTAMP);
        boolean async = rq.getAsyncMode();
        api.produce.produce(
                call.caller(),
                api.cluster(rq.getCluster()),
                rq.getTopic(),
                List.of(r),
                async ? AckLevel.LOCAL : AckLevel.KAFKA,
                result -> {
                    ProduceRefusal why = result.refusal();
                    if (why == null && !result.record(0).ok()) {
                        why = result.record(0).failure();
                    }
                    if (why != null) {
                        GrpcStatuses.failPixy(call, why);
                    } else if (async) {
                        call.ok(ASYNC_ANSWER);
                    } else {
                        RecordResult one = result.record(0);
                        call.ok(
                                ProdRs.newBuilder()
                                        .setPartition(one.partition())
                                        .setOffset(one.offset())
                                        .build());
                    }
                });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void listTopics(ListTopicRq rq, GrpcApi.Call<ListTopicRs> call) {
        String cluster = api.cluster(rq.getCluster());
        api.queries
                .listTopics(call.caller(), cluster)
                .whenComplete(
                        (a, err) -> {
                            if (failed(call, a, err)) {
                                return;
                            }
                            List<String> names = a.value().topics();
                            if (!rq.getWithPartitions()) {
                                ListTopicRs.Builder b = ListTopicRs.newBuilder();
                                GetTopicMetadataRs empty = GetTopicMetadataRs.getDefaultInstance();
                                for (String t : names) {
                                    b.putTopics(t, empty);
                                }
                                call.ok(b.build());
                                return;
                            }
                            describeAll(cluster, names, call);
                        });
    }

    /** ListTopics with_partitions: every topic described, answered once all are. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void describeAll(String cluster, List<String> names, GrpcApi.Call<ListTopicRs> call) {
        List<CompletableFuture<ClusterQueries.Answer<ClusterQueries.TopicDescription>>> all =
                new ArrayList<>(names.size());
        for (String t : names) {
            all.add(api.queries.describeTopic(call.caller(), cluster, t).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                .whenComplete(
                        (v, err) ->
                                call.caller()
                                        .executor()
                                        .execute(
                                                () -> {
                                                    Map<String, GetTopicMetadataRs> topics =
                                                            new TreeMap<>();
                                                    for (var f : all) {
                                                        var a = f.getNow(null);
                                                        // a topic deleted meanwhile is left out
                                                        if (a != null && a.value() != null) {
                                                            topics.put(
                                                                    a.value().topic().name(),
                                                                    metadata(a.value(), true));
                                                        }
                                                    }
                                                    call.ok(
                                                            ListTopicRs.newBuilder()
                                                                    .putAllTopics(topics)
                                                                    .build());
                                                }));
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void getTopicMetadata(GetTopicMetadataRq rq, GrpcApi.Call<GetTopicMetadataRs> call) {
        CompletionStage<ClusterQueries.Answer<ClusterQueries.TopicDescription>> stage =
                api.queries.describeTopic(
                        call.caller(), api.cluster(rq.getCluster()), rq.getTopic());
        stage.whenComplete(
                (a, err) -> {
                    if (!failed(call, a, err)) {
                        call.ok(metadata(a.value(), rq.getWithPartitions()));
                    }
                });
    }

    private static GetTopicMetadataRs metadata(
            ClusterQueries.TopicDescription d, boolean withPartitions) {
        GetTopicMetadataRs.Builder b = GetTopicMetadataRs.newBuilder();
        if (withPartitions) {
            for (TopicInfo.Partition p : d.topic().partitions()) {
                b.addPartitions(
                        PartitionMetadata.newBuilder()
                                .setPartition(p.partition())
                                .setLeader(p.leader())
                                .addAllReplicas(p.replicas())
                                .addAllIsr(p.isr()));
            }
        }
        return b.build();
    }

    /** Ends {@code call} when the query failed or was refused; true when it did. */
    private static boolean failed(GrpcApi.Call<?> call, ClusterQueries.Answer<?> a, Throwable err) {
        if (err != null) {
            call.fail(
                    io.vertx.grpc.common.GrpcStatus.INTERNAL,
                    "internal_error",
                    "the gateway failed to answer: " + ApiException.describe(err));
            return true;
        }
        if (a.refusal() != null) {
            GrpcStatuses.failPixy(call, a.refusal());
            return true;
        }
        return false;
    }
}
