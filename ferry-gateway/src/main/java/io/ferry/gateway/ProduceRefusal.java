package io.ferry.gateway;

import io.ferry.kafka.DeliveryFailure;
import java.util.Objects;

/**
 * Why {@link ProduceService} refuses a request or a record failed (and why {@link ClusterQueries}
 * cannot answer); immutable, any thread. Switch on {@link #code()}; {@link #message()} is for
 * people (what was wrong, what is accepted or what happens next). A front end maps the codes to its
 * own statuses (HTTP: {@link Produce#http}).
 *
 * @param code what kind of refusal
 * @param message what happened, for people
 */
record ProduceRefusal(Code code, String message) {
    /** Every reason the produce service refuses a request or a record fails. */
    enum Code {
        /** No cluster of that name is configured. */
        UNKNOWN_CLUSTER,
        /** The caller may not write the topic (the {@link Authorizer}). */
        NOT_AUTHORIZED,
        /** The topic is internal to Kafka ({@code __consumer_offsets} ...): never written. */
        INTERNAL_TOPIC,
        /** The topic name is not valid (Ferry's check or Kafka's answer). */
        INVALID_TOPIC,
        /** The topic does not exist. */
        UNKNOWN_TOPIC,
        /** The topic has no such partition. */
        UNKNOWN_PARTITION,
        /**
         * A record is over the cluster's max.request.size or, uncompressed, over the topic's
         * max.message.bytes, or Kafka says it is too large.
         */
        RECORD_TOO_LARGE,
        /** A record's fields are out of range, or Kafka refused the record itself. */
        INVALID_RECORD,
        /** A record's explicit timestamp is outside the window the topic accepts (CreateTime). */
        INVALID_TIMESTAMP,
        /** The broker is full: Kafka is not keeping up; retry later. */
        BROKER_FULL,
        /** Kafka refuses this gateway (credentials, TLS, versions): nothing accepted at kafka. */
        KAFKA_REFUSED,
        /** Kafka does not authorize this gateway for the topic (its ACLs). */
        KAFKA_NOT_AUTHORIZED,
        /** The topic cannot be checked now (Kafka does not answer) and ack=kafka was asked. */
        CANNOT_VERIFY,
        /** A query needs Kafka, which does not answer, and there is no cached answer. */
        KAFKA_UNAVAILABLE,
        /**
         * ack=kafka: Kafka did not acknowledge the record within delivery.timeout.ms; its outcome
         * is not known yet (it is still queued and may be delivered later).
         */
        TIMED_OUT,
        /** The gateway closed before the record reached Kafka. */
        NOT_DELIVERED,
        /** Kafka answered an error the gateway has no better code for. */
        KAFKA_ERROR,
        /** A bug; logged where it happened. */
        INTERNAL
    }

    /** Validates. */
    ProduceRefusal {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** The refusal for a record the engine reports failed (or that Kafka refuses to take now). */
    static ProduceRefusal of(DeliveryFailure f) {
        Code code =
                switch (f.code()) {
                    case RECORD_TOO_LARGE -> Code.RECORD_TOO_LARGE;
                    case UNKNOWN_TOPIC -> Code.UNKNOWN_TOPIC;
                    case UNKNOWN_PARTITION -> Code.UNKNOWN_PARTITION;
                    case INVALID_TOPIC -> Code.INVALID_TOPIC;
                    case INVALID_RECORD -> Code.INVALID_RECORD;
                    case AUTHORIZATION -> Code.KAFKA_NOT_AUTHORIZED;
                    case AUTHENTICATION -> Code.KAFKA_REFUSED;
                    case DELIVERY_TIMEOUT -> Code.TIMED_OUT;
                    case NOT_DELIVERED -> Code.NOT_DELIVERED;
                    case INTERNAL -> Code.INTERNAL;
                    case UNSUPPORTED_VERSION, KAFKA_ERROR -> Code.KAFKA_ERROR;
                };
        return new ProduceRefusal(code, f.message());
    }
}
