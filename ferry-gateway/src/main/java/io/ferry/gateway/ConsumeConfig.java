package io.ferry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import io.ferry.kafka.consume.AckSettings;
import io.ferry.kafka.consume.ConsumeSettings;
import io.ferry.kafka.consume.FetchLane;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cluster's consume settings ({@code clusters.<name>.consume.*}, docs/configuration.md
 * "Consume"); immutable, any thread. The engine's part (acknowledgements, commits, where a new
 * group starts) and the gateway's limits on what clients may ask.
 *
 * @param ackTimeoutMs {@code ack-timeout-ms}: an offered message not acknowledged within this is
 *     offered again (kafka-pixy's {@code ack_timeout}, 5 minutes)
 * @param maxPending {@code max-pending}: unacknowledged offers per partition before it offers no
 *     more (kafka-pixy's {@code max_pending_messages}, 300)
 * @param maxRetries {@code max-retries}: redeliveries before a message goes to the dead letter; -1
 *     for no limit (kafka-pixy's {@code max_retries})
 * @param commitIntervalMs {@code offsets-commit-interval-ms}: how often acknowledged offsets are
 *     committed (500 ms)
 * @param startAtEarliest {@code auto-offset-reset} {@code earliest}: where a group with no
 *     committed offset starts; {@code latest} (the default, as Kafka's and kafka-pixy's) otherwise
 * @param longPollTimeoutMs {@code long-poll-timeout-ms}: how long a consume request waits for a
 *     message when it does not say (kafka-pixy's {@code long_polling_timeout}, 3 s)
 * @param maxWaitMs {@code max-wait-ms}: the longest wait a request may ask for
 * @param maxWaiting {@code max-waiting}: long polls waiting at once in this gateway for this
 *     cluster; more get 429 / {@code RESOURCE_EXHAUSTED}
 * @param maxMessages {@code max-messages}: the most messages one request may take
 * @param groupIdleMs {@code group-idle-timeout-ms}: a group this gateway consumes leaves the group
 *     after this long with no request for it (no poll, acknowledgement or stream), so its
 *     partitions go to the group's other members (kafka-pixy's {@code subscription_timeout})
 */
public record ConsumeConfig(
        long ackTimeoutMs,
        int maxPending,
        int maxRetries,
        long commitIntervalMs,
        boolean startAtEarliest,
        long longPollTimeoutMs,
        long maxWaitMs,
        int maxWaiting,
        int maxMessages,
        long groupIdleMs) {

    /** Every setting at its default. */
    public static final ConsumeConfig DEFAULT =
            new ConsumeConfig(
                    AckSettings.DEFAULT_ACK_TIMEOUT_MS,
                    AckSettings.DEFAULT_MAX_PENDING,
                    AckSettings.DEFAULT_MAX_RETRIES,
                    500,
                    false,
                    3_000,
                    30_000,
                    1_000,
                    1_000,
                    30_000);

    private static final Set<String> KEYS =
            Set.of(
                    "ack-timeout-ms",
                    "max-pending",
                    "max-retries",
                    "offsets-commit-interval-ms",
                    "auto-offset-reset",
                    "long-poll-timeout-ms",
                    "max-wait-ms",
                    "max-waiting",
                    "max-messages",
                    "group-idle-timeout-ms");

    /** Validates. */
    public ConsumeConfig {
        if (longPollTimeoutMs > maxWaitMs) {
            throw new ConfigException(
                    "consume.long-poll-timeout-ms ("
                            + longPollTimeoutMs
                            + ") is over consume.max-wait-ms ("
                            + maxWaitMs
                            + "); the default wait must be one a request may ask for");
        }
    }

    /** The engine's settings these make. */
    public ConsumeSettings engineSettings() {
        return ConsumeSettings.defaults()
                .withAcks(new AckSettings(ackTimeoutMs, maxPending, maxRetries))
                .withCommitIntervalMs(commitIntervalMs)
                .withReset(
                        startAtEarliest
                                ? FetchLane.OffsetReset.EARLIEST
                                : FetchLane.OffsetReset.LATEST);
    }

    /** This with another start policy (tests, dev mode). */
    public ConsumeConfig withStartAtEarliest(boolean earliest) {
        return new ConsumeConfig(
                ackTimeoutMs,
                maxPending,
                maxRetries,
                commitIntervalMs,
                earliest,
                longPollTimeoutMs,
                maxWaitMs,
                maxWaiting,
                maxMessages,
                groupIdleMs);
    }

    /** This with other request limits (tests). */
    public ConsumeConfig withLimits(long longPollMs, long maxWait, int waiting, int messages) {
        return new ConsumeConfig(
                ackTimeoutMs,
                maxPending,
                maxRetries,
                commitIntervalMs,
                startAtEarliest,
                longPollMs,
                maxWait,
                waiting,
                messages,
                groupIdleMs);
    }

    /** This with another idle timeout for groups (tests). */
    public ConsumeConfig withGroupIdleMs(long ms) {
        return new ConsumeConfig(
                ackTimeoutMs,
                maxPending,
                maxRetries,
                commitIntervalMs,
                startAtEarliest,
                longPollTimeoutMs,
                maxWaitMs,
                maxWaiting,
                maxMessages,
                ms);
    }

    /**
     * Parses {@code node} (the {@code consume} section at {@code at}, missing for the defaults).
     *
     * @throws ConfigException naming the key and what is accepted
     */
    static ConsumeConfig parse(String at, JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return DEFAULT;
        }
        if (!node.isObject()) {
            throw new ConfigException(at + " must be a mapping of consume settings");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!KEYS.contains(e.getKey())) {
                throw new ConfigException(
                        at
                                + "."
                                + e.getKey()
                                + " is not a consume setting; known: "
                                + new TreeSet<>(KEYS));
            }
        }
        String reset = text(at, node, "auto-offset-reset", "latest");
        if (!reset.equals("latest") && !reset.equals("earliest")) {
            throw new ConfigException(
                    at + ".auto-offset-reset is '" + reset + "'; expected latest or earliest");
        }
        ConsumeConfig d = DEFAULT;
        return new ConsumeConfig(
                number(at, node, "ack-timeout-ms", d.ackTimeoutMs, 1, Long.MAX_VALUE / 4),
                (int) number(at, node, "max-pending", d.maxPending, 1, 1_000_000),
                (int) number(at, node, "max-retries", d.maxRetries, -1, Integer.MAX_VALUE),
                number(at, node, "offsets-commit-interval-ms", d.commitIntervalMs, 1, 3_600_000),
                reset.equals("earliest"),
                number(at, node, "long-poll-timeout-ms", d.longPollTimeoutMs, 0, 3_600_000),
                number(at, node, "max-wait-ms", d.maxWaitMs, 0, 3_600_000),
                (int) number(at, node, "max-waiting", d.maxWaiting, 1, 1_000_000),
                (int) number(at, node, "max-messages", d.maxMessages, 1, 100_000),
                number(at, node, "group-idle-timeout-ms", d.groupIdleMs, 1_000, 86_400_000));
    }

    private static String text(String at, JsonNode n, String key, String def) {
        JsonNode v = n.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return def;
        }
        if (!v.isValueNode()) {
            throw new ConfigException(at + "." + key + " must be a value, not a mapping or list");
        }
        return v.asText().trim();
    }

    private static long number(String at, JsonNode n, String key, long def, long min, long max) {
        String t = text(at, n, key, null);
        if (t == null) {
            return def;
        }
        long v;
        try {
            v = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    at + "." + key + " is '" + t + "'; expected an integer " + min + ".." + max);
        }
        if (v < min || v > max) {
            throw new ConfigException(
                    at + "." + key + " is " + v + "; expected " + min + ".." + max);
        }
        return v;
    }
}
