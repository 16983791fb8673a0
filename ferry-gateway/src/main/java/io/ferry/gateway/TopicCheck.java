package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.kafka.TopicConfigs;
import java.time.Instant;
import java.util.List;

/**
 * Decides whether a produce request's records may be accepted for a topic, from what the engine's
 * metadata cache knows (one source for the gateway and the engine); stateless, any thread.
 */
final class TopicCheck {
    /* Design notes
     * No answer is a guess and none stalls on a frozen Kafka. From the cache: a known topic whose
     * partitions cover the request is accepted at once, even when the cache is old (a frozen Kafka
     * cannot stall ack=none/local). A partition beyond the cached count, or a topic the cache has
     * not heard of (or heard was missing more than MISSING_TRUST_MS ago), asks Kafka once, waiting
     * at most TIMEOUT_MS (also while the cluster is still connecting, with nothing wrong seen
     * yet). When Kafka cannot be asked (the cluster is unavailable or refuses the gateway, or the
     * refresh did not answer in time), ack=none/local accept into the broker (the engine holds the records
     * until Kafka answers, then delivers or fails them) and ack=kafka answers 503 "cannot verify".
     * Topic configs (issue 12, checkConfigs): only when the engine knows them (fetched in the
     * background; unknown means accept, never a wait) and only what is certain: the size of a
     * record alone in a batch (no batch holding it is smaller) when batches go uncompressed, and
     * an explicit CreateTime timestamp outside the topic's window by more than TIMESTAMP_MARGIN_MS
     * (the gateway's clock and the broker's may differ by that much in the record's favour).
     */
    /** How far outside the topic's timestamp window a record must be to be refused here. */
    static final long TIMESTAMP_MARGIN_MS = 60_000;

    /** How long a request waits for one metadata refresh before it is decided without it. */
    static final long TIMEOUT_MS = 2_000;

    /** A cached "missing" answer is trusted this long; then Kafka is asked again. */
    static final long MISSING_TRUST_MS = 2_000;

    /** What to do with a request. */
    enum Verdict {
        /** Hand the records to the broker. */
        ACCEPT,
        /** Ask Kafka (one bounded refresh), then decide again. */
        ASK
    }

    private TopicCheck() {}

    /**
     * The verdict for {@code records} of {@code topic}, or a refusal thrown as a {@link
     * ProduceService.Refused} (on the service's slow path only: the fast path never gets here).
     *
     * @param info what the cache knows now
     * @param refreshed true after the one refresh was answered
     * @param canAsk false when Kafka cannot be asked now (not ready, or the refresh failed)
     */
    static Verdict decide(
            String cluster,
            TopicMeta info,
            List<ProduceRecord> events,
            AckLevel ack,
            boolean refreshed,
            boolean canAsk) {
        String topic = info.name();
        boolean ask = canAsk && !refreshed;
        switch (info.state()) {
            case KNOWN -> {
                if (info.internal()) {
                    throw internal(topic);
                }
                int n = info.partitionCount();
                int bad = firstBeyond(events, n);
                if (bad < 0) {
                    return Verdict.ACCEPT;
                }
                if (ask) {
                    return Verdict.ASK; // it may have been added since the cache heard
                }
                if (refreshed) {
                    throw new ProduceService.Refused(
                            ProduceRefusal.Code.UNKNOWN_PARTITION,
                            (events.size() > 1 ? "records[" + bad + "]: " : "")
                                    + "partition "
                                    + events.get(bad).partition()
                                    + " does not exist; topic '"
                                    + topic
                                    + "' has "
                                    + n
                                    + " partitions (0.."
                                    + (n - 1)
                                    + ")");
                }
                return unverified(cluster, topic, ack);
            }
            case MISSING -> {
                if (refreshed || info.ageMs() <= MISSING_TRUST_MS) {
                    throw new ProduceService.Refused(
                            ProduceRefusal.Code.UNKNOWN_TOPIC,
                            "topic '"
                                    + topic
                                    + "' does not exist in cluster '"
                                    + cluster
                                    + "'; create it first (Ferry does not create topics)");
                }
                return ask ? Verdict.ASK : unverified(cluster, topic, ack);
            }
            case FAILED -> {
                if ("INVALID_TOPIC_EXCEPTION".equals(info.kafkaError())) {
                    throw new ProduceService.Refused(
                            ProduceRefusal.Code.INVALID_TOPIC,
                            "Kafka says topic '" + topic + "' is not a valid name");
                }
                if ("TOPIC_AUTHORIZATION_FAILED".equals(info.kafkaError())
                        && ack == AckLevel.KAFKA) {
                    throw new ProduceService.Refused(
                            ProduceRefusal.Code.KAFKA_NOT_AUTHORIZED,
                            "Kafka does not authorize this gateway to write topic '"
                                    + topic
                                    + "' (TOPIC_AUTHORIZATION_FAILED)");
                }
                return Verdict.ACCEPT; // the engine holds the records until the cause clears
            }
            default -> {
                return ask ? Verdict.ASK : unverified(cluster, topic, ack);
            }
        }
    }

    /**
     * Refuses record {@code i} of {@code n} (thrown as a {@link ProduceService.Refused}) when the
     * topic's {@code configs} say Kafka would certainly refuse it: RECORD_TOO_LARGE over {@code
     * max.message.bytes} (only with uncompressed batches), INVALID_TIMESTAMP outside the CreateTime
     * window by more than {@link #TIMESTAMP_MARGIN_MS}. Allocates nothing unless the record is near
     * the size limit or refused.
     */
    static void checkConfigs(
            ClusterBackend c,
            String topic,
            TopicConfigs configs,
            Event e,
            int n,
            int i,
            long nowMs) {
        int max = configs.maxMessageBytes();
        if (max != TopicConfigs.UNKNOWN_BYTES
                && c.uncompressed()
                && TopicConfigs.batchBytesUpperBound(e) > max) {
            int bytes = TopicConfigs.batchBytesOfOne(e);
            if (bytes > max) {
                throw new ProduceService.Refused(
                        ProduceRefusal.Code.RECORD_TOO_LARGE,
                        (n > 1 ? "records[" + i + "]" : "the record")
                                + " is "
                                + bytes
                                + " bytes in a record batch of its own, over topic '"
                                + topic
                                + "''s max.message.bytes="
                                + max
                                + "; Kafka would refuse it: make it at least "
                                + (bytes - max)
                                + " bytes smaller");
            }
        }
        long ts = e.timestampMs();
        if (!configs.createTime() || ts == Event.NO_TIMESTAMP) {
            return; // stamped now (or by the broker): never refused
        }
        long before = configs.timestampBeforeMaxMs();
        long after = configs.timestampAfterMaxMs();
        // nowMs and ts are >= 0: their differences cannot overflow; the windows plus the margin may
        boolean tooOld =
                before <= Long.MAX_VALUE - TIMESTAMP_MARGIN_MS
                        && nowMs - ts > before + TIMESTAMP_MARGIN_MS;
        boolean tooNew =
                after <= Long.MAX_VALUE - TIMESTAMP_MARGIN_MS
                        && ts - nowMs > after + TIMESTAMP_MARGIN_MS;
        if (tooOld || tooNew) {
            throw new ProduceService.Refused(
                    ProduceRefusal.Code.INVALID_TIMESTAMP,
                    (n > 1 ? "records[" + i + "]: " : "")
                            + "timestamp "
                            + ts
                            + " ("
                            + Instant.ofEpochMilli(ts)
                            + ") is "
                            + (tooOld
                                    ? (nowMs - ts) + " ms in the past"
                                    : (ts - nowMs) + " ms ahead")
                            + "; topic '"
                            + topic
                            + "' accepts CreateTime timestamps from now - "
                            + window("message.timestamp.before.max.ms", before)
                            + " to now + "
                            + window("message.timestamp.after.max.ms", after)
                            + " (refused here only when outside by more than "
                            + TIMESTAMP_MARGIN_MS / 1000
                            + " s); leave the timestamp out to have the record stamped now");
        }
    }

    private static String window(String key, long ms) {
        return ms == Long.MAX_VALUE ? key + " (no limit)" : key + "=" + ms + " ms";
    }

    /** Kafka cannot be asked: accept what the broker may hold, refuse to promise an answer. */
    private static Verdict unverified(String cluster, String topic, AckLevel ack) {
        if (ack != AckLevel.KAFKA) {
            return Verdict.ACCEPT;
        }
        throw new ProduceService.Refused(
                ProduceRefusal.Code.CANNOT_VERIFY,
                "cannot verify topic '"
                        + topic
                        + "' now: Kafka of cluster '"
                        + cluster
                        + "' does not answer; nothing was accepted (ack=local would queue it)");
    }

    /**
     * The refusal of a write to {@code topic}, internal to Kafka: at every ack level, before
     * anything is accepted.
     */
    static ProduceService.Refused internal(String topic) {
        return new ProduceService.Refused(
                ProduceRefusal.Code.INTERNAL_TOPIC,
                "topic '"
                        + topic
                        + "' is internal to Kafka (its own bookkeeping: group offsets,"
                        + " transactions, share-group state); Ferry does not write internal"
                        + " topics");
    }

    /** The index of the first record naming a partition at or beyond {@code n}, or -1. */
    private static int firstBeyond(List<ProduceRecord> events, int n) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).partition() >= n) {
                return i;
            }
        }
        return -1;
    }
}
