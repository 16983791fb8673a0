package io.ferry.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of ONE HTTP server instance and their deadlines: {@link #handle}, {@link
 * #onRequest}, {@link #sweep} and the {@link Conn} methods run on that instance's event-loop thread
 * only; the count of open connections is shared by every instance of a listener (an atomic).
 *
 * <p>Enforces what Vert.x 5.0.7's {@code HttpServerOptions} does not have: a header-read timeout (a
 * new connection's first request head), a body-read timeout (a request's body, from its head), a
 * keep-alive bound (the next request head within the idle timeout of the previous answer), and a
 * limit of open connections (beyond it a connection is closed at once).
 */
final class ConnectionGuard implements Handler<HttpConnection> {
    /* Design notes
     * Cost on the happy path: no timer per request. A request writes two fields of its
     * connection's Conn (phase, deadline) at its head, at the start and end of its body and at its
     * answer; a periodic sweep on the instance's event loop (every sweepNanos, a tenth of the
     * shortest timeout, at most 1 s) walks the instance's connections and acts on the expired
     * ones. So a timeout fires between its deadline and one sweep period later.
     * The Conn of a request is found through an IdentityHashMap keyed by the connection (one
     * lookup per request, on the instance's thread: no synchronisation).
     * A connection over the limit is closed from the connection handler, before any request is
     * read: it holds its file descriptor for microseconds, not until a timeout. It gets no answer
     * (none can be written before a request head), so clients see the connection closed.
     * Phases: AWAITING_HEAD (deadline: the header timeout after the connect, the idle timeout
     * after an answer), HANDLING (no deadline of ours: Vert.x's idle timeout still closes a
     * connection with no traffic), READING_BODY (deadline: body timeout after the head; the
     * request is answered 408 through its Exchange and the connection closed, which also frees its
     * slot of gateway.max-concurrent-requests). HTTP/1.1 pipelining: Vert.x hands us the next
     * request only once the previous answer ended, so one request per connection is active.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /** What a connection is waiting for. */
    enum Phase {
        AWAITING_HEAD,
        HANDLING,
        READING_BODY
    }

    /**
     * Called when a request's body did not arrive in time: answers it (408) and closes the
     * connection once the answer is written.
     */
    interface BodyTimeout {
        void expired(Exchange ex);
    }

    /** The state of one connection; its event-loop thread only. */
    static final class Conn {
        final HttpConnection connection;
        private final ConnectionGuard guard;

        /** It came on the management port. */
        final boolean management;

        Phase phase = Phase.AWAITING_HEAD;
        long deadlineNanos;
        Exchange reading;

        Conn(HttpConnection connection, ConnectionGuard guard, long deadlineNanos) {
            this.connection = connection;
            this.guard = guard;
            this.management = guard.management;
            this.deadlineNanos = deadlineNanos;
        }

        /** The request's body is being read: it must end within the body timeout of its head. */
        void readingBody(Exchange ex, long headNanos) {
            phase = Phase.READING_BODY;
            reading = ex;
            deadlineNanos = headNanos + guard.bodyTimeoutNanos;
        }

        /** The body is read (or refused): no deadline of ours while the request is handled. */
        void bodyDone() {
            phase = Phase.HANDLING;
            reading = null;
        }

        /** The answer ended: the next request head must arrive within the idle timeout. */
        void answered(long nowNanos) {
            phase = Phase.AWAITING_HEAD;
            reading = null;
            deadlineNanos = nowNanos + guard.idleTimeoutNanos;
        }
    }

    private final String listener;
    private final boolean management;
    private final AtomicInteger open;
    private final int maxConnections;
    private final long headerTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long idleTimeoutNanos;
    private final LongSupplier nanoClock;
    private final BodyTimeout bodyTimeout;
    private final GatewayMetrics metrics;
    private final IdentityHashMap<HttpConnection, Conn> conns = new IdentityHashMap<>();

    /** The last time a refusal was logged, and refusals since; event-loop thread. */
    private long refusedLoggedNanos = Long.MIN_VALUE;

    private long refusedSinceLog;

    ConnectionGuard(
            String listener,
            boolean management,
            AtomicInteger open,
            int maxConnections,
            GatewayConfig.Limits limits,
            LongSupplier nanoClock,
            BodyTimeout bodyTimeout,
            GatewayMetrics metrics) {
        this.listener = listener;
        this.management = management;
        this.open = open;
        this.maxConnections = maxConnections;
        this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.headerTimeoutMs());
        this.bodyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.bodyTimeoutMs());
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.idleTimeoutMs());
        this.nanoClock = nanoClock;
        this.bodyTimeout = bodyTimeout;
        this.metrics = metrics;
    }

    /** How often {@link #sweep} should run: a tenth of the shortest timeout, 10 ms .. 1 s. */
    static long sweepMs(GatewayConfig.Limits l) {
        long shortest =
                Math.min(l.headerTimeoutMs(), Math.min(l.bodyTimeoutMs(), l.idleTimeoutMs()));
        return Math.max(10, Math.min(1000, shortest / 10));
    }

    /** A new connection: counted, refused beyond the limit, else given its header deadline. */
    @Override
    public void handle(HttpConnection connection) {
        int n = open.incrementAndGet();
        long now = nanoClock.getAsLong();
        if (n > maxConnections) {
            open.decrementAndGet(); // counted out at once: it is closed before anything is read
            metrics.connectionClosed("over_limit");
            refusedSinceLog++;
            if (now - refusedLoggedNanos >= TimeUnit.MINUTES.toNanos(1)
                    || refusedLoggedNanos == Long.MIN_VALUE) {
                LOG.warn(
                        "{} port: {} open connections, over gateway.max-connections={}: new"
                                + " connections are closed at once ({} since the last line, at"
                                + " most one line a minute)",
                        listener,
                        n - 1,
                        maxConnections,
                        refusedSinceLog);
                refusedLoggedNanos = now;
                refusedSinceLog = 0;
            }
            connection.close();
            return;
        }
        connection.closeHandler(
                v -> {
                    open.decrementAndGet();
                    conns.remove(connection);
                });
        conns.put(connection, new Conn(connection, this, now + headerTimeoutNanos));
    }

    /**
     * A request head arrived: its connection is handling it. Null when the connection is not
     * tracked (closed meanwhile, or over the limit), and for HTTP/2: its streams (gRPC calls among
     * them, some long) overlap, so once it has had a request it has no deadline of ours (Vert.x's
     * idle timeout still closes it after gateway.idle-timeout-ms with no traffic).
     */
    Conn onRequest(HttpServerRequest req) {
        Conn c = conns.get(req.connection());
        if (c != null) {
            c.phase = Phase.HANDLING;
            c.reading = null;
            if (req.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
                return null;
            }
        }
        return c;
    }

    /** Open connections of this listener, over every instance. */
    int open() {
        return open.get();
    }

    /** Connections of this instance (tests). */
    int tracked() {
        return conns.size();
    }

    /** Acts on every expired deadline: closes idle or slow connections, answers slow bodies. */
    void sweep() {
        long now = nanoClock.getAsLong();
        List<Conn> expired = null;
        for (Conn c : conns.values()) {
            if (c.phase != Phase.HANDLING && now - c.deadlineNanos >= 0) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(c);
            }
        }
        if (expired == null) {
            return;
        }
        for (Conn c : expired) {
            if (c.phase == Phase.READING_BODY && c.reading != null) {
                metrics.connectionClosed("body_timeout");
                Exchange ex = c.reading;
                c.bodyDone();
                // closes once the 408 is written; should that never happen (a client that does
                // not read), the next sweep closes it
                c.phase = Phase.AWAITING_HEAD;
                c.deadlineNanos = now + headerTimeoutNanos;
                bodyTimeout.expired(ex);
            } else {
                metrics.connectionClosed("header_timeout");
                conns.remove(c.connection);
                c.connection.close();
            }
        }
    }
}
