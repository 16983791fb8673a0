package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.grpc.v1.ConsumeRequest;
import io.ferry.gateway.grpc.v1.ConsumeResponse;
import io.ferry.gateway.grpc.v1.Error;
import io.ferry.gateway.grpc.v1.Message;
import io.ferry.gateway.grpc.v1.OffsetRange;
import io.ferry.gateway.grpc.v1.PartitionOffsets;
import io.ferry.gateway.grpc.v1.Subscribe;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One {@code ferry.v1.Ferry/Consume} stream opened with grpc-java's async stub machinery (an
 * independent client): what it sends, from the test thread, and what it received, from grpc-java's
 * threads (kept in thread-safe lists).
 */
final class ConsumeStream implements AutoCloseable {
    static final MethodDescriptor<ConsumeRequest, ConsumeResponse> CONSUME =
            MethodDescriptor.<ConsumeRequest, ConsumeResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName("ferry.v1.Ferry/Consume")
                    .setRequestMarshaller(
                            ProtoUtils.marshaller(ConsumeRequest.getDefaultInstance()))
                    .setResponseMarshaller(
                            ProtoUtils.marshaller(ConsumeResponse.getDefaultInstance()))
                    .build();

    /** The frames received, in order. */
    final List<ConsumeResponse> frames = new CopyOnWriteArrayList<>();

    /** Completes with the status the call ended with (OK, or the server's or the client's). */
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    private volatile Metadata trailers;
    private final ClientCallStreamObserver<ConsumeRequest> requests;

    ConsumeStream(Channel channel) {
        StreamObserver<ConsumeResponse> in =
                new StreamObserver<>() {
                    @Override
                    public void onNext(ConsumeResponse r) {
                        frames.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        trailers = Status.trailersFromThrowable(t);
                        closed.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        closed.complete(Status.OK);
                    }
                };
        requests =
                (ClientCallStreamObserver<ConsumeRequest>)
                        ClientCalls.asyncBidiStreamingCall(
                                channel.newCall(CONSUME, CallOptions.DEFAULT), in);
    }

    static Subscribe.Builder subscription(String topic, String group) {
        return Subscribe.newBuilder().setTopic(topic).setGroup(group);
    }

    ConsumeStream subscribe(Subscribe.Builder s, int credit) {
        return send(ConsumeRequest.newBuilder().setSubscribe(s).setCredit(credit));
    }

    ConsumeStream subscribe(String topic, String group, int credit) {
        return subscribe(subscription(topic, group), credit);
    }

    ConsumeStream credit(int n) {
        return send(ConsumeRequest.newBuilder().setCredit(n));
    }

    ConsumeStream send(ConsumeRequest.Builder rq) {
        requests.onNext(rq.build());
        return this;
    }

    /** Acknowledges {@code offsets} of {@code partition}, one by one in the list. */
    ConsumeStream ack(int partition, long... offsets) {
        PartitionOffsets.Builder p = PartitionOffsets.newBuilder().setPartition(partition);
        for (long o : offsets) {
            p.addOffsets(o);
        }
        return send(ConsumeRequest.newBuilder().addAcks(p));
    }

    /** Acknowledges {@code [from, to)} of {@code partition}. */
    ConsumeStream ackRange(int partition, long from, long to) {
        return send(
                ConsumeRequest.newBuilder()
                        .addAcks(
                                PartitionOffsets.newBuilder()
                                        .setPartition(partition)
                                        .addRanges(
                                                OffsetRange.newBuilder().setFrom(from).setTo(to))));
    }

    /** Every message received so far, in order. */
    List<Message> messages() {
        List<Message> all = new ArrayList<>();
        for (ConsumeResponse f : frames) {
            all.addAll(f.getMessagesList());
        }
        return all;
    }

    /** Every error frame received so far. */
    List<Error> errors() {
        List<Error> all = new ArrayList<>();
        for (ConsumeResponse f : frames) {
            if (f.hasError()) {
                all.add(f.getError());
            }
        }
        return all;
    }

    /** Waits until {@code n} messages arrived in all (at most 30 s); returns them. */
    List<Message> awaitMessages(int n) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(messages()).hasSize(n));
        return messages();
    }

    /** Waits until {@code n} error frames arrived (at most 30 s); returns them. */
    List<Error> awaitErrors(int n) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(errors()).hasSize(n));
        return errors();
    }

    /** The client is done: no more frames from it. */
    void halfClose() {
        requests.onCompleted();
    }

    /** Cancels the call (an HTTP/2 RST_STREAM). */
    void cancel() {
        requests.cancel("the test cancels", null);
    }

    /** The status the call ended with, waiting up to 30 s. */
    Status status() throws Exception {
        return closed.get(30, TimeUnit.SECONDS);
    }

    /** The {@code ferry-error-code} trailer of the end, or null. */
    String errorCode() {
        Metadata t = trailers;
        return t == null
                ? null
                : t.get(
                        Metadata.Key.of(
                                GrpcApi.ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER));
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            cancel();
        }
    }
}
