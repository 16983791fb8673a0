package io.ferry.kafka;

import io.ferry.broker.Batch;
import io.ferry.broker.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Routes events to their partition workers, with its own table of each topic's workers sized by the
 * metadata cache; the output thread calls {@link #route}, the cluster's threads call {@link
 * #onMetadata} and {@link #sweep}. State is guarded by the router's monitor; failures are handed
 * back and run by the caller outside it (they run user listeners).
 */
final class Router {
    /* Design notes
     * One router per output, on purpose: a key's events must reach their partition in publish
     * order, and routing concurrently would interleave consecutive batches.
     * The table: per topic, its workers by partition (no TopicPartition, map lookup or allocation
     * per event). When the cache's version changes, every route is re-synced, so a topic that grew
     * gets more slots and keyed records hash over the new count, as Kafka's producer does.
     * Nothing here waits for Kafka. An event that cannot be routed yet (the topic's metadata is
     * not known, or it names a partition beyond the known count, which may have been added) is
     * held in its route, in order, and every later event of that topic queues behind it; a
     * refresh is asked for. A metadata change (or the second-by-second sweep) releases what can
     * go now. A topic Kafka says is missing is given UNKNOWN_TOPIC_WAIT_MS from Kafka's first
     * such answer to appear (a topic created a moment ago may not have reached the node asked yet;
     * events held while Kafka could not be asked at all are not failed by the first answer); then
     * its events fail, and
     * for MISSING_TOPIC_RECHECK_MS later events fail at once (a flood to a missing topic must not
     * hold the broker). A partition still beyond the count in metadata fetched after the event
     * came fails as UNKNOWN_PARTITION. Held events never time out: while Kafka cannot be asked
     * they wait (a spool), and only Kafka's answer that the topic or partition does not exist
     * fails them (into the dead letter).
     */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Router.class);
    static final long UNKNOWN_TOPIC_WAIT_MS = 5_000;
    static final long MISSING_TOPIC_RECHECK_MS = 10_000;

    /** Touch a topic's interest at most this often. */
    static final long USE_EVERY_MS = 1_000;

    private static final PartitionWorker[] NONE = new PartitionWorker[0];

    /** An event that failed, to be reported outside the router's monitor. */
    record Failed(PartitionWorker.Pending pending, DeliveryFailure failure) {}

    /** "Long ago": far in the past, yet {@code now - NEVER} does not overflow. */
    private static final long NEVER = Long.MIN_VALUE / 4;

    private static final class Route {
        final String topic;
        PartitionWorker[] workers = NONE;

        /** Per partition: a leader is known (null-key records go only there); null: all. */
        boolean[] available;

        long usedMs = NEVER;
        final ArrayDeque<PartitionWorker.Pending> held = new ArrayDeque<>();
        long missingSinceMs = NEVER; // when the cache first said the held route's topic is missing
        long failUntilMs = NEVER;
        long askedMs = NEVER;

        /** Per partition: its parking lane while it has one (ParkingLot); null: none at all. */
        ParkingLot.Lane[] lanes;

        Route(String topic) {
            this.topic = topic;
        }
    }

    private final ProduceEngine engine;
    private final KafkaCluster cluster;
    private final KafkaSettings settings;

    // Guarded by this.
    private final Partitioner partitioner;
    private final Map<String, Route> routes = new HashMap<>();
    private long version = -1;

    Router(ProduceEngine engine) {
        this.engine = engine;
        this.cluster = engine.cluster;
        this.settings = engine.settings;
        this.partitioner = new Partitioner(settings.batchSizeBytes());
    }

    /** Routes {@code events} without broker sequences (dead-letter records, tests). */
    List<Failed> route(List<Event> events, DeliveryTracker tracker, long nowMs) {
        return route(events, null, tracker, nowMs);
    }

    /**
     * Routes {@code events} of one broker batch; output thread.
     *
     * @param batch where each event's sequence is read ({@link Batch#sequence}), or null: -1
     */
    synchronized List<Failed> route(
            List<Event> events, Batch batch, DeliveryTracker tracker, long nowMs) {
        List<Failed> failed = null;
        MetadataCache.Snapshot snap = engine.metadata.snapshot();
        if (snap.version() != version) {
            failed = syncLocked(snap, nowMs, failed);
        }
        String lastTopic = null;
        Route r = null;
        for (int i = 0, n = events.size(); i < n; i++) {
            Event e = events.get(i);
            PartitionWorker.Pending p =
                    new PartitionWorker.Pending(
                            e, batch == null ? -1 : batch.sequence(i), tracker, nowMs);
            if (e.sizeBytes() > settings.maxRequestSizeBytes()) {
                failed =
                        add(
                                failed,
                                p,
                                DeliveryFailure.of(
                                        DeliveryFailure.Code.RECORD_TOO_LARGE,
                                        "the record is "
                                                + e.sizeBytes()
                                                + " bytes, over max.request.size="
                                                + settings.maxRequestSizeBytes()));
                continue;
            }
            if (!e.topic().equals(lastTopic)) {
                r = routes.get(e.topic());
                if (r == null) {
                    r = new Route(e.topic());
                    routes.put(e.topic(), r);
                    sizeLocked(r, snap);
                }
                lastTopic = e.topic();
            }
            if (nowMs - r.usedMs >= USE_EVERY_MS) {
                r.usedMs = nowMs;
                cluster.interest().use(r.topic, nowMs);
            }
            if (nowMs < r.failUntilMs) {
                failed = add(failed, p, missing(r.topic));
                continue;
            }
            try {
                if (!r.held.isEmpty() || appendLocked(r, p) != APPENDED) {
                    hold(r, p, nowMs);
                }
            } catch (io.ferry.mapper.MapperStoppedException ex) {
                failed =
                        add(
                                failed,
                                p,
                                DeliveryFailure.of(
                                        DeliveryFailure.Code.NOT_DELIVERED,
                                        "the Kafka engine is closing"));
            } catch (RuntimeException ex) {
                // a bug: this event cannot go, but its batch must settle and the router live on
                LOG.error("cannot route an event of topic {}", e.topic(), ex);
                failed =
                        add(
                                failed,
                                p,
                                DeliveryFailure.of(
                                        DeliveryFailure.Code.INTERNAL,
                                        "cannot route the event: " + ex.getMessage()));
            }
        }
        return failed == null ? List.of() : failed;
    }

    private static final int APPENDED = 0;
    private static final int NO_PARTITION = 1;
    private static final int LANE_FULL = 2;

    /**
     * Routes {@code p} if its partition is known: to its worker, or behind what the partition's
     * parking lane holds. {@link #NO_PARTITION} or {@link #LANE_FULL} when it must be held.
     */
    private int appendLocked(Route r, PartitionWorker.Pending p) {
        int n = r.workers.length;
        if (n == 0) {
            return NO_PARTITION;
        }
        int partition = partitioner.partition(p.event(), n, r.available);
        if (partition >= n) {
            return NO_PARTITION; // an explicit partition beyond the count: it may have been added
        }
        ParkingLot.Lane[] lanes = r.lanes;
        if (lanes != null && partition < lanes.length && lanes[partition] != null) {
            ParkingLot.Parked how = lanes[partition].tryPark(p);
            if (how == ParkingLot.Parked.PARKED) {
                return APPENDED;
            }
            if (how == ParkingLot.Parked.FULL) {
                return LANE_FULL; // held, in order, until the lane has room
            }
            lanes[partition] = null; // drained: the partition is written directly again
        }
        PartitionWorker w = r.workers[partition];
        if (w == null) {
            w = engine.worker(new TopicPartition(r.topic, partition));
            r.workers[partition] = w;
        }
        w.append(p); // the one allocation per event: the worker queues this Pending
        return APPENDED;
    }

    /** From now on {@code tp}'s events are parked in {@code lane} (ParkingLot, its thread). */
    synchronized void setLane(TopicPartition tp, ParkingLot.Lane lane) {
        Route r = routes.get(tp.topic());
        if (r == null) {
            r = new Route(tp.topic());
            routes.put(tp.topic(), r);
            sizeLocked(r, engine.metadata.snapshot());
        }
        if (r.lanes == null || r.lanes.length <= tp.partition()) {
            r.lanes =
                    r.lanes == null
                            ? new ParkingLot.Lane[tp.partition() + 1]
                            : Arrays.copyOf(r.lanes, tp.partition() + 1);
        }
        r.lanes[tp.partition()] = lane;
    }

    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    private void hold(Route r, PartitionWorker.Pending p, long nowMs) {
        boolean first = r.held.isEmpty();
        r.held.add(p);
        // the first event held asks at once (an earlier answer did not name what it needs); the
        // ones queued behind it do not, but for one ask per retry.backoff.ms
        if (first || nowMs - r.askedMs >= settings.retryBackoffMs()) {
            r.askedMs = nowMs;
            cluster.control().refresh(Set.of(r.topic));
        }
    }

    /** The metadata changed; any thread. */
    List<Failed> onMetadata(MetadataCache.Snapshot after) {
        synchronized (this) {
            return orEmpty(syncLocked(after, cluster.clockMs(), null));
        }
    }

    /**
     * Once a second (the control thread): releases what can go, asks again for what still waits
     * (held events never time out: a spool keeps them until Kafka answers).
     */
    @SuppressWarnings("FutureReturnValueIgnored") // a refresh: its effect is the cache's update
    List<Failed> sweep(long nowMs) {
        synchronized (this) {
            List<Failed> failed = syncLocked(engine.metadata.snapshot(), nowMs, null);
            for (Route r : routes.values()) {
                if (!r.held.isEmpty() && nowMs - r.askedMs >= USE_EVERY_MS) {
                    r.askedMs = nowMs;
                    cluster.control().refresh(Set.of(r.topic));
                }
            }
            return orEmpty(failed);
        }
    }

    private List<Failed> syncLocked(MetadataCache.Snapshot snap, long nowMs, List<Failed> failed) {
        version = snap.version();
        for (Route r : routes.values()) {
            sizeLocked(r, snap);
            if (!r.held.isEmpty()) {
                failed = releaseLocked(r, snap, nowMs, failed);
            }
        }
        return failed;
    }

    /**
     * Grows the route's table to the topic's partition count (partitions are only ever added) and
     * notes which partitions have a leader.
     */
    private static void sizeLocked(Route r, MetadataCache.Snapshot snap) {
        MetadataCache.Topic t = snap.topic(r.topic);
        int n = t == null ? 0 : t.partitionCount();
        if (n > r.workers.length) {
            r.workers = Arrays.copyOf(r.workers, n);
        }
        boolean[] available = null;
        for (int p = 0; p < n; p++) {
            if (t.partitions().get(p).leader() == null) {
                if (available == null) {
                    available = new boolean[n];
                    Arrays.fill(available, true);
                }
                available[p] = false;
            }
        }
        r.available = available; // null while every partition has a leader: the common case
    }

    private List<Failed> releaseLocked(
            Route r, MetadataCache.Snapshot snap, long nowMs, List<Failed> failed) {
        MetadataCache.Topic t = snap.topic(r.topic);
        if (t == null) {
            return failed; // not asked yet
        }
        if (t.partitionCount() == 0) {
            if (!t.missing()) {
                r.missingSinceMs = NEVER;
            } else if (r.missingSinceMs == NEVER) {
                r.missingSinceMs = nowMs; // the grace counts from Kafka's first "missing"
            } else if (nowMs - r.missingSinceMs >= UNKNOWN_TOPIC_WAIT_MS) {
                DeliveryFailure f = missing(r.topic);
                for (PartitionWorker.Pending p; (p = r.held.poll()) != null; ) {
                    failed = add(failed, p, f);
                }
                r.missingSinceMs = NEVER;
                r.failUntilMs = nowMs + MISSING_TOPIC_RECHECK_MS;
            }
            return failed;
        }
        r.missingSinceMs = NEVER;
        while (!r.held.isEmpty()) {
            PartitionWorker.Pending p = r.held.peek();
            int how = appendLocked(r, p);
            if (how == APPENDED) {
                r.held.poll();
            } else if (how == LANE_FULL) {
                break; // the lane has no room yet
            } else if (t.updatedMs() > p.enqueuedMs()) {
                // metadata fetched after the event came still lacks its partition
                r.held.poll();
                failed =
                        add(
                                failed,
                                p,
                                DeliveryFailure.of(
                                        DeliveryFailure.Code.UNKNOWN_PARTITION,
                                        "partition "
                                                + p.event().partition()
                                                + " does not exist; topic '"
                                                + r.topic
                                                + "' has "
                                                + t.partitionCount()
                                                + " partitions"));
            } else {
                break; // wait for fresher metadata
            }
        }
        return failed;
    }

    private DeliveryFailure missing(String topic) {
        MetadataCache.Topic t = engine.metadata.snapshot().topic(topic);
        String kafka = t == null || t.error().isNone() ? null : t.error().name();
        return new DeliveryFailure(
                DeliveryFailure.Code.UNKNOWN_TOPIC,
                kafka,
                "topic '"
                        + topic
                        + "' does not exist"
                        + (kafka == null ? "" : " (Kafka: " + kafka + ")")
                        + "; Ferry does not create topics");
    }

    /** When the oldest held event reached the router, or Long.MAX_VALUE. */
    synchronized long oldestHeldMs() {
        long t = Long.MAX_VALUE;
        for (Route r : routes.values()) {
            PartitionWorker.Pending p = r.held.peek();
            if (p != null) {
                t = Math.min(t, p.enqueuedMs());
            }
        }
        return t;
    }

    /** Events held now (waiting for metadata). */
    synchronized int held() {
        int n = 0;
        for (Route r : routes.values()) {
            n += r.held.size();
        }
        return n;
    }

    private static List<Failed> add(
            List<Failed> failed, PartitionWorker.Pending p, DeliveryFailure f) {
        List<Failed> out = failed == null ? new ArrayList<>() : failed;
        out.add(new Failed(p, f));
        return out;
    }

    private static List<Failed> orEmpty(List<Failed> failed) {
        return failed == null ? List.of() : failed;
    }
}
