package io.ferry.kafka.wire;

/**
 * Why a request on a {@link NodeChannel} got no answer, or why a connection failed; immutable.
 *
 * @param kind what kind of failure
 * @param message what happened, for operators (Kafka's message where there is one)
 */
public record WireFailure(Kind kind, String message) {
    /** The kinds of transport failure. */
    public enum Kind {
        /** The request timed out; the connection was closed. The outcome is unknown. */
        TIMEOUT(true, true),
        /** The connection closed or could not be made. The outcome is unknown. */
        DISCONNECTED(true, true),
        /**
         * Authentication failed (SASL credentials, or the TLS handshake: an untrusted certificate,
         * a host name mismatch); retrying the same settings fails again.
         */
        AUTHENTICATION(false, false),
        /** The node does not support the request's version. */
        UNSUPPORTED_VERSION(false, false);

        private final boolean retriable;
        private final boolean outcomeUnknown;

        Kind(boolean retriable, boolean outcomeUnknown) {
            this.retriable = retriable;
            this.outcomeUnknown = outcomeUnknown;
        }

        /** True when trying again with the same settings may succeed. */
        public boolean retriable() {
            return retriable;
        }

        /** True when the request may or may not have been applied. */
        public boolean outcomeUnknown() {
            return outcomeUnknown;
        }
    }

    /** Validates. */
    public WireFailure {
        if (kind == null) {
            throw new IllegalArgumentException("kind");
        }
        message = message == null ? kind.name().toLowerCase(java.util.Locale.ROOT) : message;
    }

    /** A disconnect or failed connection with {@code message}. */
    public static WireFailure disconnected(String message) {
        return new WireFailure(Kind.DISCONNECTED, message);
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
