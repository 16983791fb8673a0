package io.ferry.kafka.wire;

/**
 * The outcome of one request on a {@link NodeConnection}: either a response or a transport failure;
 * immutable.
 *
 * @param <T> the response type
 * @param response the response, or null on failure (also null for acks=0 produce)
 * @param failure null on success; else what happened (timed out, disconnected, version mismatch,
 *     auth)
 * @param outcomeUnknown true when the request may or may not have been applied (disconnect,
 *     timeout)
 */
public record Outcome<T>(T response, String failure, boolean outcomeUnknown) {
    /** A response. */
    public static <T> Outcome<T> ok(T response) {
        return new Outcome<>(response, null, false);
    }

    /** A transport failure. */
    public static <T> Outcome<T> failed(String why, boolean outcomeUnknown) {
        return new Outcome<>(null, why == null ? "failed without a reason" : why, outcomeUnknown);
    }

    /** True when the request got an answer (or needed none). */
    public boolean succeeded() {
        return failure == null;
    }
}
