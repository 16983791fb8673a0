package io.ferry.kafka.wire;

/**
 * The outcome of one request on a {@link NodeChannel}: either a response or a transport failure;
 * immutable.
 *
 * @param <T> the response type
 * @param response the response, or null on failure (also null for an acks=0 produce)
 * @param failure null on success; else why no answer came
 */
public record Outcome<T>(T response, WireFailure failure) {
    /** A response. */
    public static <T> Outcome<T> ok(T response) {
        return new Outcome<>(response, null);
    }

    /** A transport failure. */
    public static <T> Outcome<T> failed(WireFailure failure) {
        return new Outcome<>(null, failure);
    }

    /** True when the request got an answer (or needed none). */
    public boolean succeeded() {
        return failure == null;
    }

    /** True when the request failed and may or may not have been applied (disconnect, timeout). */
    public boolean outcomeUnknown() {
        return failure != null && failure.kind().outcomeUnknown();
    }
}
