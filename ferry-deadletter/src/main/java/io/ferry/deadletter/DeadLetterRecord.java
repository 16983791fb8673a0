package io.ferry.deadletter;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One event that cannot be delivered, with why and where it failed; immutable, safe to share
 * between threads once constructed.
 *
 * <p>It keeps the original event (topic, requested partition, key, value, headers byte-exact, in
 * order, and timestamp) so that {@link #toEvent()} can replay it, and the failure: where it came
 * from ({@link Source}), the cluster, a code (the name of ferry-kafka's {@code
 * DeliveryFailure.Code} such as {@code RECORD_TOO_LARGE}, or a consume-side code such as {@code
 * REDELIVERY_LIMIT}), Kafka's error name where Kafka said one, a message for people, the failure
 * time and the number of attempts. Consume-side records also carry the consumer group, the offset
 * and the delivery count.
 *
 * <p>Like {@link Event}, the arrays are handed over, not copied: do not modify them.
 */
public final class DeadLetterRecord {
    /** Where the record was dead-lettered. */
    public enum Source {
        /** The produce side: Kafka refused the event for good. */
        PRODUCE,
        /** The consume side: a message past its redelivery limit. */
        CONSUME
    }

    /** {@link #boundPartition()}, {@link #offset()} or {@link #deliveryCount()} when unknown. */
    public static final int UNKNOWN = -1;

    private final String topic;
    private final int requestedPartition;
    private final int boundPartition;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;
    private final long timestampMs;
    private final Source source;
    private final String cluster;
    private final String code;
    private final String kafkaError;
    private final String message;
    private final long failedAtMs;
    private final int attempts;
    private final String group;
    private final long offset;
    private final int deliveryCount;
    private final Event event;

    DeadLetterRecord(
            String topic,
            int requestedPartition,
            int boundPartition,
            byte[] key,
            byte[] value,
            List<Header> headers,
            long timestampMs,
            Source source,
            String cluster,
            String code,
            String kafkaError,
            String message,
            long failedAtMs,
            int attempts,
            String group,
            long offset,
            int deliveryCount) {
        this.source = Objects.requireNonNull(source, "source");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("a dead-letter record needs a failure code");
        }
        this.code = code;
        this.kafkaError = kafkaError;
        this.message = Objects.requireNonNull(message, "message");
        if (boundPartition < UNKNOWN) {
            throw new IllegalArgumentException(
                    "boundPartition must be >= 0 (or -1: unknown), was " + boundPartition);
        }
        if (failedAtMs < 0) {
            throw new IllegalArgumentException("failedAtMs must be >= 0, was " + failedAtMs);
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, was " + attempts);
        }
        if (source == Source.CONSUME) {
            if (group == null || group.isEmpty()) {
                throw new IllegalArgumentException("a consume-side record needs its group");
            }
            if (offset < 0 || deliveryCount < 0) {
                throw new IllegalArgumentException(
                        "a consume-side record needs offset >= 0 and deliveryCount >= 0, was "
                                + offset
                                + " and "
                                + deliveryCount);
            }
        } else if (group != null || offset != UNKNOWN || deliveryCount != UNKNOWN) {
            throw new IllegalArgumentException(
                    "a produce-side record has no group, offset or delivery count");
        }
        // validates topic, partition and timestamp as every event does
        this.event =
                Event.builder(topic)
                        .partition(requestedPartition)
                        .key(key)
                        .value(value)
                        .headers(headers)
                        .timestampMs(timestampMs)
                        .build();
        this.topic = topic;
        this.requestedPartition = requestedPartition;
        this.boundPartition = boundPartition;
        this.key = key;
        this.value = value;
        this.headers = event.headers();
        this.timestampMs = timestampMs;
        this.failedAtMs = failedAtMs;
        this.attempts = attempts;
        this.group = group;
        this.offset = offset;
        this.deliveryCount = deliveryCount;
    }

    /**
     * The record of an event the produce side could not deliver.
     *
     * @param event the event as it was published
     * @param cluster the name of the Kafka cluster it was bound for
     * @param boundPartition the partition it was routed to, or {@link #UNKNOWN}
     * @param code the failure code, the name of {@code DeliveryFailure.Code}
     * @param kafkaError Kafka's error name (e.g. {@code MESSAGE_TOO_LARGE}), or null
     * @param message what happened, for people
     * @param failedAtMs when it failed for good, ms since the epoch
     * @param attempts how many times it was sent
     */
    public static DeadLetterRecord forProduce(
            Event event,
            String cluster,
            int boundPartition,
            String code,
            String kafkaError,
            String message,
            long failedAtMs,
            int attempts) {
        Objects.requireNonNull(event, "event");
        return new DeadLetterRecord(
                event.topic(),
                event.partition(),
                boundPartition,
                event.key(),
                event.value(),
                event.headers(),
                event.timestampMs(),
                Source.PRODUCE,
                cluster,
                code,
                kafkaError,
                message,
                failedAtMs,
                attempts,
                null,
                UNKNOWN,
                UNKNOWN);
    }

    /**
     * The record of a consumed message given up on (e.g. past its redelivery limit); its partition
     * is the bound one, none is requested, so a replay lets the partitioner choose; {@link
     * #attempts()} is the delivery count.
     *
     * @param message the message as it was read from Kafka, its partition included; its timestamp
     *     is Kafka's
     * @param offset its offset in that partition
     * @param cluster the name of the Kafka cluster it was read from
     * @param group the consumer group that gave up on it
     * @param deliveryCount how many times it was delivered
     * @param code the failure code, e.g. {@code REDELIVERY_LIMIT}
     * @param text what happened, for people
     * @param failedAtMs when it was given up on, ms since the epoch
     */
    public static DeadLetterRecord forConsume(
            Event message,
            long offset,
            String cluster,
            String group,
            int deliveryCount,
            String code,
            String text,
            long failedAtMs) {
        Objects.requireNonNull(message, "message");
        return new DeadLetterRecord(
                message.topic(),
                Event.NO_PARTITION,
                message.partition(),
                message.key(),
                message.value(),
                message.headers(),
                message.timestampMs(),
                Source.CONSUME,
                cluster,
                code,
                null,
                text,
                failedAtMs,
                deliveryCount,
                group,
                offset,
                deliveryCount);
    }

    /**
     * The original event, for replay: its topic, requested partition, key, value, headers and
     * timestamp, without anything about the failure.
     */
    public Event toEvent() {
        return event;
    }

    /** The original topic. */
    public String topic() {
        return topic;
    }

    /** The partition the event asked for, or {@link Event#NO_PARTITION}. */
    public int requestedPartition() {
        return requestedPartition;
    }

    /** The partition it was routed to (or read from), or {@link #UNKNOWN}. */
    public int boundPartition() {
        return boundPartition;
    }

    /** The key, or null. Not a copy: do not modify. */
    public byte[] key() {
        return key;
    }

    /** The value, or null. Not a copy: do not modify. */
    public byte[] value() {
        return value;
    }

    /** The original headers, in order, unmodifiable. */
    public List<Header> headers() {
        return headers;
    }

    /** The original timestamp in ms, or {@link Event#NO_TIMESTAMP}. */
    public long timestampMs() {
        return timestampMs;
    }

    /** Where it was dead-lettered. */
    public Source source() {
        return source;
    }

    /** The name of the Kafka cluster. */
    public String cluster() {
        return cluster;
    }

    /** The failure code: a {@code DeliveryFailure.Code} name, or a consume-side code. */
    public String code() {
        return code;
    }

    /** Kafka's error name, or null when Kafka said none. */
    public String kafkaError() {
        return kafkaError;
    }

    /** What happened, for people. */
    public String message() {
        return message;
    }

    /** When it failed for good, ms since the epoch. */
    public long failedAtMs() {
        return failedAtMs;
    }

    /** How many times it was sent (produce) or delivered (consume). */
    public int attempts() {
        return attempts;
    }

    /** The consumer group (consume side), else null. */
    public String group() {
        return group;
    }

    /** The offset it was read at (consume side), else {@link #UNKNOWN}. */
    public long offset() {
        return offset;
    }

    /** How many times it was delivered (consume side), else {@link #UNKNOWN}. */
    public int deliveryCount() {
        return deliveryCount;
    }

    /** The original event's size as {@link Event#sizeBytes()} counts it. */
    public int eventSizeBytes() {
        return event.sizeBytes();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DeadLetterRecord r)) {
            return false;
        }
        return requestedPartition == r.requestedPartition
                && boundPartition == r.boundPartition
                && timestampMs == r.timestampMs
                && failedAtMs == r.failedAtMs
                && attempts == r.attempts
                && offset == r.offset
                && deliveryCount == r.deliveryCount
                && source == r.source
                && topic.equals(r.topic)
                && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value)
                && headers.equals(r.headers)
                && cluster.equals(r.cluster)
                && code.equals(r.code)
                && Objects.equals(kafkaError, r.kafkaError)
                && message.equals(r.message)
                && Objects.equals(group, r.group);
    }

    @Override
    public int hashCode() {
        return Objects.hash(event, source, cluster, code, failedAtMs, offset, group);
    }

    @Override
    public String toString() {
        return "DeadLetterRecord{"
                + source
                + " "
                + topic
                + (boundPartition == UNKNOWN ? "" : "-" + boundPartition)
                + ", cluster="
                + cluster
                + ", code="
                + code
                + (kafkaError == null ? "" : "/" + kafkaError)
                + ", attempts="
                + attempts
                + (group == null ? "" : ", group=" + group + ", offset=" + offset)
                + ", event="
                + event
                + ", message="
                + message
                + "}";
    }
}
