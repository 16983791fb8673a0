package io.ferry.deadletter;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Kafka form of a dead-letter record; stateless, any thread.
 *
 * <p>The dead-letter event keeps the original key, value and headers (in order, byte-exact) and
 * appends one header per fact about the failure; its timestamp is the failure time (a topic may
 * refuse the original one: an invalid timestamp is one reason to be here), the original one is in
 * {@link #TIMESTAMP}. Values are UTF-8 text, numbers in decimal. The appended block is always the
 * last headers and ends with {@link #ORIGINAL_HEADERS}, the number of original headers before it,
 * so that {@link #fromKafka} strips exactly what was appended even when the original headers
 * themselves carry {@code ferry.dlq.*} names (a dead-letter record dead-lettered again).
 *
 * <pre>
 *  ferry.dlq.topic              the original topic
 *  ferry.dlq.partition          the partition the event asked for, -1: none
 *  ferry.dlq.bound-partition    the partition it was routed to or read from, -1: unknown
 *  ferry.dlq.timestamp          the original timestamp in ms, -1: none
 *  ferry.dlq.source             PRODUCE or CONSUME
 *  ferry.dlq.cluster            the cluster's name
 *  ferry.dlq.code               the failure code (DeliveryFailure.Code's name, REDELIVERY_LIMIT ...)
 *  ferry.dlq.kafka-error        Kafka's error name; absent when Kafka said none
 *  ferry.dlq.message            what happened, for people
 *  ferry.dlq.failed-at          the failure time in ms since the epoch
 *  ferry.dlq.attempts           how many times it was sent (delivered, for consume)
 *  ferry.dlq.group              consume only: the consumer group
 *  ferry.dlq.offset             consume only: the offset it was read at
 *  ferry.dlq.delivery-count     consume only: how many times it was delivered
 *  ferry.dlq.original-headers   the number of original headers (always last)
 * </pre>
 */
public final class DeadLetterHeaders {
    /** The prefix of every appended header. */
    public static final String PREFIX = "ferry.dlq.";

    public static final String TOPIC = PREFIX + "topic";
    public static final String PARTITION = PREFIX + "partition";
    public static final String BOUND_PARTITION = PREFIX + "bound-partition";
    public static final String TIMESTAMP = PREFIX + "timestamp";
    public static final String SOURCE = PREFIX + "source";
    public static final String CLUSTER = PREFIX + "cluster";
    public static final String CODE = PREFIX + "code";
    public static final String KAFKA_ERROR = PREFIX + "kafka-error";
    public static final String MESSAGE = PREFIX + "message";
    public static final String FAILED_AT = PREFIX + "failed-at";
    public static final String ATTEMPTS = PREFIX + "attempts";
    public static final String GROUP = PREFIX + "group";
    public static final String OFFSET = PREFIX + "offset";
    public static final String DELIVERY_COUNT = PREFIX + "delivery-count";
    public static final String ORIGINAL_HEADERS = PREFIX + "original-headers";

    private static final Set<String> NAMES =
            Set.of(
                    TOPIC,
                    PARTITION,
                    BOUND_PARTITION,
                    TIMESTAMP,
                    SOURCE,
                    CLUSTER,
                    CODE,
                    KAFKA_ERROR,
                    MESSAGE,
                    FAILED_AT,
                    ATTEMPTS,
                    GROUP,
                    OFFSET,
                    DELIVERY_COUNT,
                    ORIGINAL_HEADERS);

    private DeadLetterHeaders() {}

    /**
     * The event to write to {@code deadLetterTopic} for {@code r}: the original key, value and
     * headers, then the appended ones; no partition (the dead-letter topic's partitioner chooses),
     * the failure time as its timestamp.
     */
    public static Event toDeadLetterEvent(String deadLetterTopic, DeadLetterRecord r) {
        List<Header> headers = new ArrayList<>(r.headers().size() + 15);
        headers.addAll(r.headers());
        put(headers, TOPIC, r.topic());
        put(headers, PARTITION, Integer.toString(r.requestedPartition()));
        put(headers, BOUND_PARTITION, Integer.toString(r.boundPartition()));
        put(headers, TIMESTAMP, Long.toString(r.timestampMs()));
        put(headers, SOURCE, r.source().name());
        put(headers, CLUSTER, r.cluster());
        put(headers, CODE, r.code());
        if (r.kafkaError() != null) {
            put(headers, KAFKA_ERROR, r.kafkaError());
        }
        put(headers, MESSAGE, r.message());
        put(headers, FAILED_AT, Long.toString(r.failedAtMs()));
        put(headers, ATTEMPTS, Integer.toString(r.attempts()));
        if (r.source() == DeadLetterRecord.Source.CONSUME) {
            put(headers, GROUP, r.group());
            put(headers, OFFSET, Long.toString(r.offset()));
            put(headers, DELIVERY_COUNT, Integer.toString(r.deliveryCount()));
        }
        put(headers, ORIGINAL_HEADERS, Integer.toString(r.headers().size()));
        return Event.builder(deadLetterTopic)
                .key(r.key())
                .value(r.value())
                .headers(headers)
                .timestampMs(r.failedAtMs())
                .build();
    }

    /**
     * The record a dead-letter event read from Kafka stands for: the inverse of {@link
     * #toDeadLetterEvent}, the appended headers stripped exactly.
     *
     * @param key the Kafka record's key, or null
     * @param value the Kafka record's value, or null
     * @param headers the Kafka record's headers, in order
     * @throws IllegalArgumentException when the headers are not a dead-letter record's, naming what
     *     is missing or wrong
     */
    public static DeadLetterRecord fromKafka(byte[] key, byte[] value, List<Header> headers) {
        if (headers.isEmpty() || !headers.get(headers.size() - 1).key().equals(ORIGINAL_HEADERS)) {
            throw new IllegalArgumentException(
                    "not a dead-letter record: its last header is not " + ORIGINAL_HEADERS);
        }
        int original = parseInt(ORIGINAL_HEADERS, text(headers.get(headers.size() - 1)));
        if (original < 0 || original > headers.size() - 1) {
            throw new IllegalArgumentException(
                    ORIGINAL_HEADERS
                            + " is "
                            + original
                            + "; the record has "
                            + headers.size()
                            + " headers");
        }
        Map<String, String> facts = new HashMap<>();
        for (Header h : headers.subList(original, headers.size())) {
            if (!NAMES.contains(h.key())) {
                throw new IllegalArgumentException(
                        "not a dead-letter record: header '" + h.key() + "' among the appended");
            }
            if (facts.put(h.key(), text(h)) != null) {
                throw new IllegalArgumentException(
                        "not a dead-letter record: header " + h.key() + " appended twice");
            }
        }
        DeadLetterRecord.Source source;
        try {
            source = DeadLetterRecord.Source.valueOf(required(facts, SOURCE));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    SOURCE + " is '" + facts.get(SOURCE) + "'; expected PRODUCE or CONSUME", e);
        }
        boolean consume = source == DeadLetterRecord.Source.CONSUME;
        return new DeadLetterRecord(
                required(facts, TOPIC),
                parseInt(PARTITION, required(facts, PARTITION)),
                parseInt(BOUND_PARTITION, required(facts, BOUND_PARTITION)),
                key,
                value,
                List.copyOf(headers.subList(0, original)),
                parseLong(TIMESTAMP, required(facts, TIMESTAMP)),
                source,
                required(facts, CLUSTER),
                required(facts, CODE),
                facts.get(KAFKA_ERROR),
                required(facts, MESSAGE),
                parseLong(FAILED_AT, required(facts, FAILED_AT)),
                parseInt(ATTEMPTS, required(facts, ATTEMPTS)),
                consume ? required(facts, GROUP) : null,
                consume ? parseLong(OFFSET, required(facts, OFFSET)) : DeadLetterRecord.UNKNOWN,
                consume
                        ? parseInt(DELIVERY_COUNT, required(facts, DELIVERY_COUNT))
                        : DeadLetterRecord.UNKNOWN);
    }

    private static void put(List<Header> headers, String name, String text) {
        headers.add(new Header(name, text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String text(Header h) {
        if (h.value() == null) {
            throw new IllegalArgumentException("header " + h.key() + " has no value");
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String required(Map<String, String> facts, String name) {
        String v = facts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("not a dead-letter record: no header " + name);
        }
        return v;
    }

    private static int parseInt(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is '" + text + "'; expected an integer", e);
        }
    }

    private static long parseLong(String name, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is '" + text + "'; expected an integer", e);
        }
    }
}
