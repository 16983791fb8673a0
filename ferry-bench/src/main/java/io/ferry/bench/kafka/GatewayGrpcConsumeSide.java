package io.ferry.bench.kafka;

import io.ferry.gateway.Gateway;
import io.ferry.gateway.grpc.v1.ConsumeRequest;
import io.ferry.gateway.grpc.v1.ConsumeResponse;
import io.ferry.gateway.grpc.v1.Message;
import io.ferry.gateway.grpc.v1.PartitionOffsets;
import io.ferry.gateway.grpc.v1.Subscribe;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Ferry's gateway over its gRPC consume stream (issue 14): a fresh gateway per read, in this JVM,
 * on the same Kafka; one {@code ferry.v1.Ferry/Consume} stream with grpc-java's client (its Netty
 * transport, HTTP/2 cleartext), the credit kept topped up to {@code --grpc-credit} outstanding, and
 * ONE ACK PER MESSAGE: each message's offset in an acks list, the acks of what one poll received in
 * one frame together with the credit they free.
 */
final class GatewayGrpcConsumeSide implements ConsumeSide {
    static final MethodDescriptor<ConsumeRequest, ConsumeResponse> CONSUME =
            MethodDescriptor.<ConsumeRequest, ConsumeResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName("ferry.v1.Ferry/Consume")
                    .setRequestMarshaller(
                            ProtoUtils.marshaller(ConsumeRequest.getDefaultInstance()))
                    .setResponseMarshaller(
                            ProtoUtils.marshaller(ConsumeResponse.getDefaultInstance()))
                    .build();

    private final ConsumeBenchOptions options;

    GatewayGrpcConsumeSide(ConsumeBenchOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "Gateway gRPC";
    }

    @Override
    public Session open(String group) {
        return new GrpcSession(
                GatewayHttpConsumeSide.gateway(options), group, options.grpcCredit());
    }

    private static final class GrpcSession implements Session {
        private final Gateway gateway;
        private final String group;
        private final int credit;
        private final ManagedChannel channel;
        private final LinkedBlockingQueue<ConsumeResponse> frames = new LinkedBlockingQueue<>();
        private final CompletableFuture<Status> closed = new CompletableFuture<>();
        private ClientCallStreamObserver<ConsumeRequest> requests;
        private long framesIn;
        private long framesOut;
        private long messages;

        GrpcSession(Gateway gateway, String group, int credit) {
            this.gateway = gateway;
            this.group = group;
            this.credit = credit;
            this.channel =
                    ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort())
                            .usePlaintext()
                            .maxInboundMessageSize(64 << 20)
                            .build();
        }

        @Override
        public void subscribe(String topic) {
            StreamObserver<ConsumeResponse> in =
                    new StreamObserver<>() {
                        @Override
                        public void onNext(ConsumeResponse r) {
                            frames.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
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
            requests.onNext(
                    ConsumeRequest.newBuilder()
                            .setSubscribe(Subscribe.newBuilder().setTopic(topic).setGroup(group))
                            .setCredit(credit)
                            .build());
            framesOut++;
        }

        @Override
        public int poll(RecordSink sink) throws InterruptedException {
            ConsumeResponse f = frames.poll(1, TimeUnit.SECONDS);
            if (f == null) {
                failIfClosed();
                return 0;
            }
            List<ConsumeResponse> got = new ArrayList<>();
            got.add(f);
            frames.drainTo(got);
            // one PartitionOffsets per partition met, one offset per message
            Map<Integer, PartitionOffsets.Builder> acks = new java.util.TreeMap<>();
            int n = 0;
            for (ConsumeResponse r : got) {
                framesIn++;
                if (r.hasError()) {
                    throw new IllegalStateException(
                            "the stream answered an error: "
                                    + r.getError().getCode()
                                    + ": "
                                    + r.getError().getMessage());
                }
                for (Message m : r.getMessagesList()) {
                    sink.record(
                            m.getPartition(),
                            m.getOffset(),
                            m.hasValue() ? m.getValue().toByteArray() : null);
                    acks.computeIfAbsent(
                                    m.getPartition(),
                                    p -> PartitionOffsets.newBuilder().setPartition(p))
                            .addOffsets(m.getOffset());
                    n++;
                }
            }
            ConsumeRequest.Builder rq = ConsumeRequest.newBuilder().setCredit(n);
            acks.values().forEach(rq::addAcks);
            requests.onNext(rq.build());
            framesOut++;
            messages += n;
            return n;
        }

        private void failIfClosed() {
            Status s = closed.getNow(null);
            if (s != null) {
                throw new IllegalStateException("the consume stream ended: " + s);
            }
        }

        @Override
        public long fetchRequests() {
            return -1;
        }

        @Override
        public String fetchNote() {
            return String.format(
                    Locale.ROOT,
                    "one gRPC stream: %,d frames in (%.0f messages each), %,d frames out (acks"
                            + " and credit), credit %d",
                    framesIn,
                    framesIn == 0 ? 0.0 : (double) messages / framesIn,
                    framesOut,
                    credit);
        }

        @Override
        public void close() {
            try {
                if (requests != null) {
                    requests.onCompleted();
                    closed.get(10, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // the stream's end: nothing to report
            } finally {
                channel.shutdownNow();
                gateway.close();
            }
        }
    }
}
