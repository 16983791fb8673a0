package io.ferry.kafka.consume;

import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.KafkaCluster;
import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every {@link GroupMember} of one Kafka cluster on one thread of its own (none in step
 * mode: a test calls {@link #step(long)}); {@link #join}, {@link #leave} and {@link #close} may be
 * called from any thread, they post commands to it.
 *
 * <p>Per step: FindCoordinator for every group that needs one in ONE request, Metadata for topic
 * ids an assignment named that are not known yet, and each due heartbeat on a channel of its own to
 * the group's coordinator node ({@code group} purpose, shared by the groups that node coordinates,
 * never by fetches), so a heartbeat never waits behind a long-poll fetch.
 */
public final class MembershipLoop implements AutoCloseable {
    /* Design notes
     * Threads: the loop thread is the single writer of everything under "Loop thread only" and of
     * every GroupMember's state; other threads post typed commands (Join, Leave) to the queue and
     * wake the thread (LockSupport.unpark). Channel callbacks run inside poll, on the loop thread.
     * The idle strategy is outside step(): park until the next due time, at most IDLE_MS, or
     * BUSY_MS while a request is in flight (one thread polls several channels, so it cannot block
     * in one channel's poll).
     * Control channel: GroupLookups (batched FindCoordinator, Metadata for topic ids).
     * Coordinator channels: one per coordinator node, opened on first use, closed when no group
     * uses the node and nothing is in flight. A connection failure sends every group on the node
     * back to FindCoordinator. A channel is disconnected (its in-flight requests then complete as
     * disconnected) before it is closed, so no member waits forever for a callback that a close
     * would drop.
     * Lookups (MembershipLookups): on a KafkaCluster (start(cluster, ...)) they are the cluster's
     * own, through EngineAccess: the control loop's batched FindCoordinator (shared with the
     * commit engine) and the metadata cache's topic names by id; the channels come from the
     * cluster's factory and the time from its clock. A loop built on a bare channel factory
     * (the unit tests) keeps a control connection of its own (GroupLookups).
     */
    private static final Logger LOG = LoggerFactory.getLogger(MembershipLoop.class);
    static final long IDLE_MS = 100;
    static final long BUSY_MS = 5;

    private sealed interface Command {}

    private record Join(GroupMember member) implements Command {}

    private record Leave(String group) implements Command {}

    private final String name;
    private final MembershipSettings settings;
    private final ChannelFactory channels;
    private final LongSupplier clockMs;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final Map<String, GroupMember> byGroup = new ConcurrentHashMap<>(); // any thread reads
    private final Thread thread; // null in step mode
    private volatile boolean stopped;

    // Loop thread only.
    private final Map<String, GroupMember> members = new LinkedHashMap<>();
    private final Map<String, Node> coordinators = new HashMap<>();
    private final Map<Integer, NodeChannel> groupChannels = new HashMap<>();
    private final MembershipLookups lookups;

    private MembershipLoop(Builder b) {
        this.name = b.name;
        this.settings = b.settings;
        this.channels = Objects.requireNonNull(b.channels, "channels");
        this.clockMs = b.clockMs;
        this.lookups =
                b.access != null
                        ? new ClusterLookups(name, b.access, settings, this::wakeup)
                        : new GroupLookups(name, settings, channels, b.bootstrap);
        if (b.stepped) {
            thread = null;
        } else {
            thread = new Thread(this::run, "ferry-membership-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Starts a loop for {@code cluster} on a thread of its own, on the cluster's shared core
     * ({@link EngineAccess}): its channel factory for the coordinator connections, its clock, its
     * control loop's batched FindCoordinator and its metadata cache's topic names.
     */
    public static MembershipLoop start(KafkaCluster cluster, MembershipSettings settings) {
        EngineAccess a = EngineAccess.of(cluster);
        return builder(settings)
                .name(cluster.name())
                .channels(a.channels())
                .clock(a::nowMs)
                .access(a)
                .start();
    }

    /** A builder: channels and bootstrap nodes are required. */
    public static Builder builder(MembershipSettings settings) {
        return new Builder(settings);
    }

    /**
     * Joins {@code group} subscribed to {@code topics}; returns the member at once (any thread).
     * The listener is called on the loop's thread.
     *
     * @throws IllegalStateException when this loop already has a member of {@code group}
     */
    public GroupMember join(String group, List<String> topics, MembershipListener listener) {
        GroupMember m =
                new GroupMember(group, topics, settings, listener, this::topicName, this::wakeup);
        // A member that just ended (leave() completed) may not be removed yet: it is replaced.
        GroupMember now = byGroup.merge(group, m, (old, neu) -> old.state().terminal() ? neu : old);
        if (now != m) {
            throw new IllegalStateException(
                    "group " + group + " already has a member in this process; leave it first");
        }
        post(new Join(m));
        return m;
    }

    /**
     * Leaves {@code group}: the listener revokes everything (and commits), then the leave
     * heartbeat; completes with LEFT (or FATAL) when done, at once when there is no such member.
     */
    public CompletableFuture<MemberState> leave(String group) {
        GroupMember m = byGroup.get(group);
        if (m == null) {
            return CompletableFuture.completedFuture(MemberState.LEFT);
        }
        post(new Leave(group));
        return m.terminated();
    }

    /** The member of {@code group} in this process, or null. */
    public GroupMember member(String group) {
        return byGroup.get(group);
    }

    /** FindCoordinator requests sent so far (each asks for every group waiting); for tests. */
    int findCoordinatorRequests() {
        return lookups.findCoordinatorRequests();
    }

    private void post(Command c) {
        commands.add(c);
        wakeup();
    }

    private void wakeup() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private String topicName(Uuid id) {
        return lookups.topicName(id); // called by members, on the loop thread
    }

    // ---- the duty cycle ------------------------------------------------------------------------

    /**
     * One round: commands, answers, then what is due; returns when the next step is due (the
     * clock's time; Long.MAX_VALUE when only news can make work). Loop thread (or a test) only.
     */
    public long step(long nowMs) {
        for (Command c; (c = commands.poll()) != null; ) {
            if (c instanceof Join j) {
                members.put(j.member().groupId(), j.member());
                j.member().start(nowMs);
            } else if (c instanceof Leave l) {
                GroupMember m = members.get(l.group());
                if (m != null) {
                    m.leave(nowMs);
                }
            }
        }
        pollAll(nowMs);
        long next = Long.MAX_VALUE;
        for (GroupMember m : members.values()) {
            next = Math.min(next, m.step(nowMs));
        }
        next = Math.min(next, controlRound(nowMs));
        for (GroupMember m : members.values()) {
            heartbeat(m, nowMs);
        }
        for (Iterator<GroupMember> it = members.values().iterator(); it.hasNext(); ) {
            GroupMember m = it.next();
            if (m.state().terminal()) {
                it.remove();
                coordinators.remove(m.groupId());
                byGroup.remove(m.groupId(), m);
            }
        }
        closeUnused();
        for (GroupMember m : members.values()) {
            next = Math.min(next, m.nextWakeMs());
        }
        return next;
    }

    private void pollAll(long nowMs) {
        lookups.poll(nowMs);
        for (NodeChannel c : List.copyOf(groupChannels.values())) {
            c.poll(0, nowMs);
        }
    }

    private void heartbeat(GroupMember m, long nowMs) {
        if (!m.heartbeatDue(nowMs)) {
            return;
        }
        Node node = coordinators.get(m.groupId());
        if (node == null) {
            return;
        }
        NodeChannel c =
                groupChannels.computeIfAbsent(
                        node.id(),
                        id -> channels.open(node, "group", settings.maxInFlightPerCoordinator()));
        if (!c.ready(nowMs)) {
            WireFailure f = c.connectionFailure();
            if (f != null) {
                nodeFailed(node.id(), f, nowMs);
            }
            return;
        }
        if (!c.canSend(nowMs)) {
            return;
        }
        WireRequest.ConsumerGroupHeartbeat h = m.heartbeat(nowMs);
        c.send(h, nowMs, o -> m.onHeartbeat(h, o, clockMs.getAsLong()));
    }

    /** Every group on {@code nodeId} finds its coordinator again; the channel is closed. */
    private void nodeFailed(int nodeId, WireFailure f, long nowMs) {
        LOG.warn(
                "cluster {}: coordinator node {} failed ({}); finding the coordinators of its"
                        + " groups again",
                name,
                nodeId,
                f);
        for (GroupMember m : members.values()) {
            Node n = coordinators.get(m.groupId());
            if (n != null && n.id() == nodeId) {
                coordinators.remove(m.groupId());
                m.connectionFailed(f, nowMs);
            }
        }
        NodeChannel c = groupChannels.remove(nodeId);
        if (c != null) {
            shut(c, nowMs);
        }
    }

    private void closeUnused() {
        for (Iterator<Map.Entry<Integer, NodeChannel>> it = groupChannels.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<Integer, NodeChannel> e = it.next();
            boolean used = coordinators.values().stream().anyMatch(n -> n.id() == e.getKey());
            if (!used && e.getValue().inFlight() == 0) {
                e.getValue().close();
                it.remove();
            }
        }
    }

    /** Disconnects (in-flight requests then complete as disconnected), delivers, closes. */
    static void shut(NodeChannel c, long nowMs) {
        c.disconnect();
        c.poll(0, nowMs);
        c.close();
    }

    // ---- control: FindCoordinator, Metadata ----------------------------------------------------

    private long controlRound(long nowMs) {
        List<String> groups = new ArrayList<>();
        Set<String> metadataTopics = new TreeSet<>();
        for (GroupMember m : members.values()) {
            if (m.coordinatorLookupDue(nowMs)) {
                groups.add(m.groupId());
            }
            if (!m.unresolvedTopicIds().isEmpty()) {
                metadataTopics.addAll(m.topics());
            }
        }
        return lookups.round(nowMs, groups, metadataTopics, this::onCoordinators);
    }

    private void onCoordinators(Map<String, Coordinator> found) {
        long now = clockMs.getAsLong();
        for (Coordinator c : found.values()) {
            GroupMember m = members.get(c.group());
            if (m == null || m.state().terminal()) {
                continue;
            }
            if (c.error().isNone() && c.node() != null) {
                Node before = coordinators.put(c.group(), c.node());
                if (before == null || before.id() != c.node().id()) {
                    LOG.info(
                            "cluster {}: group {} is coordinated by node {} ({}:{})",
                            name,
                            c.group(),
                            c.node().id(),
                            c.node().host(),
                            c.node().port());
                }
                m.coordinatorFound();
            } else {
                m.coordinatorLookupFailed(c.error(), now);
            }
        }
    }

    // ---- the thread ----------------------------------------------------------------------------

    private void run() {
        while (!stopped) {
            try {
                long now = clockMs.getAsLong();
                long next = step(now);
                boolean busy =
                        lookups.inFlight()
                                || groupChannels.values().stream().anyMatch(c -> c.inFlight() > 0);
                long waitMs = Math.min(next - clockMs.getAsLong(), busy ? BUSY_MS : IDLE_MS);
                if (waitMs > 0 && commands.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
                }
            } catch (RuntimeException e) {
                LOG.error("cluster {}: the membership loop failed a step; it goes on", name, e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(IDLE_MS));
            }
        }
        closeChannels();
    }

    /** After the loop stopped, on its thread (or the stepping one): closes everything. */
    private void closeChannels() {
        long now = clockMs.getAsLong();
        for (Command c; (c = commands.poll()) != null; ) {
            if (c instanceof Join j) {
                members.put(j.member().groupId(), j.member());
            }
        }
        for (GroupMember m : members.values()) {
            m.abandon();
            byGroup.remove(m.groupId(), m);
        }
        members.clear();
        lookups.close();
        groupChannels.values().forEach(NodeChannel::close);
        groupChannels.clear();
        LOG.debug("cluster {}: membership loop stopped at {}", name, now);
    }

    /**
     * Stops the loop and closes its connections; members that did not {@link #leave} are told their
     * partitions are lost and end as LEFT, and the coordinator removes them after their session
     * timeout. Leave first for a clean handover.
     */
    @Override
    public void close() {
        stopped = true;
        if (thread == null) {
            closeChannels();
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("cluster {}: the membership thread did not stop within 10 s", name);
        }
    }

    /** Builds a {@link MembershipLoop}; one thread. */
    public static final class Builder {
        private final MembershipSettings settings;
        private String name = "kafka";
        private ChannelFactory channels;
        private List<Node> bootstrap = List.of();
        private LongSupplier clockMs = System::currentTimeMillis;
        private boolean stepped;
        private EngineAccess access;

        private Builder(MembershipSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** The cluster's name in log lines and the thread's name. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where connections come from. */
        public Builder channels(ChannelFactory channels) {
            this.channels = channels;
            return this;
        }

        /**
         * Look coordinators and topic ids up through a cluster's core instead of a control
         * connection of the loop's own (the bootstrap nodes are then not used).
         */
        Builder access(EngineAccess access) {
            this.access = Objects.requireNonNull(access, "access");
            return this;
        }

        /** The nodes to find coordinators and topic ids on (tried in turn). */
        public Builder bootstrap(List<Node> nodes) {
            this.bootstrap = List.copyOf(nodes);
            return this;
        }

        /** Another clock (milliseconds); real channels need the system clock. */
        public Builder clock(LongSupplier clockMs) {
            this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
            return this;
        }

        /** No thread: the caller calls {@link MembershipLoop#step(long)}. */
        public Builder stepped() {
            this.stepped = true;
            return this;
        }

        /** Starts the loop. */
        public MembershipLoop start() {
            return new MembershipLoop(this);
        }
    }
}
