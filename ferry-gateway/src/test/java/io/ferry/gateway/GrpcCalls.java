package io.ferry.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java client of any gRPC method by its full name, with messages of any generated protobuf
 * class (the gateway's own, from src/main/proto): the tests' independent client of Ferry's service.
 * One channel (HTTP/2 cleartext, prior knowledge) per instance; thread-safe as grpc-java's channel.
 */
final class GrpcCalls implements AutoCloseable {
    private final ManagedChannel channel;

    GrpcCalls(int port) {
        this.channel =
                ManagedChannelBuilder.forAddress("127.0.0.1", port)
                        .usePlaintext()
                        .maxInboundMessageSize(64 << 20)
                        .build();
    }

    /** A client on {@code channel} (TLS, say); closing this closes it. */
    GrpcCalls(ManagedChannel channel) {
        this.channel = channel;
    }

    ManagedChannel channel() {
        return channel;
    }

    /** Calls unary method {@code fullName} ("package.Service/Method"), 30 s deadline. */
    @SuppressWarnings("unchecked")
    <Req extends Message, Resp extends Message> Resp unary(
            String fullName, Req request, Resp responsePrototype) {
        MethodDescriptor<Req, Resp> m =
                MethodDescriptor.<Req, Resp>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(fullName)
                        .setRequestMarshaller(
                                ProtoUtils.marshaller((Req) request.getDefaultInstanceForType()))
                        .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
                        .build();
        return ClientCalls.blockingUnaryCall(
                channel, m, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
    }

    /**
     * Calls unary method {@code fullName} with {@code headers} as the call's metadata (credentials:
     * {@code authorization}, {@code x-api-key}), 30 s deadline.
     */
    @SuppressWarnings("unchecked")
    <Req extends Message, Resp extends Message> Resp unary(
            String fullName, Req request, Resp responsePrototype, Metadata headers) {
        MethodDescriptor<Req, Resp> m =
                MethodDescriptor.<Req, Resp>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(fullName)
                        .setRequestMarshaller(
                                ProtoUtils.marshaller((Req) request.getDefaultInstanceForType()))
                        .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
                        .build();
        io.grpc.Channel ch =
                io.grpc.ClientInterceptors.intercept(
                        channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
        return ClientCalls.blockingUnaryCall(
                ch, m, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
    }

    /** Metadata of one ASCII header {@code name}: {@code value}. */
    static Metadata header(String name, String value) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        return md;
    }

    /** The status a failed call ended with. */
    static Status status(StatusRuntimeException e) {
        return e.getStatus();
    }

    /** The {@code ferry-error-code} trailer of a failed call, or null. */
    static String errorCode(StatusRuntimeException e) {
        Metadata t = e.getTrailers();
        return t == null
                ? null
                : t.get(
                        Metadata.Key.of(
                                GrpcApi.ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
