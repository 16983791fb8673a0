package io.ferry.kafka.wire;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.Node;

/**
 * A scripted {@link NodeChannel} for deterministic unit tests of the engine's loops, in the manner
 * of kafka-clients' {@code MockClient}: the test decides when the channel connects, sees every
 * request sent, and answers each one (or fails it); answers are delivered inside the next {@link
 * #poll}, on the stepping thread, as a real channel delivers them. Requests of a type with an
 * auto-responder are answered at once (the next poll) without the test's help. One thread (the
 * test's) uses it.
 */
public final class FakeNodeChannel implements NodeChannel {
    /** A request in flight: the test answers it with {@link #respond} or {@link #fail}. */
    public static final class Sent<R> {
        private final WireRequest<R> request;
        private final Consumer<Outcome<R>> callback;
        private final long sentMs;

        Sent(WireRequest<R> request, Consumer<Outcome<R>> callback, long sentMs) {
            this.request = request;
            this.callback = callback;
            this.sentMs = sentMs;
        }

        /** The request. */
        public WireRequest<R> request() {
            return request;
        }

        /** When it was sent (the engine's clock). */
        public long sentMs() {
            return sentMs;
        }
    }

    private final Node node;
    private final String purpose;
    private final int maxInFlight;
    private boolean connected;
    private WireFailure connectFailure;
    private boolean closed;
    private int readyCalls;
    private final List<Sent<?>> inFlight = new ArrayList<>();
    private final List<WireRequest<?>> history = new ArrayList<>();
    private final ArrayDeque<Runnable> completions = new ArrayDeque<>();
    private final Map<Class<?>, Function<WireRequest<?>, Object>> autoResponders =
            new ConcurrentHashMap<>();

    FakeNodeChannel(Node node, String purpose, int maxInFlight, boolean connected) {
        this.node = node;
        this.purpose = purpose;
        this.maxInFlight = maxInFlight;
        this.connected = connected;
    }

    /** What the channel was opened for ({@code produce}, {@code control}). */
    public String purpose() {
        return purpose;
    }

    // ---- scripting ----------------------------------------------------------------------------

    /** The channel connects (or reconnects); the connection failure, if any, is forgotten. */
    public FakeNodeChannel connect() {
        connected = true;
        connectFailure = null;
        return this;
    }

    /**
     * The connection fails with {@code failure}: every request in flight completes as disconnected
     * on the next poll, and the channel stays down until {@link #connect()}.
     */
    public FakeNodeChannel failConnection(WireFailure failure) {
        connected = false;
        connectFailure = failure;
        disconnectInFlight(failure);
        return this;
    }

    /** Answers every request of {@code type} with {@code answer} from now on. */
    @SuppressWarnings("unchecked")
    public <R, Q extends WireRequest<R>> FakeNodeChannel autoRespond(
            Class<Q> type, Function<Q, R> answer) {
        autoResponders.put(type, r -> answer.apply((Q) r));
        return this;
    }

    /** Stops answering {@code type} by itself. */
    public FakeNodeChannel stopAutoResponding(Class<?> type) {
        autoResponders.remove(type);
        return this;
    }

    /** The requests in flight, oldest first. */
    public List<Sent<?>> inFlightRequests() {
        return List.copyOf(inFlight);
    }

    /** Every request ever sent on this channel, oldest first. */
    public List<WireRequest<?>> history() {
        return List.copyOf(history);
    }

    /** The oldest request in flight of {@code type}, or null. */
    @SuppressWarnings("unchecked")
    public <R, Q extends WireRequest<R>> Sent<R> next(Class<Q> type) {
        for (Sent<?> s : inFlight) {
            if (type.isInstance(s.request)) {
                return (Sent<R>) s;
            }
        }
        return null;
    }

    /** Answers {@code sent} with {@code response}, delivered on the next poll. */
    public <R> void respond(Sent<R> sent, R response) {
        complete(sent, Outcome.ok(response));
    }

    /** Fails {@code sent} (a timeout, a disconnect), delivered on the next poll. */
    public <R> void fail(Sent<R> sent, WireFailure failure) {
        complete(sent, Outcome.failed(failure));
    }

    private <R> void complete(Sent<R> sent, Outcome<R> outcome) {
        if (!inFlight.remove(sent)) {
            throw new IllegalStateException(sent.request.apiName() + " is not in flight");
        }
        completions.add(() -> sent.callback.accept(outcome));
    }

    private void disconnectInFlight(WireFailure failure) {
        for (Iterator<Sent<?>> it = inFlight.iterator(); it.hasNext(); ) {
            Sent<?> s = it.next();
            it.remove();
            completeFailed(s, failure);
        }
    }

    private <R> void completeFailed(Sent<R> s, WireFailure failure) {
        completions.add(() -> s.callback.accept(Outcome.failed(failure)));
    }

    /** True once closed. */
    public boolean closed() {
        return closed;
    }

    /** How often {@link #ready} was called (connection attempts). */
    public int readyCalls() {
        return readyCalls;
    }

    // ---- NodeChannel --------------------------------------------------------------------------

    @Override
    public Node node() {
        return node;
    }

    @Override
    public boolean ready(long nowMs) {
        readyCalls++;
        return connected && !closed;
    }

    @Override
    public boolean canSend(long nowMs) {
        return connected && !closed && inFlight.size() < maxInFlight;
    }

    @Override
    public WireFailure connectionFailure() {
        return connected ? null : connectFailure;
    }

    @Override
    public int inFlight() {
        return inFlight.size();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> void send(WireRequest<R> request, long nowMs, Consumer<Outcome<R>> callback) {
        if (!canSend(nowMs)) {
            throw new IllegalStateException(
                    "send of " + request.apiName() + " to node " + node.id() + " that cannot send");
        }
        history.add(request);
        Sent<R> s = new Sent<>(request, callback, nowMs);
        inFlight.add(s);
        Function<WireRequest<?>, Object> auto = autoResponders.get(request.getClass());
        if (auto != null) {
            respond(s, (R) auto.apply(request));
        }
    }

    @Override
    public void poll(long timeoutMs, long nowMs) {
        for (Runnable r; (r = completions.poll()) != null; ) {
            r.run();
        }
    }

    @Override
    public void wakeup() {}

    @Override
    public void disconnect() {
        disconnectInFlight(WireFailure.disconnected("disconnected by the engine"));
    }

    @Override
    public void close() {
        closed = true;
        inFlight.clear();
        completions.clear();
    }

    @Override
    public String toString() {
        return "FakeNodeChannel{" + purpose + " node " + node.id() + "}";
    }
}
