package io.ferry.gateway;

import io.ferry.gateway.grpc.v1.ConsumeRequest;
import io.ferry.gateway.grpc.v1.ConsumeResponse;
import io.ferry.gateway.grpc.v1.OffsetRange;
import io.ferry.gateway.grpc.v1.PartitionOffsets;
import io.ferry.gateway.grpc.v1.Subscribe;
import io.ferry.kafka.consume.ConsumedMessage;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One call of {@code ferry.v1.Ferry/Consume}: a bidirectional stream that offers a topic's messages
 * for a group as the client's credit allows, and applies the acknowledgements and releases the
 * client sends on it; the event-loop thread of the call only (the consume service's futures
 * complete there too), except {@link #shutdown}, which hops there.
 */
final class FerryConsumeStream {
    /* Design notes
     * Flow control, no polling: the first client frame subscribes (cluster, topic, group); the
     * stream then leases the group (ConsumeService.lease: the topic is checked, the group joined,
     * and it is not left as idle while the stream is open). Credit accumulates; while it is above 0
     * and the response is writable, exactly one take is outstanding, for up to min(credit, BATCH,
     * consume.max-messages) messages, waiting up to consume.max-wait-ms; its messages go out in
     * ONE ConsumeResponse (encoded straight from the engine's messages: ConsumeFrames) and the
     * credit drops by their number. A take that comes back empty is
     * issued again. So a client that stops granting credit gets nothing more, and its stream holds
     * no long poll (no consume.max-waiting slot). Back-pressure: a full write queue stops the
     * takes until the drain handler.
     * Acknowledgements and releases go to the service one by one, against the leased group
     * (checked once, when leased: no per-message name checks on the hot path); a refused one
     * (never_offered, not_owned) is answered with an error frame, and the stream goes on. Each
     * message sent is tracked (StreamOffers) until the client acknowledges or releases it; when
     * the stream ends for any reason (the client half-closes, cancels, the connection drops, the
     * gateway shuts down, a refusal) the outstanding take is cancelled (it takes nothing; messages
     * that arrived in the race are given back by the service) and every tracked message is given
     * back (ConsumeService.giveBack: offered again at once, to another stream, not counted as an
     * attempt; deliveryCount counts it). A message whose ack timeout passed while this stream held
     * it may have been offered to another stream meanwhile; giving it back then can offer it once
     * more (at least once, never lost).
     * A quiet stream (no credit, or nothing to consume) keeps its connection alive against
     * gateway.idle-timeout-ms with an HTTP/2 PING every third of it: nothing the client sees.
     * Shutdown: GrpcApi.beginShutdown ends every stream with UNAVAILABLE (shutting_down) before
     * the consume service closes; a take that the closing service fails (CLOSING) ends it the same
     * way.
     */
    /** The most messages one frame carries. */
    static final int BATCH = 500;

    private final GrpcApi api;
    private final CallContext caller;
    private final GrpcServerRequest<ConsumeRequest, ConsumeResponse> request;
    private final GrpcServerResponse<ConsumeRequest, ConsumeResponse> response;
    private final GrpcApi.Call<ConsumeResponse> call;
    private final ConsumeService service;
    private final Context context;
    private final StreamOffers sent = new StreamOffers();
    private final Runnable shutdownHook = this::shutdown;

    private boolean subscribed;
    private ConsumeCluster cluster;
    private String topic;
    private String group;
    private ConsumeCluster.Group lease;
    private long credit;
    private boolean writable = true;
    private CompletableFuture<List<ConsumedMessage>> taking;
    private long pingTimer = -1;
    private long lastTrafficNanos = System.nanoTime();

    FerryConsumeStream(
            GrpcApi api,
            CallContext caller,
            GrpcServerRequest<ConsumeRequest, ConsumeResponse> request,
            GrpcApi.Call<ConsumeResponse> call) {
        this.api = api;
        this.caller = caller;
        this.request = request;
        this.response = request.response();
        this.call = call;
        this.service = api.consume();
        this.context = Vertx.currentContext();
    }

    /** Sets the stream's handlers; on the call's event loop. */
    void start() {
        call.onFinish(this::cleanup);
        if (!api.register(shutdownHook)) {
            shuttingDown();
            return;
        }
        request.handler(this::frame);
        request.endHandler(v -> call.end()); // the client half-closed: it acknowledges no more
        request.exceptionHandler(e -> call.cancelled()); // the connection went away
        request.errorHandler(e -> call.cancelled()); // the client reset the stream
        response.exceptionHandler(e -> call.cancelled());
        response.drainHandler(
                v -> {
                    writable = true;
                    pump();
                });
        long everyMs = Math.max(100, api.idleTimeoutMs() / 3);
        pingTimer = context.owner().setPeriodic(everyMs, everyMs, id -> keepAlive(everyMs));
    }

    private void frame(ConsumeRequest rq) {
        if (call.done()) {
            return;
        }
        lastTrafficNanos = System.nanoTime();
        try {
            if (!subscribed) {
                if (!rq.hasSubscribe()) {
                    call.fail(
                            GrpcStatus.INVALID_ARGUMENT,
                            "invalid_request",
                            "the first ConsumeRequest of a stream must carry subscribe {cluster,"
                                    + " topic, group}; it had none");
                    return;
                }
                subscribe(rq.getSubscribe());
                if (call.done()) {
                    return;
                }
            } else if (rq.hasSubscribe()) {
                call.fail(
                        GrpcStatus.INVALID_ARGUMENT,
                        "invalid_request",
                        "subscribe comes in the first ConsumeRequest only; this stream reads topic '"
                                + topic
                                + "' for group '"
                                + group
                                + "' (open another stream for another)");
                return;
            }
            if (rq.getAcksCount() > 0) {
                acks(rq.getAcksList());
            }
            if (rq.getReleasesCount() > 0) {
                releases(rq.getReleasesList());
            }
            credit = Math.min(Long.MAX_VALUE / 2, credit + Integer.toUnsignedLong(rq.getCredit()));
            pump();
        } catch (ConsumeRefused r) {
            GrpcStatuses.failFerry(call, r);
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete handles every outcome
    private void subscribe(Subscribe s) {
        subscribed = true;
        cluster = service.cluster(s.getCluster());
        topic = s.getTopic();
        group = s.getGroup();
        service.lease(caller, cluster.name, topic, group)
                .whenComplete(
                        (g, e) -> {
                            if (call.done()) {
                                if (g != null) {
                                    g.unlease(); // the stream ended meanwhile
                                }
                            } else if (e != null) {
                                GrpcStatuses.failFerry(call, ConsumeService.refusal(e));
                            } else {
                                lease = g;
                                pump();
                            }
                        });
    }

    /** Keeps one take outstanding while there is credit and room to write. */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete handles every outcome
    private void pump() {
        if (call.done() || lease == null || taking != null || credit <= 0 || !writable) {
            return;
        }
        int max = (int) Math.min(credit, Math.min(BATCH, cluster.config.maxMessages()));
        CompletableFuture<List<ConsumedMessage>> t =
                service.take(
                        caller,
                        cluster.name,
                        topic,
                        group,
                        max,
                        Duration.ofMillis(cluster.config.maxWaitMs()));
        taking = t;
        t.whenComplete(
                (messages, e) -> {
                    if (taking == t) {
                        taking = null;
                    }
                    if (t.isCancelled()) {
                        return; // the stream ended: nothing was taken
                    }
                    if (call.done()) {
                        if (messages != null) {
                            service.giveBack(cluster.name, group, messages);
                        }
                        return;
                    }
                    if (e != null) {
                        GrpcStatuses.failFerry(call, ConsumeService.refusal(e));
                        return;
                    }
                    if (!messages.isEmpty()) {
                        send(messages);
                    }
                    pump();
                });
    }

    private void send(List<ConsumedMessage> messages) {
        for (ConsumedMessage m : messages) {
            sent.sent(m.partition(), m.offset());
        }
        credit -= messages.size();
        GrpcMessage frame =
                GrpcMessage.message(
                        "identity",
                        WireFormat.PROTOBUF,
                        // wrapped, not copied: Buffer.buffer(byte[]) copies the frame (500
                        // messages, ~65 KB) into a new heap buffer
                        BufferInternal.buffer(
                                Unpooled.wrappedBuffer(ConsumeFrames.encode(messages))));
        written(() -> response.writeMessage(frame));
    }

    private void write(ConsumeResponse frame) {
        written(() -> response.write(frame));
    }

    /** Runs a write; a stream gone meanwhile is cancelled (what it was sent is given back). */
    private void written(Supplier<Future<Void>> write) {
        lastTrafficNanos = System.nanoTime();
        try {
            write.get().onFailure(e -> call.cancelled());
        } catch (IllegalStateException gone) {
            call.cancelled();
            return;
        }
        if (response.writeQueueFull()) {
            writable = false;
        }
    }

    private void acks(List<PartitionOffsets> acks) {
        StreamRefusals no = new StreamRefusals("acknowledgements");
        for (PartitionOffsets po : acks) {
            int p = po.getPartition();
            for (int i = 0; i < po.getOffsetsCount(); i++) {
                long o = po.getOffsets(i);
                no.item();
                try {
                    if (lease != null) {
                        service.ack(lease, topic, p, o);
                    } else {
                        service.ack(caller, cluster.name, topic, group, p, o);
                    }
                } catch (ConsumeRefused r) {
                    no.refused(r);
                }
                sent.done(p, o);
            }
            for (OffsetRange r : po.getRangesList()) {
                no.item();
                try {
                    if (lease != null) {
                        service.ackRange(lease, topic, p, r.getFrom(), r.getTo());
                    } else {
                        service.ackRange(
                                caller, cluster.name, topic, group, p, r.getFrom(), r.getTo());
                    }
                } catch (ConsumeRefused x) {
                    no.refused(x);
                }
                sent.done(p, r.getFrom(), r.getTo());
            }
        }
        refused(no);
    }

    private void releases(List<PartitionOffsets> releases) {
        StreamRefusals no = new StreamRefusals("releases");
        for (PartitionOffsets po : releases) {
            int p = po.getPartition();
            for (int i = 0; i < po.getOffsetsCount(); i++) {
                long o = po.getOffsets(i);
                no.item();
                releaseOne(no, p, o);
            }
            for (OffsetRange r : po.getRangesList()) {
                if (r.getTo() <= r.getFrom() || r.getTo() - r.getFrom() > BATCH * 10L) {
                    no.item();
                    no.refused(
                            new ConsumeRefused(
                                    ConsumeRefused.Code.INVALID_REQUEST,
                                    "the release range ["
                                            + r.getFrom()
                                            + ", "
                                            + r.getTo()
                                            + ") of partition "
                                            + p
                                            + " is empty or longer than "
                                            + BATCH * 10
                                            + "; 'to' is exclusive"));
                    continue;
                }
                for (long o = r.getFrom(); o < r.getTo(); o++) {
                    no.item();
                    releaseOne(no, p, o);
                }
            }
        }
        refused(no);
    }

    private void refused(StreamRefusals no) {
        ConsumeResponse error = no.frame();
        if (error != null && !call.done()) {
            write(error);
        }
    }

    private void releaseOne(StreamRefusals no, int partition, long offset) {
        try {
            if (lease != null) {
                service.release(lease, topic, partition, offset);
            } else {
                service.release(caller, cluster.name, topic, group, partition, offset);
            }
        } catch (ConsumeRefused r) {
            no.refused(r);
        }
        sent.done(partition, offset);
    }

    /** An HTTP/2 PING when nothing went either way for {@code everyMs}: idle-timeout-ms. */
    private void keepAlive(long everyMs) {
        if (call.done() || System.nanoTime() - lastTrafficNanos < everyMs * 1_000_000L) {
            return;
        }
        lastTrafficNanos = System.nanoTime();
        try {
            request.connection().ping(Buffer.buffer(new byte[8]));
        } catch (IllegalStateException gone) {
            call.cancelled();
        }
    }

    /** The gateway begins shutting down; any thread. */
    private void shutdown() {
        context.runOnContext(v -> shuttingDown());
    }

    private void shuttingDown() {
        call.fail(
                GrpcStatus.UNAVAILABLE,
                "shutting_down",
                "the gateway is shutting down; open the stream on another instance"
                        + " (unacknowledged messages are offered again)");
    }

    /** The call ended, however: takes nothing more, gives back what was not acknowledged. */
    private void cleanup() {
        api.unregister(shutdownHook);
        if (pingTimer >= 0) {
            context.owner().cancelTimer(pingTimer);
        }
        CompletableFuture<List<ConsumedMessage>> t = taking;
        taking = null;
        if (t != null) {
            t.cancel(false);
        }
        if (sent.size() > 0) {
            service.giveBack(cluster.name, group, sent.drain(topic));
        }
        if (lease != null) {
            lease.unlease();
            lease = null;
        }
    }
}
