package io.ferry.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP request and its answer, with what the gateway's dispatch found in its path; event-loop
 * thread of the request only. (Ferry's own, smaller than Vert.x Web's RoutingContext: the gateway
 * has a handful of fixed paths; see HttpApi.)
 */
final class Exchange {
    private static final Buffer EMPTY = Buffer.buffer(0);

    final HttpServerRequest request;
    final HttpServerResponse response;

    /**
     * The {@code {cluster}} of a {@code /clusters/{cluster}/...} path, null for an unprefixed one.
     */
    final String cluster;

    /** The {@code {topic}} of a {@code /topics/{topic}...} path, else null. */
    final String topic;

    /** The state of its connection (deadlines); null when the connection is not tracked. */
    final ConnectionGuard.Conn conn;

    /** When its head arrived, {@link System#nanoTime()}. */
    final long headNanos;

    /** The request body, once read (POST routes). */
    Buffer body = EMPTY;

    /** Body bytes taken from the gateway's {@link BodyBudget}; given back when it ends. */
    long reservedBytes;

    /** Who calls, for the services: set by the dispatch (null for an undecodable request). */
    CallContext caller;

    /** Close the connection once the answer is written (a body that timed out). */
    boolean closeAfterAnswer;

    /**
     * Runs once, on the request's event loop, when its connection closes before its answer was
     * written (a long poll whose client went away); null: nothing to undo.
     */
    Runnable abandoned;

    Exchange(
            HttpServerRequest request,
            String cluster,
            String topic,
            ConnectionGuard.Conn conn,
            long headNanos) {
        this.request = request;
        this.response = request.response();
        this.cluster = cluster;
        this.topic = topic;
        this.conn = conn;
        this.headNanos = headNanos;
    }

    /**
     * The first value of query parameter {@code name}, %-decoded ({@code +} is a space); "" for a
     * name without {@code =}; null when absent. Scans the raw query instead of decoding all of it
     * into a map ({@code request.params()} took about 5% of a single POST's event-loop time). Only
     * {@code &} separates parameters ({@code ;} is an ordinary character).
     *
     * @throws IllegalArgumentException for a malformed %-escape
     */
    String query(String name) {
        return param(request.query(), name);
    }

    /** {@link #query} of the raw query string {@code q} (null: none). */
    static String param(String q, String name) {
        if (q == null) {
            return null;
        }
        int n = name.length();
        int len = q.length();
        int i = 0;
        while (i < len) {
            int amp = q.indexOf('&', i);
            if (amp < 0) {
                amp = len;
            }
            if (amp - i >= n && q.startsWith(name, i) && (amp - i == n || q.charAt(i + n) == '=')) {
                return amp - i == n ? "" : decode(q.substring(i + n + 1, amp));
            }
            i = amp + 1;
        }
        return null;
    }

    /**
     * A path segment, %-decoded when it has escapes ({@code +} stays a plus, unlike in a query); an
     * invalid escape is kept as it is (the topic check then refuses it, naming it).
     */
    static String pathSegment(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    /** A query parameter's name, %-decoded as its values are. */
    static String decodeName(String raw) {
        return decode(raw);
    }

    private static String decode(String v) {
        if (v.indexOf('%') < 0 && v.indexOf('+') < 0) {
            return v;
        }
        try {
            return URLDecoder.decode(v, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the query string is malformed: '" + v + "' has an invalid %-escape");
        }
    }
}
