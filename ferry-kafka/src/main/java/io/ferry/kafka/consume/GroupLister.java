package io.ferry.kafka.consume;

import io.ferry.kafka.EngineAccess;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.WireFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a topic's consumer groups and their members' partitions, cluster-wide, from Kafka itself
 * (kafka-pixy's ListConsumers); {@link #list} may be called from any thread, everything else runs
 * on the lister's own thread ({@link #runOnce()}; a test steps it instead).
 */
final class GroupLister implements AutoCloseable {
    /* Design notes
     * Every group: a Metadata of no topics to a known node (the live brokers: the cache keeps
     * every node ever named, and a broker gone for good would never answer), rotating through the
     * known nodes on failures; ListGroups to every live broker (each lists only the groups it
     * coordinates), keeping groups of protocol type "consumer" of type consumer or classic (empty
     * below v5: classic) that are neither Empty nor Dead; one batched FindCoordinator (the
     * cluster's control loop) for the groups not yet located; one ConsumerGroupDescribe (KIP-848
     * groups) and one DescribeGroups (classic groups) per coordinator, each carrying its groups.
     * A named group skips the listing: ConsumerGroupDescribe first, then DescribeGroups when Kafka
     * says it is no consumer group (GROUP_ID_NOT_FOUND) or does not know ConsumerGroupDescribe; a
     * group Kafka does not know is then GROUP_ID_NOT_FOUND again (DescribeGroups v6, Kafka 4) or
     * Dead with no members (before): nothing to show.
     * Errors: a transport failure or a retriable error is asked again after RETRY_BACKOFF_MS; a
     * coordinator error, or a failed connection to the coordinator, finds it again first;
     * GROUP_AUTHORIZATION_FAILED skips a listed group (rare: ListGroups lists only the groups the
     * principal may describe) and fails a named one REFUSED; any other error fails the call
     * REFUSED with Kafka's error. Whatever is not done by the deadline fails the call with a
     * TimeoutException naming what is missing: a listing that could not ask every broker is never
     * answered as if complete.
     * Threads: callers post a GroupListing (one call's state and steps) to the mailbox and unpark
     * the thread, the single writer of `active`, of each listing's state and of the channels (one
     * per node, purpose "groups", kept until close). Channel callbacks run inside poll on this
     * thread; FindCoordinator completes on the control loop's thread and is read here once done.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupLister.class);
    static final long RETRY_BACKOFF_MS = GroupListing.RETRY_BACKOFF_MS;
    static final long IDLE_MS = 1_000;
    static final long BUSY_MS = GroupListing.BUSY_MS;
    static final int MAX_IN_FLIGHT = 5;

    /** What the lister needs of its cluster; any thread, never blocks on Kafka. */
    interface Cluster {
        /** The clock, in milliseconds. */
        long nowMs();

        /** Every node known, to ask one for the live brokers. */
        List<Node> nodes();

        /** The coordinators of {@code groups}, in one batched FindCoordinator. */
        CompletableFuture<Map<String, Coordinator>> findCoordinators(Set<String> groups);

        /** Opens a channel of its own to {@code node} (lazily connected). */
        NodeChannel open(Node node, String purpose, int maxInFlight);
    }

    /** {@code a}'s cluster as the lister sees it. */
    static Cluster view(EngineAccess a) {
        return new Cluster() {
            @Override
            public long nowMs() {
                return a.nowMs();
            }

            @Override
            public List<Node> nodes() {
                return a.nodes();
            }

            @Override
            public CompletableFuture<Map<String, Coordinator>> findCoordinators(
                    Set<String> groups) {
                return a.findCoordinators(groups);
            }

            @Override
            public NodeChannel open(Node node, String purpose, int maxInFlight) {
                return a.open(node, purpose, maxInFlight);
            }
        };
    }

    private final Cluster cluster;
    private final ConcurrentLinkedQueue<GroupListing> mailbox = new ConcurrentLinkedQueue<>();
    private final Thread thread; // null when stepped
    private volatile boolean stopped;

    // Lister thread only.
    private final List<GroupListing> active = new ArrayList<>();
    private final Map<Integer, NodeChannel> channels = new HashMap<>();
    private final GroupListing.Channels links =
            new GroupListing.Channels() {
                @Override
                public NodeChannel ready(Node n, long nowMs) {
                    return channel(n, nowMs);
                }

                @Override
                public WireFailure failure(Node n) {
                    NodeChannel c = channels.get(n.id());
                    return c == null ? null : c.connectionFailure();
                }
            };

    GroupLister(Cluster cluster, String name, boolean ownThread) {
        this.cluster = cluster;
        if (ownThread) {
            thread = new Thread(this::run, "ferry-groups-" + name);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /**
     * The consumer groups with members assigned partitions of {@code topic} (only {@code only} when
     * not null), each with its members ({@code clientId/memberId}) and their partitions of {@code
     * topic}, sorted; any thread.
     *
     * @return completes with the groups (none: empty), or fails: {@link ConsumeException} {@code
     *     REFUSED} with Kafka's error, {@code CLOSED}; {@link TimeoutException} after {@code
     *     timeoutMs}, naming what is missing
     */
    CompletableFuture<Map<String, Map<String, List<Integer>>>> list(
            String topic, String only, long timeoutMs) {
        GroupListing l = new GroupListing(cluster, links, topic, only, cluster.nowMs() + timeoutMs);
        if (!stopped) {
            mailbox.add(l);
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        if (stopped) {
            mailbox.remove(l);
            l.done.completeExceptionally(closed()); // harmless when shut() failed it already
        }
        return l.done;
    }

    /** One duty cycle: new lookups, answers, deadlines, then what can be sent. */
    void runOnce() {
        long now = cluster.nowMs();
        for (GroupListing l; (l = mailbox.poll()) != null; ) {
            active.add(l);
        }
        for (NodeChannel c : List.copyOf(channels.values())) {
            c.poll(0, now);
        }
        for (Iterator<GroupListing> it = active.iterator(); it.hasNext(); ) {
            GroupListing l = it.next();
            if (!l.done.isDone() && now >= l.deadlineMs) {
                l.done.completeExceptionally(l.timedOut());
            }
            if (!l.done.isDone()) {
                l.step(now);
            }
            if (!l.done.isDone() && l.finished()) {
                l.done.complete(l.result());
            }
            if (l.done.isDone()) {
                it.remove();
            }
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** The channel to {@code n} when a request can go now, else null (opened on first use). */
    private NodeChannel channel(Node n, long now) {
        NodeChannel c = channels.get(n.id());
        if (c != null && (!c.node().host().equals(n.host()) || c.node().port() != n.port())) {
            c.close(); // the node id moved to another address
            c = null;
        }
        if (c == null) {
            c = cluster.open(n, "groups", MAX_IN_FLIGHT);
            channels.put(n.id(), c);
        }
        return c.ready(now) && c.canSend(now) ? c : null;
    }

    private static ConsumeException closed() {
        return new ConsumeException(ConsumeException.Reason.CLOSED, "the consume engine is closed");
    }

    private void run() {
        while (!stopped) {
            try {
                runOnce();
                if (mailbox.isEmpty()) {
                    long ms = active.isEmpty() ? IDLE_MS : BUSY_MS;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
                }
            } catch (RuntimeException e) {
                LOG.error("the group lister failed a step; it goes on", e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(BUSY_MS));
            }
        }
        shut();
    }

    private void shut() {
        for (GroupListing l; (l = mailbox.poll()) != null; ) {
            active.add(l);
        }
        active.forEach(l -> l.done.completeExceptionally(closed()));
        active.clear();
        channels.values().forEach(NodeChannel::close);
        channels.clear();
    }

    /** Stops the thread, fails what is waiting (CLOSED) and closes the connections. */
    @Override
    public void close() {
        stopped = true;
        if (thread == null) {
            shut();
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
