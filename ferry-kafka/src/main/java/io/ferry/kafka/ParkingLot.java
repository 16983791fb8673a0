package io.ferry.kafka;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerCapability;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks aside the events of a partition that cannot be written now, so that one partition without a
 * leader, or one topic this client may not write to, does not pin the head of the broker
 * (docs/kafka-engine.md, "Parking"). A broker releases only its contiguous acknowledged prefix: an
 * event that waits in its worker for hours would hold every later event's space, the broker would
 * fill and every topic would get 429.
 *
 * <p>A partition whose worker has made no progress for {@link #PARK_AFTER_MS} while the cluster
 * answered all that time (or that Kafka refuses with an authorization error) gets a <em>lane</em>:
 * a broker of its own from the {@link ParkingSpace} (in memory, or on disk next to the disk
 * broker). Its events move there, in order, and each leaves its main broker batch only once the
 * lane holds it (on disk: once stored durably). While the lane exists, every later event of the
 * partition is parked behind them, so the partition's order holds. The lane feeds its worker at
 * most {@link #DRAIN_OUTSTANDING} batches of {@link #DRAIN_BATCH} at a time: while the partition
 * stays blocked they wait there (the worker retries them with backoff); once it heals they flow,
 * and when the lane is empty it closes and the partition is written directly again. A durable lane
 * found at start is drained the same way. An event delivered from a lane is reported under the
 * sequence it had in the main broker (its caller's identity), or -1 after a restart.
 *
 * <p>Threads: {@link #tick} runs on the cluster's control thread (once a second), lanes are fed by
 * one drainer thread each (none in step mode: tests call {@link #step}); the router parks on the
 * output thread. Nothing here blocks the router: a full lane makes the router hold the event (its
 * main batch stays, the broker fills: backpressure).
 */
final class ParkingLot {
    private static final Logger LOG = LoggerFactory.getLogger(ParkingLot.class);

    /** How long a partition makes no progress, while the cluster answers, before it is parked. */
    static final long PARK_AFTER_MS = 10_000;

    /** The most events a lane hands its worker per batch. */
    static final int DRAIN_BATCH = 512;

    /** The most lane batches in its worker at a time. */
    static final int DRAIN_OUTSTANDING = 4;

    /** What {@link Lane#tryPark} did. */
    enum Parked {
        PARKED,
        FULL,
        CLOSED
    }

    private final ProduceEngine engine;
    private final Router router;
    private final ParkingSpace space;
    private final boolean threads;
    private final Map<TopicPartition, Lane> lanes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Since when the cluster has been ready without a break (control thread), or -1. */
    private long readySinceMs = -1;

    ParkingLot(ProduceEngine engine, Router router, ParkingSpace space) {
        this.engine = engine;
        this.router = router;
        this.space = space;
        this.threads = !engine.cluster.stepped();
    }

    /** Opens the lanes a durable space kept from an earlier run; they drain as Kafka allows. */
    void recover() {
        for (TopicPartition tp : space.existing()) {
            synchronized (router) {
                if (!lanes.containsKey(tp)) {
                    Lane l = open(tp, "parked before the last shutdown");
                    LOG.info("{}: {} parked events found from an earlier run", tp, l.parked);
                }
            }
        }
    }

    /**
     * Parks the partitions that make no progress while the cluster answers, and those Kafka refuses
     * for a reason an operator can fix. The control thread, once a second.
     */
    void tick(long nowMs) {
        if (closed || engine.flushing() || !engine.cluster.status().ready()) {
            readySinceMs = -1;
            return; // Kafka away altogether: parking would only copy the broker
        }
        if (readySinceMs < 0) {
            readySinceMs = nowMs; // back after an outage: give every partition its chance first
        }
        for (PartitionWorker w : engine.workers()) {
            if (lanes.containsKey(w.tp) || w.outstanding() == 0) {
                continue;
            }
            boolean refused = w.parked();
            long since = Math.max(readySinceMs, Math.max(w.oldestEnqueuedMs(), w.lastProgressMs()));
            boolean stalled = nowMs - since >= PARK_AFTER_MS;
            if (refused || stalled) {
                park(
                        w,
                        refused
                                ? "Kafka refuses writes to it (authorization)"
                                : "no progress for "
                                        + PARK_AFTER_MS / 1000
                                        + " s"
                                        + (engine.metadata.snapshot().leader(w.tp) == null
                                                ? " (no leader)"
                                                : ""));
            }
        }
    }

    private void park(PartitionWorker w, String reason) {
        List<PartitionWorker.Pending> taken;
        synchronized (router) { // no event reaches the worker between taking and the lane
            taken = w.takeForParking();
            if (taken == null) {
                return; // a request carries some: next tick
            }
            Lane lane;
            try {
                lane = open(w.tp, reason);
            } catch (RuntimeException e) {
                w.putBack(taken);
                LOG.error("{}: cannot open a parking lane; its events stay in place", w.tp, e);
                return;
            }
            int i = 0;
            for (; i < taken.size(); i++) {
                if (lane.tryPark(taken.get(i)) != Parked.PARKED) {
                    break;
                }
            }
            if (i < taken.size()) {
                w.putBack(taken.subList(i, taken.size())); // older than anything the lane holds
            }
            LOG.warn(
                    "{}: {} events parked aside ({}); the other partitions keep flowing",
                    w.tp,
                    i,
                    reason);
        }
    }

    /** Opens and registers {@code tp}'s lane; the caller holds the router's monitor. */
    private Lane open(TopicPartition tp, String reason) {
        Lane l = new Lane(tp, space.open(tp), reason);
        lanes.put(tp, l);
        router.setLane(tp, l);
        engine.cluster
                .health()
                .raise(
                        ClusterCondition.Kind.PARKED,
                        "parked:" + tp,
                        "the records of topic '"
                                + tp.topic()
                                + "' partition "
                                + tp.partition()
                                + " are parked aside: "
                                + reason
                                + "; they are kept and sent once Kafka takes them");
        if (threads) {
            Thread t = new Thread(l::drainLoop, "ferry-parked-" + tp);
            t.setDaemon(true);
            t.start();
        }
        return l;
    }

    /** Feeds every lane's worker once (step mode). */
    void step() {
        for (Lane l : lanes.values()) {
            l.drainOnce();
        }
    }

    /** True while any lane is open. */
    boolean any() {
        return !lanes.isEmpty();
    }

    /** Events parked now, over every lane. */
    long parkedEvents() {
        long n = 0;
        for (Lane l : lanes.values()) {
            n += l.broker.stats().bufferedEvents();
        }
        return n;
    }

    /** Bytes parked now, as {@link Event#sizeBytes()} counts them. */
    long parkedBytes() {
        long n = 0;
        for (Lane l : lanes.values()) {
            n += l.broker.stats().bufferedBytes();
        }
        return n;
    }

    /** Parked events by partition (for stats). */
    Map<TopicPartition, Long> parkedByPartition() {
        Map<TopicPartition, Long> out = new HashMap<>();
        lanes.forEach((tp, l) -> out.put(tp, l.broker.stats().bufferedEvents()));
        return out;
    }

    /**
     * Stops the drainers and closes the lanes: a durable lane keeps its events for the next start;
     * a memory lane reports what it holds to the space's drop listener (the dead letter).
     */
    void close() {
        closed = true;
        for (Lane l : new ArrayList<>(lanes.values())) {
            l.shut(false);
        }
    }

    /** One parked partition. */
    final class Lane {
        final TopicPartition tp;
        final Broker broker;
        private final Producer producer;
        private final Consumer consumer;
        private final boolean durableAcks;

        // Guarded by this.
        /** Originals waiting for the lane to store them durably, in publish order. */
        private final ArrayDeque<PartitionWorker.Pending> storing = new ArrayDeque<>();

        /** The main broker's sequence of each parked event, by its lane sequence. */
        private final Map<Long, Long> mainSequence = new HashMap<>();

        private long parked;
        private long taken;
        private int outstanding;
        private boolean shut;

        Lane(TopicPartition tp, Broker broker, String reason) {
            this.tp = tp;
            this.broker = broker;
            this.durableAcks =
                    broker.capabilities().contains(BrokerCapability.ACKS_ON_DURABLE_STORE);
            ProducerConfig pc = ProducerConfig.DEFAULT.dropListener(this::dropped);
            this.producer = broker.producer(durableAcks ? pc.ackListener(this::stored) : pc);
            this.consumer = broker.consumer();
            this.parked = broker.stats().bufferedEvents(); // recovered from an earlier run
        }

        /** Parks {@code p} behind what the lane holds; the router's or the tick's thread. */
        Parked tryPark(PartitionWorker.Pending p) {
            boolean release;
            synchronized (this) {
                if (shut) {
                    return Parked.CLOSED;
                }
                long s = producer.tryPublishSeq(p.event());
                if (s == Producer.FULL) {
                    return Parked.FULL;
                }
                if (s < 0) {
                    return Parked.CLOSED;
                }
                if (p.sequence() >= 0) {
                    mainSequence.put(s, p.sequence());
                }
                parked++;
                release = !durableAcks;
                if (durableAcks) {
                    storing.add(p);
                }
                notifyAll();
            }
            if (release) {
                p.tracker().done(1); // held by the lane: it may leave its main batch
            }
            return Parked.PARKED;
        }

        /** The lane stored {@code n} more events durably (its broker's ack thread). */
        private void stored(int n) {
            List<PartitionWorker.Pending> done = new ArrayList<>(n);
            synchronized (this) {
                for (int i = 0; i < n && !storing.isEmpty(); i++) {
                    done.add(storing.poll());
                }
            }
            for (PartitionWorker.Pending p : done) {
                p.tracker().done(1);
            }
        }

        private void dropped(Event e, long laneSequence) {
            Long main;
            synchronized (this) {
                main = mainSequence.remove(laneSequence);
            }
            space.dropped().onDrop(e, main == null ? -1 : main);
        }

        private void drainLoop() {
            try {
                while (true) {
                    synchronized (this) {
                        while (!shut
                                && !(outstanding == 0 && taken == parked)
                                && (outstanding >= DRAIN_OUTSTANDING || taken == parked)) {
                            wait();
                        }
                        if (shut) {
                            return;
                        }
                    }
                    drainOnce();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Closes the lane when it is empty, else hands its worker one more batch if it may. */
        void drainOnce() {
            boolean empty;
            synchronized (this) {
                if (shut) {
                    return;
                }
                empty = outstanding == 0 && taken == parked;
                if (!empty && (outstanding >= DRAIN_OUTSTANDING || taken == parked)) {
                    return;
                }
                if (empty) {
                    shut = true; // tryPark now says CLOSED: the router writes directly again
                    notifyAll();
                }
            }
            if (empty) {
                release(true);
                return;
            }
            Batch b;
            try {
                b = consumer.get(DRAIN_BATCH);
            } catch (BrokerClosedException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            int n = b.size();
            long[] seqs = new long[n];
            synchronized (this) {
                taken += n;
                outstanding++;
                for (int i = 0; i < n; i++) {
                    Long main = mainSequence.get(b.sequence(i)); // kept for a drop at close
                    seqs[i] = main == null ? -1 : main;
                }
            }
            DeliveryTracker tracker = new DeliveryTracker(b, () -> settled(b));
            PartitionWorker w = engine.worker(tp);
            long now = engine.clockMs();
            List<Event> events = b.events();
            for (int i = 0; i < n; i++) {
                w.append(new PartitionWorker.Pending(events.get(i), seqs[i], tracker, now));
            }
        }

        private void settled(Batch b) {
            synchronized (this) {
                for (int i = 0, n = b.size(); i < n; i++) {
                    mainSequence.remove(b.sequence(i));
                }
                outstanding--;
                notifyAll();
            }
        }

        /** Closes the lane; {@code empty}: it was drained, its storage goes too. */
        void shut(boolean empty) {
            synchronized (this) {
                if (shut) {
                    return;
                }
                shut = true;
                notifyAll();
            }
            release(empty);
        }

        private void release(boolean empty) {
            lanes.remove(tp, this);
            engine.cluster.health().clear("parked:" + tp);
            consumer.close();
            broker.close();
            if (empty) {
                space.discard(tp);
                LOG.info("{}: every parked event was sent; the partition is written directly", tp);
            }
        }

        @Override
        public String toString() {
            return "Lane{" + tp + "}";
        }
    }
}
