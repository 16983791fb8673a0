package io.ferry.kafka;

/**
 * A condition of a cluster that stops or holds delivery, raised and cleared by the engine;
 * immutable.
 *
 * @param kind what kind of condition
 * @param source which part of the engine raised it ({@code control}, {@code producer-id}, {@code
 *     node 2} ...)
 * @param message what is wrong, in Kafka's words where it gave some; never a secret
 * @param sinceMs when it was raised (the engine's clock)
 */
public record ClusterCondition(Kind kind, String source, String message, long sinceMs) {
    /** The kinds of condition. */
    public enum Kind {
        /** No node of the cluster answers; the engine keeps trying with backoff. */
        UNREACHABLE(false),
        /** Authentication failed (SASL credentials, TLS handshake): an operator must act. */
        AUTHENTICATION(true),
        /** Kafka refuses an operation this client is not authorized for: an operator must act. */
        AUTHORIZATION(true),
        /** The cluster does not support a request version the engine needs. */
        UNSUPPORTED_VERSION(true),
        /** Kafka refused the idempotent producer id for another reason. */
        PRODUCER_ID_REFUSED(true),
        /**
         * Kafka refuses the records of some partitions for a reason an operator can fix (a topic
         * this client may not write to): they are kept and retried; other topics flow.
         */
        PARKED(false);

        private final boolean refuses;

        Kind(boolean refuses) {
            this.refuses = refuses;
        }

        /**
         * True when no record can be delivered until an operator changes something (credentials,
         * ACLs, versions): answers that wait for Kafka fail at once instead of waiting.
         */
        public boolean refuses() {
            return refuses;
        }
    }

    /** The condition for a connection failure that retrying cannot fix. */
    static Kind kindOf(DeliveryFailure.Code code) {
        return switch (code) {
            case AUTHENTICATION -> Kind.AUTHENTICATION;
            case AUTHORIZATION -> Kind.AUTHORIZATION;
            case UNSUPPORTED_VERSION -> Kind.UNSUPPORTED_VERSION;
            default -> Kind.PRODUCER_ID_REFUSED;
        };
    }

    @Override
    public String toString() {
        return kind + " (" + source + "): " + message;
    }
}
