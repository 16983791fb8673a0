package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.DeliveryFailure;
import io.ferry.kafka.TopicConfigs;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces records into a configured cluster at an ack level: the one place that owns the checks
 * (authorization, internal topics, record sizes, topic and partition existence, Kafka refusing the
 * gateway), the hand-over to the broker and the waiting for Kafka, for every front end. Transport
 * neutral: no HTTP status, no JSON; a front end maps {@link ProduceRefusal.Code}s to its own
 * answers. {@link #produce} is called on the caller's thread (a Vert.x event loop: the broker
 * producer is per thread) and never blocks; the answer comes once, on that thread.
 */
final class ProduceService {
    /* Design notes
     * The flow of one call, each step a refusal code (ProduceRefusal.Code), nothing accepted
     * before the last:
     *   1. the cluster exists                              UNKNOWN_CLUSTER
     *   2. the Authorizer lets the caller write the topic   NOT_AUTHORIZED (the hook of the
     *      security issue: it runs before anything about the topic is looked at, so a refused
     *      caller cannot learn whether a topic exists)
     *   3. the topic name is valid                          INVALID_TOPIC
     *   4. the topic is not internal to Kafka               INTERNAL_TOPIC (Kafka's fixed names,
     *      or a "__" name the cache marks internal; after a refresh any name it marks internal)
     *   5. every record is valid and fits max.request.size INVALID_RECORD, RECORD_TOO_LARGE
     *      and, when the engine knows the topic's configs (TopicCheck.checkConfigs), where
     *      Kafka would certainly refuse it: max.message.bytes   RECORD_TOO_LARGE, the
     *      CreateTime window                                 INVALID_TIMESTAMP
     *   6. ack=kafka: Kafka does not refuse the gateway     KAFKA_REFUSED
     *   7. the topic and its partitions exist (TopicCheck) UNKNOWN_TOPIC, UNKNOWN_PARTITION,
     *      from the cache at once, or after one refresh of at most TopicCheck.TIMEOUT_MS whose
     *      answer comes back to the caller's thread (CallContext.executor)
     *                                                     CANNOT_VERIFY, KAFKA_NOT_AUTHORIZED
     *   8. hand-over to the broker, in order; a full broker stops the rest  BROKER_FULL
     *   9. the answer: none at once; local at once, or once a durable broker stored them;
     *      kafka once every record has its outcome, or delivery.timeout.ms after the hand-over,
     *      whichever is first                             per record: TIMED_OUT or the engine's
     * Hot path (a single record at none/local whose topic the cache covers): no allocation by
     * the service but the broker Event; the answer is the shared ProduceResult.ACCEPTED_ONE,
     * given synchronously. Only ack=kafka allocates a waiting request and one timer.
     * ack=kafka answered once: each record's Awaiting is settled exactly once, by the engine's
     * outcome or by expire() from the timer (a CAS in the cluster's waiter decides). An expired
     * waiter drops its reference to the request at once; its entry in the cluster's matching
     * stays until the engine reports the record (the engine retries records that can heal, so a
     * late report comes) and then answers nobody; this keeps the content matching of a copying
     * broker in publish order. The request answers when its count of unsettled records (plus
     * one guard held by the publishing loop) reaches zero, then cancels its timer.
     * Timers run on the caller's thread; the answer always goes through the caller's executor
     * unless it is given synchronously inside produce.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ProduceService.class);

    /** The topics Kafka keeps for itself ({@code org.apache.kafka.common.internals.Topic}). */
    static final Set<String> KAFKA_INTERNAL_TOPICS =
            Set.of("__consumer_offsets", "__transaction_state", "__share_group_state");

    /** The answer to a {@link #produce} call; called exactly once. */
    @FunctionalInterface
    interface Callback {
        /**
         * The outcome: on the caller's thread, either before {@code produce} returns or later
         * through the {@link CallContext#executor()}.
         */
        void completed(ProduceResult result);
    }

    /** A refusal thrown within the service's slow path (TopicCheck); carries no stack trace. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** The refusal. */
        final transient ProduceRefusal refusal;

        Refused(ProduceRefusal.Code code, String message) {
            super(message, null, false, false);
            this.refusal = new ProduceRefusal(code, message);
        }
    }

    private final Map<String, ? extends ClusterBackend> clusters;
    private final Authorizer authorizer;
    private final Timers timers;

    /**
     * @param clusters the configured clusters by name
     * @param authorizer who may write what ({@link Authorizer#ALLOW_ALL} until the gateway
     *     authenticates callers)
     * @param timers the ack=kafka timeouts
     */
    ProduceService(
            Map<String, ? extends ClusterBackend> clusters, Authorizer authorizer, Timers timers) {
        this.clusters = Map.copyOf(clusters);
        this.authorizer = authorizer;
        this.timers = timers;
    }

    /** Null when {@code cluster} is configured, else the refusal {@code UNKNOWN_CLUSTER}. */
    ProduceRefusal checkCluster(String cluster) {
        return clusters.containsKey(cluster) ? null : unknownCluster(cluster);
    }

    private ProduceRefusal unknownCluster(String cluster) {
        return new ProduceRefusal(
                ProduceRefusal.Code.UNKNOWN_CLUSTER,
                "no cluster '" + cluster + "'; configured: " + new TreeSet<>(clusters.keySet()));
    }

    /** {@link #produce(CallContext, String, String, List, AckLevel, Callback)} as a stage. */
    CompletionStage<ProduceResult> produce(
            CallContext caller,
            String cluster,
            String topic,
            List<ProduceRecord> records,
            AckLevel ack) {
        CompletableFuture<ProduceResult> f = new CompletableFuture<>();
        produce(caller, cluster, topic, records, ack, f::complete);
        return f;
    }

    /**
     * Produces {@code records} (at least one) into {@code topic} of {@code cluster} at {@code ack};
     * {@code done} hears the result once (design notes: the steps and their refusal codes).
     * Caller's thread only.
     */
    void produce(
            CallContext caller,
            String cluster,
            String topic,
            List<ProduceRecord> records,
            AckLevel ack,
            Callback done) {
        ClusterBackend c = clusters.get(cluster);
        if (c == null) {
            done.completed(ProduceResult.refused(unknownCluster(cluster)));
            return;
        }
        ProduceRefusal denied = authorizer.authorizeProduce(caller, c.name(), topic);
        if (denied != null) {
            done.completed(ProduceResult.refused(denied));
            return;
        }
        try {
            checkTopicName(c, topic);
            int n = records.size();
            if (n == 0) {
                throw new Refused(
                        ProduceRefusal.Code.INVALID_RECORD, "a produce request needs a record");
            }
            TopicConfigs configs = c.topicConfigs(topic); // null until the engine knows them
            long nowMs = configs == null ? 0 : c.nowMs();
            if (n == 1) {
                Event e = event(c, topic, records.get(0), n, 0);
                if (configs != null) {
                    TopicCheck.checkConfigs(c, topic, configs, e, n, 0, nowMs);
                }
                check(caller, c, topic, records, e, null, ack, done);
            } else {
                Event[] events = new Event[n];
                for (int i = 0; i < n; i++) {
                    events[i] = event(c, topic, records.get(i), n, i);
                    if (configs != null) {
                        TopicCheck.checkConfigs(c, topic, configs, events[i], n, i, nowMs);
                    }
                }
                check(caller, c, topic, records, null, events, ack, done);
            }
        } catch (Refused r) {
            done.completed(ProduceResult.refused(r.refusal));
        }
    }

    /** Steps 3 and 4: a valid name, not an internal topic. */
    private static void checkTopicName(ClusterBackend c, String topic) {
        if (!RecordReader.validTopic(topic)) {
            throw new Refused(
                    ProduceRefusal.Code.INVALID_TOPIC,
                    "topic name '"
                            + topic
                            + "' is not valid: use 1 to 249 of the "
                            + "characters a-z A-Z 0-9 . _ - (and not '.' or '..')");
        }
        // every topic Kafka keeps internal starts with "__": other names cost one char compare
        if (topic.charAt(0) == '_'
                && topic.startsWith("__")
                && (KAFKA_INTERNAL_TOPICS.contains(topic) || c.topic(topic).internal())) {
            throw TopicCheck.internal(topic);
        }
    }

    /** Step 5: record {@code i} of {@code n} as a broker event, within max.request.size. */
    private static Event event(ClusterBackend c, String topic, ProduceRecord r, int n, int i) {
        Event e;
        try {
            e = r.toEvent(topic);
        } catch (IllegalArgumentException bad) {
            throw new Refused(
                    ProduceRefusal.Code.INVALID_RECORD,
                    (n > 1 ? "records[" + i + "]: " : "") + bad.getMessage());
        }
        int max = c.maxRecordBytes();
        if (e.sizeBytes() > max) {
            int value = e.value() == null ? 0 : e.value().length;
            int rest = e.sizeBytes() - value;
            throw new Refused(
                    ProduceRefusal.Code.RECORD_TOO_LARGE,
                    (n > 1 ? "records[" + i + "]" : "the record")
                            + " is "
                            + e.sizeBytes()
                            + " bytes (a value of "
                            + value
                            + " and "
                            + rest
                            + " of topic, key, headers and record overhead), over the cluster's"
                            + " max.request.size="
                            + max
                            + "; the largest value that fits with this key and these headers is "
                            + Math.max(0, max - rest)
                            + " bytes");
        }
        return e;
    }

    /**
     * Steps 6 and 7, then the hand-over: exactly one of {@code single} and {@code events} is set.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // whenComplete answers every outcome
    private void check(
            CallContext caller,
            ClusterBackend c,
            String topic,
            List<ProduceRecord> records,
            Event single,
            Event[] events,
            AckLevel ack,
            Callback done) {
        if (ack == AckLevel.KAFKA) {
            ClusterCondition refusal = c.refusal();
            if (refusal != null) {
                throw new Refused(
                        ProduceRefusal.Code.KAFKA_REFUSED,
                        "Kafka of cluster '"
                                + c.name()
                                + "' refuses this gateway: "
                                + refusal.message()
                                + "; nothing was accepted (ack=local would queue it)");
            }
        }
        if (c.covers(topic, maxPartition(records))) {
            publish(caller, c, single, events, ack, done); // the common case: nothing allocated
            return;
        }
        ClusterStatus status = c.status();
        // Kafka can be asked while it is ready, or still connecting with nothing wrong seen yet
        // (the refresh is answered once connected); not when it is known not to answer
        boolean canAsk =
                status.ready()
                        || (status.state() == ClusterStatus.State.CONNECTING
                                && status.conditions().isEmpty());
        if (TopicCheck.decide(c.name(), c.topic(topic), records, ack, false, canAsk)
                == TopicCheck.Verdict.ACCEPT) {
            publish(caller, c, single, events, ack, done);
            return;
        }
        Executor back = caller.executor();
        c.refreshTopic(topic)
                .orTimeout(TopicCheck.TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (info, err) ->
                                back.execute(
                                        () -> {
                                            ProduceResult refused;
                                            try {
                                                TopicCheck.decide(
                                                        c.name(),
                                                        err == null ? info : c.topic(topic),
                                                        records,
                                                        ack,
                                                        err == null,
                                                        false);
                                                refused = null;
                                            } catch (Refused r) {
                                                refused = ProduceResult.refused(r.refusal);
                                            }
                                            if (refused != null) {
                                                done.completed(refused);
                                                return;
                                            }
                                            try {
                                                publish(caller, c, single, events, ack, done);
                                            } catch (RuntimeException e) {
                                                LOG.error(
                                                        "producing into topic {} of cluster {}"
                                                                + " failed",
                                                        topic,
                                                        c.name(),
                                                        e);
                                                done.completed(internalError());
                                            }
                                        }));
    }

    private static ProduceResult internalError() {
        return ProduceResult.refused(
                new ProduceRefusal(
                        ProduceRefusal.Code.INTERNAL,
                        "the gateway failed to handle the request (logged on the gateway)"));
    }

    private static int maxPartition(List<ProduceRecord> records) {
        int max = -1;
        for (int i = 0; i < records.size(); i++) {
            max = Math.max(max, records.get(i).partition());
        }
        return max;
    }

    private static ProduceRefusal brokerFull(ClusterBackend c) {
        long buffered = c.bufferedEvents();
        c.warnLimited(
                "BROKER_FULL",
                "cluster {}: the broker is full ({} events buffered): produce requests get 429 until "
                        + "Kafka catches up",
                c.name(),
                buffered);
        return new ProduceRefusal(
                ProduceRefusal.Code.BROKER_FULL,
                "the broker of cluster '"
                        + c.name()
                        + "' is full ("
                        + buffered
                        + " events buffered): Kafka is not keeping up");
    }

    private static RecordResult notAttempted(ClusterBackend c) {
        return RecordResult.failed(
                ProduceRefusal.Code.BROKER_FULL,
                "not accepted: the broker of cluster '"
                        + c.name()
                        + "' is full; retry this record and the ones after it");
    }

    /** Steps 8 and 9. Caller's thread. */
    private void publish(
            CallContext caller,
            ClusterBackend c,
            Event single,
            Event[] events,
            AckLevel ack,
            Callback done) {
        if (ack == AckLevel.KAFKA) {
            new KafkaWait(c, events != null ? events : new Event[] {single}, caller, done).start();
            return;
        }
        ProduceResult result;
        if (single != null) {
            if (!c.publish(single)) {
                done.completed(ProduceResult.refused(brokerFull(c)));
                return;
            }
            result = ProduceResult.ACCEPTED_ONE;
        } else {
            int n = events.length;
            RecordResult[] results = new RecordResult[n];
            for (int i = 0; i < n; i++) {
                if (!c.publish(events[i])) {
                    if (i == 0) {
                        done.completed(ProduceResult.refused(brokerFull(c)));
                        return;
                    }
                    // the rest are not attempted: keeps the records' order within the request
                    RecordResult full = notAttempted(c);
                    for (int j = i; j < n; j++) {
                        results[j] = full;
                    }
                    break;
                }
                results[i] = RecordResult.ACCEPTED;
            }
            result = ProduceResult.of(results);
        }
        if (ack == AckLevel.LOCAL && c.durableAcks()) {
            Executor back = caller.executor();
            c.whenStored(() -> back.execute(() -> done.completed(result)));
        } else {
            done.completed(result);
        }
    }

    /**
     * One ack=kafka request: its records' outcomes, answered once every record is settled or at
     * delivery.timeout.ms. Settled from engine threads and the timer (the caller's thread).
     */
    private final class KafkaWait implements Runnable {
        private final ClusterBackend cluster;
        private final Event[] events;
        private final Executor back;
        private final Callback done;
        private final RecordResult[] results;

        /** The records waiting for Kafka; written by the publishing loop before the timer. */
        private final ClusterBackend.Awaiting[] awaiting;

        /** Unsettled records, plus one guard held until the publishing loop is over. */
        private final AtomicInteger remaining;

        /** Written before the guard is released: read only after the count reached zero. */
        private long timerId = -1;

        private int accepted; // the caller's thread

        KafkaWait(ClusterBackend cluster, Event[] events, CallContext caller, Callback done) {
            this.cluster = cluster;
            this.events = events;
            this.back = caller.executor();
            this.done = done;
            this.results = new RecordResult[events.length];
            this.awaiting = new ClusterBackend.Awaiting[events.length];
            this.remaining = new AtomicInteger(events.length + 1);
        }

        void start() {
            int n = events.length;
            for (int i = 0; i < n; i++) {
                ClusterBackend.Awaiting a = cluster.publish(events[i], new Slot(i));
                if (a == null) {
                    if (i == 0) {
                        done.completed(ProduceResult.refused(brokerFull(cluster)));
                        return; // nothing registered: nothing will settle
                    }
                    RecordResult full = notAttempted(cluster);
                    for (int j = i; j < n; j++) {
                        results[j] = full;
                        remaining.decrementAndGet(); // the guard keeps it above zero
                    }
                    break;
                }
                awaiting[i] = a;
                accepted++;
            }
            timerId = timers.schedule(cluster.deliveryTimeoutMs(), this);
            settled(); // the guard
        }

        /** delivery.timeout.ms after the hand-over: the records not answered yet time out. */
        @Override
        public void run() {
            for (int i = 0; i < accepted; i++) {
                if (awaiting[i].expire()) {
                    settle(
                            i,
                            RecordResult.failed(
                                    ProduceRefusal.Code.TIMED_OUT,
                                    "no answer from Kafka of cluster '"
                                            + cluster.name()
                                            + "' within delivery.timeout.ms="
                                            + cluster.deliveryTimeoutMs()
                                            + " ms: outcome not known yet, the record is still"
                                            + " queued and may still be delivered"));
                }
            }
        }

        void settle(int i, RecordResult r) {
            results[i] = r;
            settled();
        }

        private void settled() {
            if (remaining.decrementAndGet() == 0) {
                // the decrement orders every results[i] write (and timerId) before these reads
                timers.cancel(timerId);
                ProduceResult r = ProduceResult.of(results);
                back.execute(() -> done.completed(r));
            }
        }

        /** Record {@code i}'s outcome from the engine; called at most once (its Awaiting). */
        private final class Slot implements RecordOutcome {
            private final int i;

            Slot(int i) {
                this.i = i;
            }

            @Override
            public void delivered(int partition, long offset) {
                settle(i, RecordResult.delivered(partition, offset));
            }

            @Override
            public void failed(DeliveryFailure reason) {
                settle(i, RecordResult.failed(ProduceRefusal.of(reason)));
            }
        }
    }
}
