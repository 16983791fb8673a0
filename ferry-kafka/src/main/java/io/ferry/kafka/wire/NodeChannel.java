package io.ferry.kafka.wire;

import java.util.function.Consumer;
import org.apache.kafka.common.Node;

/**
 * One connection to one Kafka node; not thread-safe: one owner thread (a loop of the engine) calls
 * every method but {@link #wakeup()}, and callbacks run inside {@link #poll(long, long)} on that
 * thread.
 *
 * <p>The seam under every executor and loop of the engine: {@link NetworkNodeChannel} speaks
 * Kafka's protocol through kafka-clients' {@code NetworkClient}; tests script a fake. A node may
 * have several channels (one per purpose), because a Kafka broker serves one request per connection
 * at a time: heartbeats and commits must never queue behind a long-poll fetch.
 */
public interface NodeChannel extends AutoCloseable {
    /** The node. */
    Node node();

    /** Starts connecting if needed; true once requests can be sent. */
    boolean ready(long nowMs);

    /**
     * True when one more request can be written now: connected, and fewer than the in-flight limit
     * are outstanding. Unlike {@link #ready} it never starts a connection.
     */
    boolean canSend(long nowMs);

    /**
     * Why the last connection attempt failed, or null while none failed since the last success. An
     * authentication or TLS failure says so ({@link WireFailure.Kind#AUTHENTICATION}), so it is not
     * retried as an ordinary disconnect.
     */
    WireFailure connectionFailure();

    /** Requests in flight on this channel. */
    int inFlight();

    /**
     * Sends {@code request}; {@code callback} gets its outcome inside a later {@link #poll}. Call
     * only when {@link #canSend} is true.
     */
    <R> void send(WireRequest<R> request, long nowMs, Consumer<Outcome<R>> callback);

    /**
     * Sends, reads and runs the callbacks of completed requests; waits at most {@code timeoutMs}.
     */
    void poll(long timeoutMs, long nowMs);

    /** Wakes a {@link #poll} blocked on another thread; the only method any thread may call. */
    void wakeup();

    /** Drops the connection; in-flight requests complete as disconnected on the next poll. */
    void disconnect();

    /** Closes the channel; in-flight requests are abandoned without callbacks. */
    @Override
    void close();
}
