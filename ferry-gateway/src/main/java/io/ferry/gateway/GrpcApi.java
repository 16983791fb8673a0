package io.ferry.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcProtocol;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC front end: per HTTP server instance a Vert.x {@link GrpcServer} with Ferry's own service
 * ({@link FerryGrpc}) and kafka-pixy's ({@link PixyGrpc}) over the transport-neutral services.
 * {@link #server} is called on the instance's event loop, and every call runs on the event loop of
 * its connection; the count of calls in progress is shared (an atomic).
 */
final class GrpcApi {
    /* Design notes
     * Dispatch: the HTTP servers that serve gRPC (Gateway.deploy) send every request whose
     * content-type starts with application/grpc here, the rest to HttpApi (the gRPC port, 19091
     * by default, or the HTTP port with gateway.grpc.port: same). Only
     * gRPC over HTTP/2 is enabled (no gRPC-Web, no transcoding).
     * A call is admitted like an HTTP request (refused while the gateway failed or shuts down, and
     * beyond gateway.max-concurrent-requests, counting HTTP requests and gRPC calls apart), then
     * counted in progress until it is answered or the client cancels it, so a graceful shutdown
     * waits for ack=kafka produce calls as it waits for HTTP requests. A long poll (ConsumeNAck)
     * does not hold a shutdown up: the consume service's close answers every waiting poll
     * (CLOSING, i.e. UNAVAILABLE), and calls that come after it are refused at admission.
     * Cancellation: once a unary call's request has ended, Vert.x tells the RESPONSE, not the
     * request, that the client went away (a reset: its gRPC error handler, which Vert.x sets
     * through the request's errorHandler; a closed connection: its exceptionHandler). Both end
     * the call (Call.cancelled) and run its onCancel hook, which a long poll uses to cancel its
     * take.
     * Message size: Vert.x's deframer refuses a message over gateway.grpc.max-message-bytes from
     * its 5-byte prefix and skips its bytes without holding them; the call is answered
     * RESOURCE_EXHAUSTED with a message saying so. A message that is not valid protobuf is
     * INVALID_ARGUMENT.
     * Errors: Call.fail sets the gRPC status, a message for people and, for Ferry's service, the
     * trailer ferry-error-code with the HTTP API's error code (GrpcStatuses has the mapping).
     * Streams (streaming(): the Consume stream) are admitted and counted the same way for their
     * whole life; Call.onFinish runs their cleanup once, however the call ends. They register an
     * end hook that beginShutdown runs, so an open stream ends (UNAVAILABLE) instead of holding
     * the graceful shutdown; register() checks shuttingDown again after adding the hook, so a
     * stream admitted in the race is ended too.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GrpcApi.class);

    /** The trailer carrying the HTTP API's error code of a refused call. */
    static final String ERROR_CODE_TRAILER = "ferry-error-code";

    private static final String GRPC_CONTENT_TYPE = "application/grpc";

    /** The end hooks of the open streams ({@link #register}). */
    private final Set<Runnable> streams = ConcurrentHashMap.newKeySet();

    private final Gateway gateway;
    private final GatewayConfig config;
    final ProduceService produce;
    final ClusterQueries queries;
    final ConsumeService consume;
    final PixyConsume pixyConsume;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** The door of Ferry's API (gateway.security.api): every call passes it, per call. */
    private final Door door;

    GrpcApi(
            Gateway gateway,
            GatewayConfig config,
            ProduceService produce,
            ClusterQueries queries,
            Door door) {
        this.gateway = gateway;
        this.door = door;
        this.config = config;
        this.produce = produce;
        this.queries = queries;
        this.consume =
                java.util.Objects.requireNonNull(
                        gateway.consumeService(), "the consume service starts before gRPC");
        this.pixyConsume = new PixyConsume(consume);
    }

    /** True for a gRPC request: its content-type is {@code application/grpc} or a variant. */
    static boolean isGrpc(HttpServerRequest req) {
        String ct = req.getHeader(HttpHeaders.CONTENT_TYPE);
        return ct != null
                && ct.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0, GRPC_CONTENT_TYPE.length());
    }

    /**
     * The gRPC server of one HTTP server instance; {@code caller} is the instance's anonymous
     * context (its event loop): who its calls are while the door is open, and the executor of the
     * context each call gets when it authenticates ({@link Call#caller}).
     */
    GrpcServer server(Vertx vertx, CallContext caller) {
        GrpcServer s =
                GrpcServer.server(
                        vertx,
                        new GrpcServerOptions()
                                .removeEnabledProtocol(GrpcProtocol.WEB)
                                .removeEnabledProtocol(GrpcProtocol.WEB_TEXT)
                                .removeEnabledProtocol(GrpcProtocol.TRANSCODING)
                                .setMaxMessageSize(config.grpc().maxMessageBytes()));
        new PixyGrpc(this, caller).bind(s);
        new FerryGrpc(this, caller).bind(s);
        return s;
    }

    /** gRPC calls in progress now. */
    int inFlight() {
        return inFlight.get();
    }

    /** The cluster a request names: empty is the default cluster. */
    String cluster(String requested) {
        return requested.isEmpty() ? config.defaultCluster() : requested;
    }

    /** gateway.default-ack. */
    AckLevel defaultAck() {
        return config.defaultAck();
    }

    /**
     * A unary method's implementation: answers {@code call} exactly once, on the caller's loop; who
     * calls is {@link Call#caller}.
     */
    @FunctionalInterface
    interface Unary<Req, Resp> {
        void call(Req request, Call<Resp> call);
    }

    /**
     * Serves unary method {@code m} with {@code impl}; {@code base} is the server instance's
     * anonymous context.
     */
    <Req, Resp> void unary(
            GrpcServer s, CallContext base, ServiceMethod<Req, Resp> m, Unary<Req, Resp> impl) {
        s.callHandler(m, req -> start(req, base, impl));
    }

    /**
     * Answers every call of {@code m} UNIMPLEMENTED, saying {@code why}: a method declared in the
     * .proto that this build does not serve yet.
     */
    <Req, Resp> void unimplemented(GrpcServer s, ServiceMethod<Req, Resp> m, String why) {
        s.callHandler(
                m,
                req ->
                        req.response()
                                .status(GrpcStatus.UNIMPLEMENTED)
                                .statusMessage(m.methodName() + " is not served yet: " + why)
                                .end());
    }

    /** A streaming method's implementation: owns an admitted call, on the caller's loop. */
    @FunctionalInterface
    interface Streaming<Req, Resp> {
        void start(GrpcServerRequest<Req, Resp> request, Call<Resp> call);
    }

    /**
     * Serves streaming method {@code m} with {@code impl}: admitted and counted like a unary call,
     * with the size limit; {@code impl} sets the message, end and error handlers.
     */
    <Req, Resp> void streaming(
            GrpcServer s, CallContext base, ServiceMethod<Req, Resp> m, Streaming<Req, Resp> impl) {
        s.callHandler(
                m,
                req -> {
                    Call<Resp> call = new Call<>(req.response(), req.fullMethodName(), base);
                    if (!admit(call)) {
                        return;
                    }
                    invalidMessages(req, call);
                    if (door.guards()) {
                        passDoor(req, call, () -> startStream(req, call, impl));
                    } else {
                        startStream(req, call, impl);
                    }
                });
    }

    private <Req, Resp> void startStream(
            GrpcServerRequest<Req, Resp> req, Call<Resp> call, Streaming<Req, Resp> impl) {
        try {
            impl.start(req, call);
        } catch (RuntimeException e) {
            LOG.error("gRPC call {} failed", req.fullMethodName(), e);
            call.fail(
                    GrpcStatus.INTERNAL,
                    "internal_error",
                    "the gateway failed to handle the call (logged on the gateway)");
        }
    }

    /**
     * Runs {@code then} once the call passed the door ({@link Call#caller} is then its caller);
     * else ends the call refused (UNAUTHENTICATED, RESOURCE_EXHAUSTED over its rate limit). Only
     * when the door {@link Door#guards}. A call whose verdict comes later is paused meanwhile, so
     * no message is read before its handler is set.
     */
    private void passDoor(GrpcServerRequest<?, ?> req, Call<?> call, Runnable then) {
        AtDoor d = new AtDoor(req, call, then);
        door.pass(req, call.caller, d);
        if (!d.decided) {
            d.paused = true;
            req.pause();
        }
    }

    /** A call at the door: its decision. The call's event loop. */
    private static final class AtDoor implements Door.Decision {
        private final GrpcServerRequest<?, ?> req;
        private final Call<?> call;
        private final Runnable then;
        boolean decided;
        boolean paused;

        AtDoor(GrpcServerRequest<?, ?> req, Call<?> call, Runnable then) {
            this.req = req;
            this.call = call;
            this.then = then;
        }

        @Override
        public void passed(CallContext caller) {
            decided = true;
            call.caller = caller;
            then.run();
            if (paused) {
                req.resume();
            }
        }

        @Override
        public void refused(Door.Refusal why) {
            decided = true;
            call.fail(why.kind().grpcStatus, why.code(), why.message());
        }
    }

    /**
     * Runs {@code end} (any thread) when the gateway begins shutting down, unless {@link
     * #unregister}ed first: an open stream, which would otherwise hold the shutdown.
     *
     * @return false when the gateway is shutting down already ({@code end} is not kept)
     */
    boolean register(Runnable end) {
        streams.add(end);
        if (gateway.shuttingDown()) {
            streams.remove(end);
            return false;
        }
        return true;
    }

    /** Forgets a {@link #register}ed stream (it ended). */
    void unregister(Runnable end) {
        streams.remove(end);
    }

    /** The gateway begins shutting down: ends every open stream. Any thread. */
    void beginShutdown() {
        for (Runnable end : List.copyOf(streams)) {
            end.run();
        }
    }

    /** The consume service, for the consume RPCs. */
    ConsumeService consume() {
        return consume;
    }

    /** gateway.idle-timeout-ms: a connection with no traffic for this long is closed. */
    long idleTimeoutMs() {
        return config.limits().idleTimeoutMs();
    }

    private <Req, Resp> void start(
            GrpcServerRequest<Req, Resp> req, CallContext base, Unary<Req, Resp> impl) {
        Call<Resp> call = new Call<>(req.response(), req.fullMethodName(), base);
        if (!admit(call)) {
            return;
        }
        invalidMessages(req, call);
        if (door.guards()) {
            passDoor(req, call, () -> handlers(req, call, impl));
        } else {
            handlers(req, call, impl); // the open door: nothing made per call
        }
    }

    /** Sets the handlers of an admitted unary call that passed the door. */
    private <Req, Resp> void handlers(
            GrpcServerRequest<Req, Resp> req, Call<Resp> call, Unary<Req, Resp> impl) {
        req.exceptionHandler(err -> call.cancelled()); // the client went away mid-request
        // once the request ended, the response hears of it: a reset, or the connection closed
        req.errorHandler(err -> call.cancelled()); // the response's gRPC error: a reset
        req.response().exceptionHandler(err -> call.cancelled());
        req.handler(
                msg -> {
                    if (call.started) {
                        call.fail(
                                GrpcStatus.INVALID_ARGUMENT,
                                "invalid_request",
                                req.fullMethodName() + " is unary: send one request message");
                        return;
                    }
                    call.started = true;
                    door.grpcMessage(req, call.caller, msg); // its bytes, when they are limited
                    try {
                        impl.call(msg, call);
                    } catch (RuntimeException e) {
                        LOG.error("gRPC call {} failed", req.fullMethodName(), e);
                        call.fail(
                                GrpcStatus.INTERNAL,
                                "internal_error",
                                "the gateway failed to handle the call (logged on the gateway)");
                    }
                });
        req.endHandler(
                v -> {
                    if (!call.started) {
                        call.fail(
                                GrpcStatus.INVALID_ARGUMENT,
                                "invalid_request",
                                "the call ended without a request message");
                    }
                });
    }

    /** Admits a call (counted from now on), or ends it refused; true when admitted. */
    private boolean admit(Call<?> call) {
        String failed = gateway.failure();
        if (failed != null) {
            call.fail(
                    GrpcStatus.UNAVAILABLE,
                    "failed",
                    "the gateway failed and is exiting ("
                            + failed
                            + "); retry on another instance");
            return false;
        }
        if (gateway.shuttingDown()) {
            call.fail(
                    GrpcStatus.UNAVAILABLE,
                    "shutting_down",
                    "the gateway is shutting down; retry on another instance");
            return false;
        }
        int n = inFlight.incrementAndGet();
        call.counted = true;
        if (n > config.maxConcurrentRequests()) {
            call.fail(
                    GrpcStatus.RESOURCE_EXHAUSTED,
                    "too_many_requests",
                    "over gateway.max-concurrent-requests="
                            + config.maxConcurrentRequests()
                            + " gRPC calls in progress; retry later");
            return false;
        }
        return true;
    }

    /** Answers a message over the size limit, or not valid protobuf, by ending the call. */
    private void invalidMessages(GrpcServerRequest<?, ?> req, Call<?> call) {
        req.invalidMessageHandler(
                bad -> {
                    if (bad instanceof MessageSizeOverflowException big) {
                        call.fail(
                                GrpcStatus.RESOURCE_EXHAUSTED,
                                "message_too_large",
                                "the request message is "
                                        + big.messageSize()
                                        + " bytes, over gateway.grpc.max-message-bytes="
                                        + config.grpc().maxMessageBytes()
                                        + "; send smaller batches");
                    } else {
                        call.fail(
                                GrpcStatus.INVALID_ARGUMENT,
                                "invalid_request",
                                "the request message is not a valid "
                                        + req.fullMethodName()
                                        + " request: "
                                        + ApiException.describe(bad));
                    }
                });
    }

    /**
     * The answer to one call: {@link #ok} or {@link #fail}, once; later ones (and any after the
     * client cancelled) are ignored. Event-loop thread of the call.
     */
    final class Call<Resp> {
        private final GrpcServerResponse<?, Resp> response;
        private final String method;
        private boolean done;
        private boolean clientGone;
        private Runnable onCancel;
        boolean started;
        boolean counted;
        private Runnable onFinish;

        /**
         * Who calls: the server instance's anonymous context, or once the call passed the door, its
         * authenticated caller's.
         */
        CallContext caller;

        Call(GrpcServerResponse<?, Resp> response, String method, CallContext caller) {
            this.response = response;
            this.method = method;
            this.caller = caller;
        }

        /** Who calls (its principal, and the executor of its event loop). */
        CallContext caller() {
            return caller;
        }

        /** Answers {@code message} with status OK. */
        void ok(Resp message) {
            ok(message, () -> {});
        }

        /**
         * Answers {@code message} with status OK; runs {@code notSent} (on the call's loop) when it
         * could not be written: the call was answered or cancelled already, the stream was reset,
         * or the write failed. A write the kernel took for a client that is gone counts as sent.
         */
        void ok(Resp message, Runnable notSent) {
            if (!finish()) {
                notSent.run();
                return;
            }
            try {
                response.end(message)
                        .onFailure(
                                e -> {
                                    LOG.debug(
                                            "gRPC call {}: the answer was not written", method, e);
                                    notSent.run();
                                });
            } catch (IllegalStateException gone) {
                LOG.debug("gRPC call {}: the answer could not be written", method, gone);
                notSent.run();
            }
        }

        /**
         * Runs {@code r} if the client cancels the call or goes away before it is answered (now if
         * it did already): a long poll cancels its take. One hook per call.
         */
        void onCancel(Runnable r) {
            onCancel = r;
            if (clientGone) {
                r.run();
            }
        }

        /**
         * Ends the call with {@code status} and {@code message}; {@code code} (the HTTP API's error
         * code) goes in the trailer {@value #ERROR_CODE_TRAILER} (null: none).
         */
        void fail(GrpcStatus status, String code, String message) {
            if (finish()) {
                try {
                    if (code != null) {
                        response.trailers().set(ERROR_CODE_TRAILER, code);
                    }
                    response.status(status).statusMessage(message).end();
                } catch (IllegalStateException gone) {
                    LOG.debug("gRPC call {}: the answer could not be written", method, gone);
                }
            }
        }

        /** The client cancelled or went away: nothing more is written; runs the hook. */
        void cancelled() {
            if (finish()) {
                clientGone = true;
                Runnable r = onCancel;
                if (r != null) {
                    r.run();
                }
            }
        }

        private boolean finish() {
            if (done) {
                return false;
            }
            done = true;
            if (counted) {
                inFlight.decrementAndGet();
            }
            Runnable r = onFinish;
            if (r != null) {
                onFinish = null;
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.error("gRPC call {}: cleaning up after it failed", method, e);
                }
            }
            if (counted) {
                gateway.requestEnded();
            }
            return true;
        }

        /** Ends a streaming call with status OK after what it wrote. */
        void end() {
            if (finish()) {
                try {
                    response.end();
                } catch (IllegalStateException gone) {
                    LOG.debug("gRPC call {}: the end could not be written", method, gone);
                }
            }
        }

        /** True once the call was answered, failed or cancelled. */
        boolean done() {
            return done;
        }

        /** Runs {@code r} once the call is answered, failed or cancelled (a stream's cleanup). */
        void onFinish(Runnable r) {
            onFinish = r;
        }
    }
}
