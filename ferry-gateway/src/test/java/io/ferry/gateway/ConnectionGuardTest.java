package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The deadlines and the connection limit, stepped with a fake clock and fake connections. */
class ConnectionGuardTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger open = new AtomicInteger();
    private final List<Exchange> timedOut = new ArrayList<>();
    private final ConnectionGuard guard =
            new ConnectionGuard(
                    "main",
                    false,
                    open,
                    2,
                    new GatewayConfig.Limits(1_000, 3_000, 5_000, 2, 0),
                    now::get,
                    timedOut::add,
                    new GatewayMetrics());

    /** A connection that records whether it was closed and runs its close handler then. */
    private static final class FakeConnection {
        boolean closed;
        Handler<Void> onClose;
        final HttpConnection proxy =
                (HttpConnection)
                        Proxy.newProxyInstance(
                                HttpConnection.class.getClassLoader(),
                                new Class<?>[] {HttpConnection.class},
                                (p, m, args) -> {
                                    switch (m.getName()) {
                                        case "closeHandler" -> {
                                            @SuppressWarnings("unchecked")
                                            Handler<Void> h = (Handler<Void>) args[0];
                                            onClose = h;
                                            return p;
                                        }
                                        case "close" -> {
                                            if (!closed) {
                                                closed = true;
                                                if (onClose != null) {
                                                    onClose.handle(null);
                                                }
                                            }
                                            return null;
                                        }
                                        case "hashCode" -> {
                                            return System.identityHashCode(p);
                                        }
                                        case "equals" -> {
                                            return p == args[0];
                                        }
                                        default -> {
                                            return null;
                                        }
                                    }
                                });
    }

    private static HttpServerRequest request(FakeConnection c) {
        return (HttpServerRequest)
                Proxy.newProxyInstance(
                        HttpServerRequest.class.getClassLoader(),
                        new Class<?>[] {HttpServerRequest.class},
                        (p, m, args) -> m.getName().equals("connection") ? c.proxy : null);
    }

    private void advanceMs(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void beyondTheLimit_aConnectionIsClosedAtOnce_andNotCounted() {
        FakeConnection a = new FakeConnection();
        FakeConnection b = new FakeConnection();
        FakeConnection c = new FakeConnection();
        guard.handle(a.proxy);
        guard.handle(b.proxy);
        guard.handle(c.proxy);
        assertThat(c.closed).isTrue();
        assertThat(a.closed || b.closed).isFalse();
        assertThat(open.get()).isEqualTo(2);
        a.proxy.close();
        assertThat(open.get()).isEqualTo(1);
        assertThat(guard.tracked()).isEqualTo(1);
    }

    @Test
    void noRequestHead_withinTheHeaderTimeout_closesTheConnection() {
        FakeConnection a = new FakeConnection();
        guard.handle(a.proxy);
        advanceMs(999);
        guard.sweep();
        assertThat(a.closed).isFalse();
        advanceMs(1);
        guard.sweep();
        assertThat(a.closed).isTrue();
        assertThat(open.get()).isZero();
    }

    @Test
    void aSlowBody_isAnswered408AtTheBodyTimeoutFromItsHead_notAtTheHeaderTimeout() {
        FakeConnection a = new FakeConnection();
        guard.handle(a.proxy);
        advanceMs(500);
        HttpServerRequest req = request(a);
        ConnectionGuard.Conn conn = guard.onRequest(req);
        Exchange ex = new Exchange(req, null, null, conn, now.get());
        conn.readingBody(ex, ex.headNanos);
        advanceMs(2_999);
        guard.sweep();
        assertThat(timedOut).isEmpty();
        advanceMs(1);
        guard.sweep();
        assertThat(timedOut).containsExactly(ex);
        assertThat(conn.phase).isEqualTo(ConnectionGuard.Phase.AWAITING_HEAD);
    }

    @Test
    void whileARequestIsHandled_noDeadline_afterItsAnswer_theIdleTimeoutBoundsTheNextHead() {
        FakeConnection a = new FakeConnection();
        guard.handle(a.proxy);
        ConnectionGuard.Conn conn = guard.onRequest(request(a));
        conn.bodyDone();
        advanceMs(60_000); // waiting for Kafka, say
        guard.sweep();
        assertThat(a.closed).isFalse();
        conn.answered(now.get());
        advanceMs(4_999);
        guard.sweep();
        assertThat(a.closed).isFalse();
        advanceMs(1);
        guard.sweep();
        assertThat(a.closed).as("no next head within the idle timeout").isTrue();
    }

    @Test
    void sweepPeriod_isATenthOfTheShortestTimeout_within10msAnd1s() {
        assertThat(ConnectionGuard.sweepMs(GatewayConfig.Limits.DEFAULT)).isEqualTo(1000);
        assertThat(ConnectionGuard.sweepMs(new GatewayConfig.Limits(1_000, 3_000, 5_000, 0, 0)))
                .isEqualTo(100);
        assertThat(ConnectionGuard.sweepMs(new GatewayConfig.Limits(20, 20, 20, 0, 0)))
                .isEqualTo(10);
    }
}
