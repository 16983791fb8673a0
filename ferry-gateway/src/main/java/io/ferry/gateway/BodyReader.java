package io.ferry.gateway;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body as raw bytes, whatever its content type, up to a limit; event-loop thread
 * of the request. (Vert.x Web's BodyHandler decodes form content types, which a produce body is
 * not: {@code curl -d} sends {@code application/x-www-form-urlencoded}.)
 */
final class BodyReader implements Handler<RoutingContext> {
    static final String BODY = "ferry.body";

    private final int maxBytes;

    BodyReader(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body read for this request (empty when none). */
    static Buffer body(RoutingContext ctx) {
        Buffer b = ctx.get(BODY);
        return b == null ? Buffer.buffer() : b;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBytes) {
                    // refused before the body is read; the connection closes so the rest is not read either
                    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                    ctx.fail(413);
                    return;
                }
            } catch (NumberFormatException e) {
                ctx.fail(400);
                return;
            }
        }
        int initial = length == null ? 1024 : (int) Math.min(Math.max(Long.parseLong(length.trim()), 0), maxBytes);
        Buffer body = Buffer.buffer(initial);
        boolean[] over = {false};
        req.handler(chunk -> {
            if (over[0]) {
                return;
            }
            if (body.length() + chunk.length() > maxBytes) {
                over[0] = true;
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                ctx.fail(413);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (!over[0]) {
                ctx.put(BODY, body);
                ctx.next();
            }
        });
        req.exceptionHandler(ctx::fail);
        req.resume();
    }
}
