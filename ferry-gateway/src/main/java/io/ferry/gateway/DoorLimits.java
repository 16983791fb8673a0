package io.ferry.gateway;

import io.ferry.gateway.security.Cors;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.Principal;
import io.ferry.gateway.security.RateLimitConfig;
import io.ferry.gateway.security.RateLimiter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Door}'s first and last steps on one listener: CORS (before anything) and the rate
 * limit per caller (after authentication). Immutable but for the limiter's buckets, which are
 * shared by every event loop (thread-safe); called on the request's event loop.
 */
final class DoorLimits {
    /* Design notes
     * Who is limited: the principal the Door authenticated; without one (the listener does not
     * authenticate) the client's IP address, unless rate-limits.anonymous is unlimited. With
     * authentication on, every request that reaches the limit has a principal, so principals and
     * addresses never share one limiter's map.
     * What counts (RateLimiter): one request per HTTP request or gRPC call; the body by its
     * Content-Length at the head, before it is read. A body of unknown length (chunked, an
     * HTTP/2 body without Content-Length, a gRPC message) needs one byte of credit at the head
     * and is charged once read (bodyRead, grpcMessage), into debt if need be.
     * CORS (Cors) writes its headers straight into the response's headers, so every answer the
     * front end writes later, refusals included, carries them.
     */
    private static final Logger LOG = LoggerFactory.getLogger(DoorLimits.class);

    /** Nothing: no limit, CORS off. */
    static final DoorLimits NONE = new DoorLimits(null, "rate-limits", false, Cors.OFF);

    /** Null: no rate limit. */
    private final RateLimiter limiter;

    /** Where the limits are configured, for refusals: {@code gateway.security.api.rate-limits}. */
    private final String at;

    /** Callers without a principal are limited by their address. */
    private final boolean byAddress;

    private final Cors cors;

    private DoorLimits(RateLimiter limiter, String at, boolean byAddress, Cors cors) {
        this.limiter = limiter;
        this.at = at;
        this.byAddress = byAddress;
        this.cors = cors;
    }

    /**
     * The limits of {@code listener} by its settings {@code s} (at {@code at}, as {@code
     * gateway.security.api}), on {@code nanoClock}.
     */
    static DoorLimits of(String listener, ListenerSecurity s, String at, LongSupplier nanoClock) {
        RateLimitConfig r = s.rateLimits();
        Cors c = s.cors().on() ? new Cors(s.cors(), at + ".cors") : Cors.OFF;
        if (!r.on() && !c.on()) {
            return NONE;
        }
        if (r.on()) {
            LOG.info(
                    "{}: at most {} requests/s and {} bytes/s per {} ({} s of burst)",
                    listener,
                    r.requestsPerSecond() == 0 ? "any" : r.requestsPerSecond(),
                    r.bytesPerSecond() == 0 ? "any" : r.bytesPerSecond(),
                    r.anonymous() == RateLimitConfig.Anonymous.PER_ADDRESS
                            ? "principal, or client address without authentication"
                            : "principal (callers without one are not limited)",
                    r.burstSeconds());
        }
        if (c.on()) {
            LOG.info("{}: CORS for origins {}", listener, s.cors().allowedOrigins());
        }
        return new DoorLimits(
                r.on() ? new RateLimiter(r, nanoClock) : null,
                at + ".rate-limits",
                r.anonymous() == RateLimitConfig.Anonymous.PER_ADDRESS,
                c);
    }

    /** True when requests are rate limited: they must pass the door. */
    boolean limiting() {
        return limiter != null;
    }

    /** True when CORS is on. */
    boolean corsOn() {
        return cors.on();
    }

    /**
     * Step 1 (HTTP, before anything): answers a CORS preflight (204, or refused through {@code
     * refused}); refuses an actual request from an origin that is not allowed; else writes the
     * answer's CORS headers and returns false.
     *
     * @return true when the request was answered or refused here
     */
    boolean cors(Exchange ex, Door.Refused refused) {
        HttpServerRequest r = ex.request;
        String origin = r.getHeader(HttpHeaders.ORIGIN);
        if (cors.isPreflight(
                r.method().name(),
                origin,
                r.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD))) {
            Cors.Refusal why =
                    cors.preflight(
                            origin,
                            r.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD),
                            r.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS),
                            ex.response.headers());
            if (why == null) {
                ex.response.setStatusCode(204).end();
            } else {
                refused.refused(ex, refusal(why));
            }
            return true;
        }
        Cors.Refusal why = cors.actual(origin, ex.response.headers());
        if (why != null) {
            refused.refused(ex, refusal(why));
            return true;
        }
        return false;
    }

    private static Door.Refusal refusal(Cors.Refusal why) {
        return new Door.Refusal(
                Door.Kind.CORS_REFUSED, why.code().wireName(), why.message(), false, 0);
    }

    /**
     * Step 4 (HTTP): takes a request of {@code ex.caller} (or, anonymous, of its address) from the
     * buckets, its body by its Content-Length; null when admitted (or not limited).
     */
    Door.Refusal admit(Exchange ex) {
        if (limiter == null) {
            return null;
        }
        HttpServerRequest r = ex.request;
        return admit(ex.caller.principal(), r.remoteAddress(), headBytes(r));
    }

    /**
     * Step 4 (gRPC): takes a call of {@code caller} (or, anonymous, of {@code remote}) from the
     * buckets, its message charged once read ({@link #grpcMessage}); null when admitted.
     */
    Door.Refusal admitCall(Principal caller, SocketAddress remote) {
        return admit(caller, remote, RateLimiter.UNKNOWN_BYTES);
    }

    private Door.Refusal admit(Principal p, SocketAddress remote, long bytes) {
        if (limiter == null) {
            return null;
        }
        String key = key(p, remote);
        if (key == null) {
            return null;
        }
        RateLimiter.Refusal why = limiter.admit(key, bytes);
        if (why == null) {
            return null;
        }
        String who = p != null ? "principal '" + p.name() + "'" : "address " + key;
        return new Door.Refusal(
                Door.Kind.RATE_LIMITED,
                "rate_limited",
                why.message(who, at),
                false,
                why.retryAfterSeconds());
    }

    /**
     * A body read whose length was not known at the head ({@link #admit}): charges its bytes. Only
     * for requests that passed {@link #admit}.
     */
    void bodyRead(Exchange ex) {
        if (limiter == null || limiter.config().bytesPerSecond() == 0) {
            return;
        }
        HttpServerRequest r = ex.request;
        if (r.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            String key = key(ex.caller.principal(), r.remoteAddress());
            if (key != null) {
                limiter.charge(key, ex.body.length());
            }
        }
    }

    /** True when gRPC messages must be {@link #grpcMessage charged}. */
    boolean chargesMessages() {
        return limiter != null && limiter.config().bytesPerSecond() > 0;
    }

    /** A gRPC request message of {@code bytes} arrived on a call of {@code caller}: charged. */
    void grpcMessage(Principal caller, SocketAddress remote, long bytes) {
        if (limiter == null) {
            return;
        }
        String key = key(caller, remote);
        if (key != null) {
            limiter.charge(key, bytes);
        }
    }

    /** The bucket's key: the principal's name, the address, or null: not limited. */
    private String key(Principal p, SocketAddress remote) {
        if (p != null) {
            return p.name();
        }
        if (!byAddress || remote == null) {
            return null;
        }
        String host = remote.hostAddress();
        return host == null ? remote.toString() : host;
    }

    /**
     * A request's body bytes by its head: its Content-Length; unknown for a POST, PUT or PATCH
     * without one (chunked, or HTTP/2); else none.
     */
    private static long headBytes(HttpServerRequest r) {
        String cl = r.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (cl != null) {
            try {
                long n = Long.parseLong(cl.trim());
                return n < 0 ? RateLimiter.UNKNOWN_BYTES : n;
            } catch (NumberFormatException e) {
                return RateLimiter.UNKNOWN_BYTES; // the body reader refuses it
            }
        }
        HttpMethod m = r.method();
        return m.equals(HttpMethod.POST) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.PATCH)
                ? RateLimiter.UNKNOWN_BYTES
                : 0;
    }
}
