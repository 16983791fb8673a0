package io.ferry.gateway;

import io.vertx.grpc.common.GrpcStatus;

/**
 * The gRPC statuses of the services' refusals: the one mapping from {@link ProduceRefusal.Code} for
 * Ferry's own service and the ones from {@link ProduceRefusal.Code} and {@link ConsumeRefused.Code}
 * for kafka-pixy's (its clients' expectations); stateless, any thread. The HTTP API's mappings are
 * {@link Produce#http} and {@link ConsumeRefused#httpStatus}; docs/gateway.md has them side by
 * side.
 */
final class GrpcStatuses {
    private GrpcStatuses() {}

    /** Ferry's own service ({@code ferry.v1.Ferry}). */
    static GrpcStatus ferry(ProduceRefusal.Code code) {
        return switch (code) {
            case UNKNOWN_CLUSTER, UNKNOWN_TOPIC -> GrpcStatus.NOT_FOUND;
            case NOT_AUTHORIZED, KAFKA_NOT_AUTHORIZED, INTERNAL_TOPIC ->
                    GrpcStatus.PERMISSION_DENIED;
            case INVALID_TOPIC,
                    UNKNOWN_PARTITION,
                    RECORD_TOO_LARGE,
                    INVALID_RECORD,
                    INVALID_TIMESTAMP ->
                    GrpcStatus.INVALID_ARGUMENT;
            case BROKER_FULL -> GrpcStatus.RESOURCE_EXHAUSTED;
            case KAFKA_REFUSED, CANNOT_VERIFY, KAFKA_UNAVAILABLE, NOT_DELIVERED, KAFKA_ERROR ->
                    GrpcStatus.UNAVAILABLE;
            case TIMED_OUT -> GrpcStatus.DEADLINE_EXCEEDED;
            case INTERNAL -> GrpcStatus.INTERNAL;
        };
    }

    /** Ferry's own service's status for a refusal of the consume service. */
    static GrpcStatus ferry(ConsumeRefused.Code code) {
        return switch (code) {
            case INVALID_REQUEST, INVALID_GROUP, INVALID_TOPIC -> GrpcStatus.INVALID_ARGUMENT;
            case UNKNOWN_CLUSTER, UNKNOWN_TOPIC -> GrpcStatus.NOT_FOUND;
            case NOT_AUTHORIZED -> GrpcStatus.PERMISSION_DENIED;
            case TOO_MANY_WAITING -> GrpcStatus.RESOURCE_EXHAUSTED;
            case NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED, REFUSED ->
                    GrpcStatus.FAILED_PRECONDITION;
            case GROUP_FAILED, KAFKA_UNAVAILABLE, CLOSING -> GrpcStatus.UNAVAILABLE;
            case INTERNAL -> GrpcStatus.INTERNAL;
        };
    }

    /** Ends {@code call} with Ferry's status for {@code r}, and its HTTP API error code. */
    static void failFerry(GrpcApi.Call<?> call, ConsumeRefused r) {
        call.fail(ferry(r.code), ConsumeRefused.wireName(r.code), r.getMessage());
    }

    /**
     * kafka-pixy's service ({@code KafkaPixy}): InvalidArgument for bad input (an unknown cluster
     * too, as kafka-pixy answers it), NotFound for an unknown topic, ResourceExhausted for a full
     * broker, Unavailable while Kafka does not answer, Internal for the rest.
     */
    static GrpcStatus pixy(ProduceRefusal.Code code) {
        return switch (code) {
            case UNKNOWN_CLUSTER,
                    INVALID_TOPIC,
                    INTERNAL_TOPIC,
                    UNKNOWN_PARTITION,
                    RECORD_TOO_LARGE,
                    INVALID_RECORD,
                    INVALID_TIMESTAMP ->
                    GrpcStatus.INVALID_ARGUMENT;
            case UNKNOWN_TOPIC -> GrpcStatus.NOT_FOUND;
            case NOT_AUTHORIZED, KAFKA_NOT_AUTHORIZED -> GrpcStatus.PERMISSION_DENIED;
            case BROKER_FULL -> GrpcStatus.RESOURCE_EXHAUSTED;
            case KAFKA_REFUSED, CANNOT_VERIFY, KAFKA_UNAVAILABLE, NOT_DELIVERED, TIMED_OUT ->
                    GrpcStatus.UNAVAILABLE;
            case KAFKA_ERROR, INTERNAL -> GrpcStatus.INTERNAL;
        };
    }

    /**
     * kafka-pixy's service, for the consume service's refusals: InvalidArgument for bad input and
     * an unknown cluster, NotFound for an unknown topic, ResourceExhausted for too many waiting
     * long polls, Unavailable while the gateway closes or Kafka does not answer, Internal for the
     * rest, as kafka-pixy answers them. Where kafka-pixy answers Internal for what the client
     * caused (an acknowledgement this instance cannot take: its "acks channel missing"; setting the
     * offsets of a group that has members), Ferry answers FailedPrecondition: the call is valid,
     * the group's state does not allow it, and retrying it unchanged does not help.
     */
    static GrpcStatus pixy(ConsumeRefused.Code code) {
        return switch (code) {
            case INVALID_REQUEST, UNKNOWN_CLUSTER, INVALID_GROUP, INVALID_TOPIC ->
                    GrpcStatus.INVALID_ARGUMENT;
            case UNKNOWN_TOPIC -> GrpcStatus.NOT_FOUND;
            case NOT_AUTHORIZED -> GrpcStatus.PERMISSION_DENIED;
            case TOO_MANY_WAITING -> GrpcStatus.RESOURCE_EXHAUSTED;
            case NOT_CONSUMED_HERE, NOT_OWNED, NEVER_OFFERED, REFUSED ->
                    GrpcStatus.FAILED_PRECONDITION;
            case KAFKA_UNAVAILABLE, CLOSING -> GrpcStatus.UNAVAILABLE;
            case GROUP_FAILED, INTERNAL -> GrpcStatus.INTERNAL;
        };
    }

    /** Ends {@code call} with Ferry's status for {@code r}, and its HTTP error code. */
    static void failFerry(GrpcApi.Call<?> call, ProduceRefusal r) {
        call.fail(ferry(r.code()), Produce.http(r).code, r.message());
    }

    /** Ends {@code call} with kafka-pixy's status for {@code r}. */
    static void failPixy(GrpcApi.Call<?> call, ProduceRefusal r) {
        call.fail(pixy(r.code()), Produce.http(r).code, r.message());
    }

    /**
     * Ends {@code call} with kafka-pixy's status for {@code r}, and the code of Ferry's API in the
     * trailer.
     */
    static void failPixy(GrpcApi.Call<?> call, ConsumeRefused r) {
        call.fail(pixy(r.code), ConsumeRefused.wireName(r.code), r.getMessage());
    }
}
