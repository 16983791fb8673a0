package io.ferry.gateway;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body as raw bytes, whatever its content type, up to a limit; event-loop thread of
 * the request. (Vert.x Web's BodyHandler decodes form content types, which a produce body is not:
 * {@code curl -d} sends {@code application/x-www-form-urlencoded}.)
 */
final class BodyReader {
    private BodyReader() {}

    /** What to do once the body is read, or when it is refused. */
    interface Then {
        /** The body is in {@link Exchange#body}. */
        void read(Exchange ex);

        /** The body is refused (413 over the limit, 400 unreadable); nothing was handled. */
        void refused(Exchange ex, ApiException why);
    }

    /**
     * Reads {@code ex}'s body into {@link Exchange#body}, then calls {@code then}; must be called
     * from the request handler itself (before it returns), so no chunk arrives before the handlers.
     */
    static void read(Exchange ex, int maxBytes, BodyBudget budget, Then then) {
        HttpServerRequest req = ex.request;
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared = -1;
        if (length != null) {
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -2;
            }
            if (declared < 0) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                then.refused(
                        ex,
                        ApiException.badRequest(
                                "invalid_request",
                                "the request is malformed: Content-Length is '" + length + "'"));
                return;
            }
            if (declared > maxBytes) {
                // refused before the body is read; the connection closes so the rest is not read
                // either
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                then.refused(ex, tooLarge(maxBytes));
                return;
            }
            if (!budget.tryReserve(declared)) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                then.refused(ex, overBudget(budget));
                return;
            }
            ex.reservedBytes = declared;
        }
        Buffer body = Buffer.buffer(declared < 0 ? 1024 : (int) declared);
        Chunks chunks = new Chunks(ex, body, maxBytes, declared < 0 ? budget : null, then);
        if (ex.conn != null) {
            // the body must end within gateway.body-timeout-ms of the head (ConnectionGuard)
            ex.conn.readingBody(ex, ex.headNanos);
        }
        req.handler(chunks);
        req.endHandler(
                v -> {
                    // answered already: over the limit, or 408 when the body timed out
                    if (!chunks.over && !ex.response.ended()) {
                        chunks.over = true;
                        bodyDone(ex);
                        ex.body = body;
                        then.read(ex);
                    }
                });
        req.exceptionHandler(
                t -> {
                    if (!chunks.over && !ex.response.ended() && !ex.response.closed()) {
                        chunks.over = true;
                        bodyDone(ex);
                        then.refused(
                                ex,
                                ApiException.badRequest(
                                        "invalid_request",
                                        "the request body could not be read (the connection"
                                                + " failed or the chunked encoding is malformed)"));
                    }
                });
    }

    private static void bodyDone(Exchange ex) {
        if (ex.conn != null) {
            ex.conn.bodyDone();
        }
    }

    /** 429: the bodies in progress already take gateway.max-in-flight-body-bytes. */
    static ApiException overBudget(BodyBudget budget) {
        return new ApiException(
                429,
                "too_many_bytes",
                "request bodies in progress take "
                        + budget.used()
                        + " bytes, at gateway.max-in-flight-body-bytes="
                        + budget.maxBytes()
                        + "; retry later");
    }

    static ApiException tooLarge(int maxBytes) {
        return new ApiException(
                413,
                "body_too_large",
                "the request body is over gateway.max-body-bytes=" + maxBytes + " bytes");
    }

    /** Appends the chunks, refusing the body once it is over the limit. */
    private static final class Chunks implements Handler<Buffer> {
        private final Exchange ex;
        private final Buffer body;
        private final int maxBytes;
        private final BodyBudget budget; // null: the declared length is reserved already
        private final Then then;
        boolean over;

        Chunks(Exchange ex, Buffer body, int maxBytes, BodyBudget budget, Then then) {
            this.ex = ex;
            this.body = body;
            this.maxBytes = maxBytes;
            this.budget = budget;
            this.then = then;
        }

        @Override
        public void handle(Buffer chunk) {
            if (over || ex.response.ended() || ex.response.closed()) {
                return;
            }
            if (body.length() + chunk.length() > maxBytes) {
                over = true;
                bodyDone(ex);
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                then.refused(ex, tooLarge(maxBytes));
                return;
            }
            if (budget != null) {
                if (!budget.tryReserve(chunk.length())) {
                    over = true;
                    bodyDone(ex);
                    ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                    then.refused(ex, overBudget(budget));
                    return;
                }
                ex.reservedBytes += chunk.length();
            }
            body.appendBuffer(chunk);
        }
    }
}
