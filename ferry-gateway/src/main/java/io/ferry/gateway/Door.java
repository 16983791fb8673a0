package io.ferry.gateway;

import io.ferry.gateway.security.ApiKeyStore;
import io.ferry.gateway.security.AuthConfig;
import io.ferry.gateway.security.AuthFailure;
import io.ferry.gateway.security.Authenticator;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.Verdict;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks every request of one listener passes before its route runs (docs/security.md): CORS,
 * authentication, rate limits ({@link DoorLimits}). One per listener: Ferry's API (HTTP and gRPC),
 * the kafka-pixy listener, the management port. {@link #pass} is called on the request's event loop
 * and answers there, synchronously when it can; the Door itself is immutable but for its API key
 * store's reloads, and safe from any thread.
 */
final class Door {
    /* Design notes
     * Order on every listener (sec-design): 1. CORS (cors(): preflights answered, origins
     * refused, answer headers; HTTP only), 2. the operations routes (/healthz, /readyz, and
     * /metrics unless protect-metrics) pass without credentials, 3. authenticate, 4. rate limit
     * per principal, or per address without authentication (never an operations route);
     * authorization is the services' (Authorizer), with the principal of the CallContext the
     * Door made. Steps 1 and 4 are DoorLimits'.
     * Cost: a listener without authentication has an open Door: guards() is false and the front
     * ends do not call pass(), so a request keeps its event loop's one anonymous CallContext
     * (unless it has rate limits: then pass() limits it by its address, without authenticating).
     * CORS off costs a boolean per request; rate limits a map lookup and a CAS or two
     * (RateLimiter).
     * With authentication, a request costs the Authenticator's lookup (see there), one counter
     * increment and one CallContext (the principal's, on the event loop's executor).
     * Asynchrony: the Authenticator answers at once but for a JWT whose library verification
     * does not complete synchronously (never, in vertx-auth-jwt 5.0.7); then the verdict is
     * handed back on the request's own executor (its event loop), so the front end's state stays
     * single-threaded.
     * Refusals are values (Refusal: a kind, the HTTP API's error code, a message), mapped by each
     * front end to its own error shape: Ferry's JSON error, kafka-pixy's {"error": ...}, a gRPC
     * status with the ferry-error-code trailer.
     */
    private static final Logger LOG = LoggerFactory.getLogger(Door.class);
    private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
    private static final String REALM = "Bearer realm=\"ferry\"";
    private static final CharSequence WWW_AUTHENTICATE =
            HttpHeaders.createOptimized("WWW-Authenticate");

    /** The kinds of refusal at the door, each with its HTTP status and gRPC status. */
    enum Kind {
        /** No credentials, or credentials that do not authenticate anybody. */
        UNAUTHENTICATED(401, GrpcStatus.UNAUTHENTICATED),
        /** Over the caller's rate limit (Retry-After says when to come back). */
        RATE_LIMITED(429, GrpcStatus.RESOURCE_EXHAUSTED),
        /** A browser page's origin (or its preflight's method or header) CORS does not allow. */
        CORS_REFUSED(403, GrpcStatus.PERMISSION_DENIED);

        final int httpStatus;
        final GrpcStatus grpcStatus;

        Kind(int httpStatus, GrpcStatus grpcStatus) {
            this.httpStatus = httpStatus;
            this.grpcStatus = grpcStatus;
        }
    }

    /**
     * A request refused at the door.
     *
     * @param kind its HTTP and gRPC statuses
     * @param code the HTTP API's error code ({@code unauthenticated}, ...)
     * @param message for people: what was wrong, what is accepted; never a credential
     * @param invalidToken a token was sent and refused ({@code error="invalid_token"})
     * @param retryAfterSeconds the {@code Retry-After} to send, 0: none
     */
    record Refusal(
            Kind kind, String code, String message, boolean invalidToken, long retryAfterSeconds) {
        /** Validates. */
        Refusal {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        /** As the HTTP API's refusal (its status, code and message). */
        ApiException http() {
            return new ApiException(kind.httpStatus, code, message);
        }

        /** Puts this refusal's headers on {@code r}: WWW-Authenticate, Retry-After. */
        void headers(HttpServerResponse r) {
            if (kind == Kind.UNAUTHENTICATED) {
                r.putHeader(
                        WWW_AUTHENTICATE,
                        invalidToken ? REALM + ", error=\"invalid_token\"" : REALM);
            }
            if (retryAfterSeconds > 0) {
                r.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
            }
        }
    }

    /** How an HTTP front end answers a refusal at the door. */
    interface Refused {
        /** Refused: answer {@code why} in the front end's shape. The request's event loop. */
        void refused(Exchange ex, Refusal why);
    }

    /** What an HTTP front end does once its request passed the door, or was refused there. */
    interface Then extends Refused {
        /** Passed: {@code ex.caller} is now the caller's context. The request's event loop. */
        void passed(Exchange ex);

        /** False for a route that is never rate limited (/metrics when it is protected). */
        default boolean limited() {
            return true;
        }
    }

    /** What a gRPC call does once it passed the door, or was refused there. */
    interface Decision {
        /** Passed as {@code caller}. The call's event loop. */
        void passed(CallContext caller);

        /** Refused: end the call with {@code why}. The call's event loop. */
        void refused(Refusal why);
    }

    private final String listener;
    private final Authenticator auth; // null: the door is open
    private final boolean protectMetrics;
    private final GatewayMetrics metrics;

    /** CORS and the rate limits. */
    private final DoorLimits limits;

    /**
     * Per method label (none, client-cert, jwt, api-key) and outcome (success, each failure), at
     * {@code method * OUTCOMES + outcome}: made on first use, by any event loop.
     */
    private final AtomicReferenceArray<Counter> attempts;

    private static final int OUTCOMES = AuthFailure.values().length + 1;

    private Door(String listener, Authenticator auth, GatewayMetrics metrics, DoorLimits limits) {
        this.listener = listener;
        this.auth = auth;
        this.limits = limits;
        this.protectMetrics = auth != null && auth.config().protectMetrics();
        this.metrics = metrics;
        this.attempts =
                new AtomicReferenceArray<>((AuthConfig.Method.values().length + 1) * OUTCOMES);
    }

    /** A door that lets everybody in, costing nothing (tests; listeners without security). */
    static Door open(String listener) {
        return new Door(listener, null, null, DoorLimits.NONE);
    }

    /**
     * The door of {@code listener} ({@code api}, {@code kafka-pixy}, {@code management}) by its
     * settings {@code s} (at {@code at}, as {@code gateway.security.api}); reads the key files now
     * and checks the API key file every {@code reload-check-ms} on a worker thread.
     *
     * @param clockMs wall-clock milliseconds
     * @param nanoClock the rate limiter's clock (System::nanoTime)
     * @throws GatewayConfig.ConfigException naming the key of a file that cannot be used
     */
    static Door of(
            String listener,
            ListenerSecurity s,
            String at,
            GatewayMetrics metrics,
            Vertx vertx,
            LongSupplier clockMs,
            LongSupplier nanoClock) {
        AuthConfig a = s.authentication();
        DoorLimits limits = DoorLimits.of(listener, s, at, nanoClock);
        if (!a.enabled()) {
            return limits == DoorLimits.NONE
                    ? open(listener)
                    : new Door(listener, null, metrics, limits);
        }
        Authenticator auth = Authenticator.of(a, at + ".authentication", vertx, clockMs);
        ApiKeyStore keys = auth.apiKeys();
        if (keys != null) {
            vertx.setPeriodic(
                    keys.checkMs(),
                    id ->
                            vertx.executeBlocking(keys::poll, true)
                                    .onFailure(
                                            e ->
                                                    LOG.warn(
                                                            "API keys of {}: the check failed: {}",
                                                            listener,
                                                            e.toString())));
        }
        LOG.info(
                "{}: authentication by {}{}",
                listener,
                a.methods().stream().map(AuthConfig.Method::wireName).toList(),
                a.protectMetrics() ? "; /metrics needs it too" : "");
        return new Door(listener, auth, metrics, limits);
    }

    /** The listener's name ({@code api}, {@code kafka-pixy}, {@code management}). */
    String listener() {
        return listener;
    }

    /**
     * True when requests must {@link #pass} the door; false: it is open, and the front end goes on
     * as if it were not there (the fast path).
     */
    boolean guards() {
        return auth != null || limits.limiting();
    }

    /**
     * Step 1, before anything (HTTP): CORS. Answers a preflight (204, or {@code refused}), refuses
     * a request from an origin CORS does not allow; else puts the answer's CORS headers on it.
     *
     * @return true when the request was answered or refused here; false: go on
     */
    boolean cors(Exchange ex, Refused refused) {
        return limits.corsOn() && limits.cors(ex, refused);
    }

    /** A body whose length was not known at the head was read (HTTP): charges its bytes. */
    void bodyRead(Exchange ex) {
        if (limits.limiting()) {
            limits.bodyRead(ex);
        }
    }

    /** A gRPC request message arrived on a call of {@code caller} that passed the door. */
    void grpcMessage(GrpcServerRequest<?, ?> req, CallContext caller, Object message) {
        if (limits.chargesMessages()
                && message instanceof com.google.protobuf.MessageLite m
                && req.connection() != null) {
            limits.grpcMessage(
                    caller.principal(), req.connection().remoteAddress(), m.getSerializedSize());
        }
    }

    /** True when {@code /metrics} needs an authenticated caller. */
    boolean protectsMetrics() {
        return protectMetrics;
    }

    /**
     * True when a route passes without credentials: the operations routes ({@code ops}), but {@code
     * /metrics} ({@code metrics}) when protected.
     */
    boolean letsThrough(boolean ops, boolean metrics) {
        return (auth == null && !limits.limiting()) || (ops && !(metrics && protectMetrics));
    }

    /**
     * Re-reads the API key file now (SIGHUP); true when the keys changed. Not on an event loop: it
     * reads the file.
     */
    boolean reload() {
        return auth != null && auth.apiKeys() != null && auth.apiKeys().reload();
    }

    /**
     * HTTP: authenticates {@code ex} (its {@code caller} is the event loop's anonymous context),
     * then calls {@code then} on the request's event loop, at once when it can. Only when {@link
     * #guards}.
     */
    void pass(Exchange ex, Then then) {
        if (auth == null) {
            limited(ex, then);
            return;
        }
        HttpServerRequest r = ex.request;
        CallContext base = ex.caller;
        Verdict v =
                verdict(
                        r.getHeader(HttpHeaders.AUTHORIZATION),
                        r.getHeader(X_API_KEY),
                        r.isSSL() ? r.connection() : null,
                        later -> base.executor().execute(() -> decided(ex, base, later, then)));
        if (v != null) {
            decided(ex, base, v, then);
        }
    }

    private void decided(Exchange ex, CallContext base, Verdict v, Then then) {
        count(v);
        if (v.ok()) {
            ex.caller = base.as(v.principal()); // on base's listener: its rules apply
            limited(ex, then);
        } else {
            then.refused(ex, refusal(v));
        }
    }

    /** Step 4: the rate limit of {@code ex}'s caller, then {@code then}. */
    private void limited(Exchange ex, Then then) {
        Refusal over = then.limited() ? limits.admit(ex) : null;
        if (over == null) {
            then.passed(ex);
        } else {
            then.refused(ex, over);
        }
    }

    /**
     * gRPC: authenticates call {@code req} by its {@code authorization} and {@code x-api-key}
     * metadata and its connection's TLS session, then tells {@code d} on {@code base}'s executor
     * (at once when it can). Only when {@link #guards}.
     *
     * @param base the server instance's anonymous context (its event loop)
     */
    void pass(GrpcServerRequest<?, ?> req, CallContext base, Decision d) {
        HttpConnection c = req.connection();
        if (auth == null) {
            limited(c, base, d);
            return;
        }
        MultiMap h = req.headers();
        Verdict v =
                verdict(
                        h.get(HttpHeaders.AUTHORIZATION),
                        h.get(X_API_KEY),
                        c != null && c.isSsl() ? c : null,
                        later -> base.executor().execute(() -> decided(c, base, later, d)));
        if (v != null) {
            decided(c, base, v, d);
        }
    }

    private void decided(HttpConnection c, CallContext base, Verdict v, Decision d) {
        count(v);
        if (v.ok()) {
            limited(c, base.as(v.principal()), d);
        } else {
            d.refused(refusal(v));
        }
    }

    /** Step 4 (gRPC): the rate limit of the call of {@code caller} on {@code c}, then {@code d}. */
    private void limited(HttpConnection c, CallContext caller, Decision d) {
        Refusal over = limits.admitCall(caller.principal(), c == null ? null : c.remoteAddress());
        if (over == null) {
            d.passed(caller);
        } else {
            d.refused(over);
        }
    }

    private Verdict verdict(
            String authorization, String apiKey, HttpConnection tls, Consumer<Verdict> later) {
        SSLSession ssl = tls == null ? null : tls.sslSession();
        return auth.authenticate(authorization, apiKey, ssl, later);
    }

    private static Refusal refusal(Verdict v) {
        return new Refusal(
                Kind.UNAUTHENTICATED, "unauthenticated", v.message(), v.invalidToken(), 0);
    }

    // attempts is indexed by the enums' ordinals: no map lookup per request
    @SuppressWarnings("EnumOrdinal")
    private void count(Verdict v) {
        int m = v.method() == null ? 0 : v.method().ordinal() + 1;
        int o = v.failure() == null ? 0 : v.failure().ordinal() + 1;
        Counter c = attempts.get(m * OUTCOMES + o);
        if (c == null) {
            // a race makes it twice: the registry returns the same counter
            c =
                    Counter.builder("ferry.auth.attempts")
                            .description(
                                    "authentications at each listener, by method and outcome"
                                            + " (success or why not)")
                            .tag("listener", listener)
                            .tag("method", v.methodLabel())
                            .tag("outcome", v.outcomeLabel())
                            .register(metrics.registry);
            attempts.set(m * OUTCOMES + o, c);
        }
        c.increment();
    }
}
