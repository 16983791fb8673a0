package io.ferry.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One HTTP request and its answer, with what the gateway's dispatch found in its path; event-loop
 * thread of the request only. (Ferry's own, smaller than Vert.x Web's RoutingContext: the gateway
 * has a handful of fixed paths, and routing them through Vert.x Web cost about a tenth of a single
 * POST's event-loop time; see docs/gateway.md.)
 */
final class Exchange {
    private static final Buffer EMPTY = Buffer.buffer(0);

    final HttpServerRequest request;
    final HttpServerResponse response;
    /** The {@code {cluster}} of a {@code /clusters/{cluster}/...} path, null for an unprefixed one. */
    final String cluster;
    /** The {@code {topic}} of a {@code /topics/{topic}...} path, else null. */
    final String topic;
    /** The request body, once read (POST routes). */
    Buffer body = EMPTY;
    private MultiMap query;

    Exchange(HttpServerRequest request, String cluster, String topic) {
        this.request = request;
        this.response = request.response();
        this.cluster = cluster;
        this.topic = topic;
    }

    /** The decoded query parameters (decoded once). */
    MultiMap queryParams() {
        if (query == null) {
            query = request.params();
        }
        return query;
    }
}
