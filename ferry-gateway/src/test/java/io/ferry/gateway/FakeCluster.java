package io.ferry.gateway;

import io.ferry.broker.Event;
import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.DeliveryFailure;
import io.ferry.kafka.TopicConfigs;
import io.ferry.kafka.TopicInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ClusterBackend} for the services' unit tests: topics, status and broker capacity set by
 * the test, every ack=kafka record held until the test answers it; single test thread. Also holds
 * the test's event loop ({@link #loop}: what the service hands to the caller's executor) and its
 * fake timers on a fake clock.
 */
final class FakeCluster implements ClusterBackend {
    final String name;
    int maxRecordBytes = 1_048_576;
    long deliveryTimeoutMs = 1_000;
    boolean durableAcks;
    ClusterStatus status = new ClusterStatus(ClusterStatus.State.READY, List.of());

    /** What {@link #fillRatio} answers. */
    double fill;

    @Override
    public double fillRatio() {
        return fill;
    }

    final Map<String, TopicMeta> topics = new HashMap<>();

    /** Events the broker takes before it is full. */
    int capacity = Integer.MAX_VALUE;

    final List<Event> published = new ArrayList<>();

    /** The ack=kafka records waiting, in publish order (answered or expired ones included). */
    final List<Pending> pending = new ArrayList<>();

    final List<Runnable> storedWaiters = new ArrayList<>();

    /** Answers for refreshTopic: when null, the refresh completes at once with {@link #topics}. */
    CompletableFuture<TopicMeta> refresh;

    int refreshes;

    FakeCluster(String name) {
        this.name = name;
    }

    /** A topic the cache knows with {@code partitions} partitions. */
    FakeCluster known(String topic, int partitions, boolean internal) {
        topics.put(
                topic,
                new TopicMeta(
                        topic,
                        TopicInfo.State.KNOWN,
                        internal,
                        null,
                        partitions,
                        0,
                        () -> {
                            List<TopicInfo.Partition> ps = new ArrayList<>();
                            for (int p = 0; p < partitions; p++) {
                                ps.add(new TopicInfo.Partition(p, 1, List.of(1), List.of(1)));
                            }
                            return ps;
                        }));
        return this;
    }

    /** A topic Kafka said is missing, {@code ageMs} ago. */
    FakeCluster missing(String topic, long ageMs) {
        topics.put(
                topic,
                new TopicMeta(topic, TopicInfo.State.MISSING, false, null, 0, ageMs, List::of));
        return this;
    }

    /** A topic Kafka answered {@code error} for. */
    FakeCluster failedTopic(String topic, String error) {
        topics.put(
                topic, new TopicMeta(topic, TopicInfo.State.FAILED, false, error, 0, 0, List::of));
        return this;
    }

    /** One ack=kafka record waiting for the engine. */
    final class Pending implements Awaiting {
        final Event event;
        private RecordOutcome outcome;
        private final AtomicBoolean done = new AtomicBoolean();

        Pending(Event event, RecordOutcome outcome) {
            this.event = event;
            this.outcome = outcome;
        }

        /** The engine reports the record delivered; false when the answer was ignored. */
        boolean deliver(int partition, long offset) {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            RecordOutcome o = outcome;
            outcome = null;
            o.delivered(partition, offset);
            return true;
        }

        /** The engine reports the record failed; false when the answer was ignored. */
        boolean fail(DeliveryFailure f) {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            RecordOutcome o = outcome;
            outcome = null;
            o.failed(f);
            return true;
        }

        @Override
        public boolean expire() {
            if (done.compareAndSet(false, true)) {
                outcome = null;
                return true;
            }
            return false;
        }

        /** Still holds a reference to the request's outcome. */
        boolean holdsOutcome() {
            return outcome != null;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    @Override
    public long deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    @Override
    public boolean durableAcks() {
        return durableAcks;
    }

    @Override
    public ClusterStatus status() {
        return status;
    }

    @Override
    public ClusterCondition refusal() {
        return status.refusal();
    }

    /** What topicConfigs answers, by topic (absent: not known). */
    final Map<String, TopicConfigs> configs = new HashMap<>();

    /** What uncompressed answers: the engine's compression.type is none. */
    boolean uncompressed = true;

    /** The engine's clock. */
    long nowMs = 1_700_000_000_000L;

    @Override
    public TopicConfigs topicConfigs(String topic) {
        return configs.get(topic);
    }

    @Override
    public boolean uncompressed() {
        return uncompressed;
    }

    @Override
    public long nowMs() {
        return nowMs;
    }

    @Override
    public boolean covers(String topic, int maxPartition) {
        TopicMeta t = topics.get(topic);
        return t != null && t.partitionCount() > 0 && t.partitionCount() > maxPartition;
    }

    @Override
    public TopicMeta topic(String topic) {
        TopicMeta t = topics.get(topic);
        return t != null
                ? t
                : new TopicMeta(topic, TopicInfo.State.UNKNOWN, false, null, 0, -1, List::of);
    }

    @Override
    public CompletableFuture<TopicMeta> refreshTopic(String topic) {
        refreshes++;
        if (refresh != null) {
            return refresh;
        }
        return CompletableFuture.completedFuture(topic(topic));
    }

    @Override
    public CompletableFuture<List<String>> listTopics() {
        return CompletableFuture.completedFuture(List.copyOf(topics.keySet()));
    }

    @Override
    public List<String> lastTopicListing() {
        return null;
    }

    @Override
    public int nodeCount() {
        return 1;
    }

    @Override
    public boolean publish(Event e) {
        if (published.size() >= capacity) {
            return false;
        }
        published.add(e);
        return true;
    }

    @Override
    public Awaiting publish(Event e, RecordOutcome outcome) {
        if (!publish(e)) {
            return null;
        }
        Pending p = new Pending(e, outcome);
        pending.add(p);
        return p;
    }

    @Override
    public void whenStored(Runnable stored) {
        storedWaiters.add(stored);
    }

    @Override
    public long bufferedEvents() {
        return published.size();
    }

    @Override
    public void warnLimited(String code, String format, Object... args) {}

    /** The caller's thread, stepped by the test: the executor of the CallContext. */
    static final class Loop {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        final CallContext caller = CallContext.anonymous(tasks::add);

        /** Runs what was handed to the caller's executor; returns how many tasks ran. */
        int runAll() {
            int n = 0;
            for (Runnable r; (r = tasks.poll()) != null; ) {
                r.run();
                n++;
            }
            return n;
        }
    }

    /** {@link Timers} on a fake clock: tasks run (on the test thread) when it is advanced. */
    static final class FakeTimers implements Timers {
        private record Timer(long dueMs, long id, Runnable task) {}

        private final PriorityQueue<Timer> timers =
                new PriorityQueue<>(
                        (a, b) -> a.dueMs != b.dueMs ? Long.compare(a.dueMs, b.dueMs) : 0);
        private long nowMs;
        private long nextId;
        int scheduled;

        @Override
        public long schedule(long delayMs, Runnable task) {
            scheduled++;
            long id = nextId++;
            timers.add(new Timer(nowMs + delayMs, id, task));
            return id;
        }

        @Override
        public void cancel(long id) {
            timers.removeIf(t -> t.id == id);
        }

        /** Timers not run or cancelled yet. */
        int active() {
            return timers.size();
        }

        /** Moves the clock on by {@code ms}, running every timer due by then. */
        void advance(long ms) {
            nowMs += ms;
            while (!timers.isEmpty() && timers.peek().dueMs <= nowMs) {
                timers.poll().task.run();
            }
        }
    }
}
