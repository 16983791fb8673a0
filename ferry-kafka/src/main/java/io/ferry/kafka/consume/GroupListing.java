package io.ferry.kafka.consume;

import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.DescribedGroup;
import io.ferry.kafka.wire.ListedGroups;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call of {@link GroupLister#list}: its state and its steps (Metadata, ListGroups,
 * FindCoordinator, the describes); made on the caller's thread, then used only by the lister's
 * thread (or a test stepping it), which posts it through its mailbox.
 */
final class GroupListing {
    /* Design notes
     * The protocol is in GroupLister's design notes. Here: each group still to describe has a
     * Wanted (its kind, its coordinator once found, whether a request for it is in flight, when it
     * may be asked again); a group leaves `wanted` once described (into `found` when it has a
     * member on the topic), skipped, or known to be gone. The call is finished once every live
     * broker listed its groups (or a group was named) and `wanted` is empty. `lastProblem` keeps
     * the last failure for the timeout's message.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupListing.class);
    static final long RETRY_BACKOFF_MS = 100;
    static final long BUSY_MS = 5;
    private static final String CONSUMER = "consumer";

    /** The lister's connections, as a listing uses them; lister thread only. */
    interface Channels {
        /** The channel to {@code n} when a request can go now, else null (opened on first use). */
        NodeChannel ready(Node n, long nowMs);

        /** Why the last connection to {@code n} failed, or null. */
        WireFailure failure(Node n);
    }

    /** Which describe a group takes. */
    private enum Kind {
        CONSUMER,
        CLASSIC,
        /** Named by the caller: ConsumerGroupDescribe first, DescribeGroups if not one. */
        UNKNOWN
    }

    /** One group still to describe. */
    private static final class Wanted {
        Kind kind;
        Node coordinator;
        boolean inFlight;
        long retryAtMs;

        Wanted(Kind kind) {
            this.kind = kind;
        }
    }

    final String topic;
    final String only;
    final long deadlineMs;
    final CompletableFuture<Map<String, Map<String, List<Integer>>>> done =
            new CompletableFuture<>();
    private final GroupLister.Cluster cluster;
    private final Channels channels;

    // Lister thread only (set before the listing is posted, or on the lister thread).
    private Map<Integer, Node> unlisted; // live brokers not listed yet; null until Metadata
    private final Set<Integer> listing = new HashSet<>();
    private final Set<String> seen = new HashSet<>();
    private boolean metadataInFlight;
    private int metadataNode;
    private long retryAtMs; // of Metadata and ListGroups
    private final Map<String, Wanted> wanted = new HashMap<>();
    private CompletableFuture<Map<String, Coordinator>> finding;
    private Set<String> findingFor = Set.of();
    private final Map<String, Map<String, List<Integer>>> found = new TreeMap<>();
    private String lastProblem = "";

    /**
     * A listing of {@code topic}'s groups ({@code only} that one when not null) due by {@code
     * deadlineMs}.
     */
    GroupListing(
            GroupLister.Cluster cluster,
            Channels channels,
            String topic,
            String only,
            long deadlineMs) {
        this.cluster = cluster;
        this.channels = channels;
        this.topic = topic;
        this.only = only;
        this.deadlineMs = deadlineMs;
        if (only != null) {
            wanted.put(only, new Wanted(Kind.UNKNOWN));
        }
    }

    /** What was found: group to member to partitions, sorted. */
    Map<String, Map<String, List<Integer>>> result() {
        return Collections.unmodifiableMap(new TreeMap<>(found));
    }

    /** One step: what can be sent now; answers come through the channels' polls. */
    void step(long now) {
        if (only == null && unlisted == null) {
            askBrokers(now);
        } else if (only == null && now >= retryAtMs) {
            listGroups(now);
        }
        takeCoordinators(now);
        if (!done.isDone()) {
            findCoordinators(now);
            describe(now);
        }
    }

    boolean finished() {
        boolean listed = only != null || (unlisted != null && unlisted.isEmpty());
        return listed && wanted.isEmpty();
    }

    // ---- the live brokers, and ListGroups on each ----------------------------------------------

    private void askBrokers(long now) {
        if (metadataInFlight || now < retryAtMs) {
            return;
        }
        List<Node> known = cluster.nodes();
        if (known.isEmpty()) {
            lastProblem = "no Kafka node known yet";
            retryAtMs = now + RETRY_BACKOFF_MS;
            return;
        }
        Node n = known.get(Math.floorMod(metadataNode, known.size()));
        NodeChannel c = channels.ready(n, now);
        if (c == null) {
            WireFailure f = channels.failure(n);
            if (f != null) {
                metadataNode++;
                lastProblem = "node " + n.id() + ": " + f;
            }
            retryAtMs = now + (f == null ? BUSY_MS : RETRY_BACKOFF_MS);
            return;
        }
        metadataInFlight = true;
        c.send(new WireRequest.Metadata(List.of(), false), now, o -> brokers(n, o));
    }

    private void brokers(Node n, Outcome<ClusterView> o) {
        metadataInFlight = false;
        if (!o.succeeded()) {
            metadataNode++;
            lastProblem = "Metadata on node " + n.id() + ": " + o.failure();
            retryAtMs = cluster.nowMs() + RETRY_BACKOFF_MS;
            return;
        }
        unlisted = new HashMap<>();
        o.response().nodes().forEach((id, node) -> unlisted.put(id, node));
        retryAtMs = 0;
    }

    private void listGroups(long now) {
        for (Node n : List.copyOf(unlisted.values())) {
            if (listing.contains(n.id())) {
                continue;
            }
            NodeChannel c = channels.ready(n, now);
            if (c == null) {
                WireFailure f = channels.failure(n);
                if (f != null) {
                    lastProblem = "node " + n.id() + ": " + f;
                }
                retryAtMs = now + (f == null ? BUSY_MS : RETRY_BACKOFF_MS);
                continue;
            }
            listing.add(n.id());
            c.send(new WireRequest.ListGroups(), now, o -> listed(n, o));
        }
    }

    private void listed(Node n, Outcome<ListedGroups> o) {
        listing.remove(n.id());
        if (done.isDone()) {
            return;
        }
        WireError e = o.succeeded() ? o.response().error() : null;
        if (!o.succeeded() || e.retriable()) {
            lastProblem = "ListGroups on node " + n.id() + ": " + (e == null ? o.failure() : e);
            retryAtMs = cluster.nowMs() + RETRY_BACKOFF_MS;
            return;
        }
        if (!e.isNone()) {
            fail("ListGroups on node " + n.id() + " refused: " + e);
            return;
        }
        for (ListedGroups.Group g : o.response().groups()) {
            boolean consumer = g.type().equals(CONSUMER);
            boolean classic = g.type().isEmpty() || g.type().equals("classic");
            if (g.protocolType().equals(CONSUMER)
                    && (consumer || classic)
                    && !g.state().equalsIgnoreCase("Empty")
                    && !g.state().equalsIgnoreCase("Dead")
                    && seen.add(g.groupId())) {
                wanted.put(g.groupId(), new Wanted(consumer ? Kind.CONSUMER : Kind.CLASSIC));
            }
        }
        unlisted.remove(n.id());
    }

    // ---- coordinators -------------------------------------------------------------------------

    private void findCoordinators(long now) {
        if (finding != null) {
            return;
        }
        Set<String> need = new TreeSet<>();
        wanted.forEach(
                (g, w) -> {
                    if (w.coordinator == null && !w.inFlight && now >= w.retryAtMs) {
                        need.add(g);
                    }
                });
        if (need.isEmpty()) {
            return;
        }
        need.forEach(g -> wanted.get(g).inFlight = true);
        findingFor = need;
        finding = cluster.findCoordinators(Set.copyOf(need));
    }

    private void takeCoordinators(long now) {
        CompletableFuture<Map<String, Coordinator>> f = finding;
        if (f == null || !f.isDone()) {
            return;
        }
        finding = null;
        Map<String, Coordinator> located = f.isCompletedExceptionally() ? null : f.join();
        for (String g : findingFor) {
            Wanted w = wanted.get(g);
            if (w == null) {
                continue;
            }
            w.inFlight = false;
            Coordinator c = located == null ? null : located.get(g);
            if (c == null || (c.error().isNone() && c.node() == null)) {
                lastProblem = "FindCoordinator of group '" + g + "' not answered";
                w.retryAtMs = now + RETRY_BACKOFF_MS;
            } else if (c.error().isNone()) {
                w.coordinator = c.node();
            } else {
                groupError(g, w, c.error(), "FindCoordinator", now);
            }
        }
    }

    // ---- describes ----------------------------------------------------------------------------

    private void describe(long now) {
        Map<Node, List<String>> consumer = new HashMap<>();
        Map<Node, List<String>> classic = new HashMap<>();
        wanted.forEach(
                (g, w) -> {
                    if (w.coordinator != null && !w.inFlight && now >= w.retryAtMs) {
                        (w.kind == Kind.CLASSIC ? classic : consumer)
                                .computeIfAbsent(w.coordinator, n -> new ArrayList<>())
                                .add(g);
                    }
                });
        consumer.forEach((n, groups) -> send(n, groups, true, now));
        classic.forEach((n, groups) -> send(n, groups, false, now));
    }

    private void send(Node n, List<String> groups, boolean kip848, long now) {
        NodeChannel c = channels.ready(n, now);
        if (c == null) {
            WireFailure f = channels.failure(n);
            for (String g : groups) {
                Wanted w = wanted.get(g);
                w.retryAtMs = now + (f == null ? BUSY_MS : RETRY_BACKOFF_MS);
                if (f != null) {
                    w.coordinator = null; // it may have moved off a node that is gone
                    lastProblem = "coordinator node " + n.id() + ": " + f;
                }
            }
            return;
        }
        groups.forEach(g -> wanted.get(g).inFlight = true);
        if (kip848) {
            c.send(
                    new WireRequest.ConsumerGroupDescribe(groups),
                    now,
                    o -> described(groups, true, o));
        } else {
            c.send(new WireRequest.DescribeGroups(groups), now, o -> described(groups, false, o));
        }
    }

    private void described(
            List<String> groups, boolean kip848, Outcome<Map<String, DescribedGroup>> o) {
        long now = cluster.nowMs();
        String api = kip848 ? "ConsumerGroupDescribe" : "DescribeGroups";
        for (String g : groups) {
            Wanted w = wanted.get(g);
            if (w == null || done.isDone()) {
                continue;
            }
            w.inFlight = false;
            if (!o.succeeded()) {
                boolean unsupported = o.failure().kind() == WireFailure.Kind.UNSUPPORTED_VERSION;
                if (unsupported && kip848 && w.kind == Kind.UNKNOWN) {
                    w.kind = Kind.CLASSIC; // a broker before KIP-848: classic groups only
                } else if (unsupported) {
                    fail(api + " of group '" + g + "': " + o.failure());
                } else {
                    lastProblem = api + " of group '" + g + "': " + o.failure();
                    w.coordinator = null;
                    w.retryAtMs = now + RETRY_BACKOFF_MS;
                }
                continue;
            }
            DescribedGroup d = o.response().get(g);
            if (d == null) {
                lastProblem = api + " answered nothing for group '" + g + "'";
                w.retryAtMs = now + RETRY_BACKOFF_MS;
            } else if (d.error().isNone()) {
                take(d);
                wanted.remove(g);
            } else if (d.error().name().equals("GROUP_ID_NOT_FOUND")) {
                if (kip848 && w.kind == Kind.UNKNOWN) {
                    w.kind = Kind.CLASSIC; // no KIP-848 group: a classic one, or none
                } else {
                    wanted.remove(g); // none (or gone since it was listed): nothing to show
                }
            } else {
                groupError(g, w, d.error(), api, now);
            }
        }
    }

    private void take(DescribedGroup d) {
        Map<String, List<Integer>> members = new TreeMap<>();
        for (DescribedGroup.Member m : d.members()) {
            List<Integer> ps =
                    m.assigned().stream()
                            .filter(tp -> tp.topic().equals(topic))
                            .map(TopicPartition::partition)
                            .distinct()
                            .sorted()
                            .toList();
            if (!ps.isEmpty()) {
                members.put(m.clientId() + "/" + m.memberId(), ps);
            }
        }
        if (!members.isEmpty()) {
            found.put(d.groupId(), Collections.unmodifiableMap(members));
        }
    }

    private void groupError(String g, Wanted w, WireError e, String api, long now) {
        if (e.isCoordinatorError() || e.retriable()) {
            lastProblem = api + " of group '" + g + "': " + e;
            if (e.isCoordinatorError()) {
                w.coordinator = null;
            }
            w.retryAtMs = now + RETRY_BACKOFF_MS;
        } else if (e.name().equals("GROUP_AUTHORIZATION_FAILED") && only == null) {
            LOG.debug("group {} not shown: {} answered {}", g, api, e);
            wanted.remove(g);
        } else {
            fail(api + " of group '" + g + "' refused: " + e);
        }
    }

    private void fail(String message) {
        done.completeExceptionally(new ConsumeException(ConsumeException.Reason.REFUSED, message));
    }

    TimeoutException timedOut() {
        List<String> missing = new ArrayList<>();
        if (only == null && unlisted == null) {
            missing.add("the live brokers (Metadata)");
        } else if (unlisted != null && !unlisted.isEmpty()) {
            missing.add("ListGroups of nodes " + new TreeSet<>(unlisted.keySet()));
        }
        if (!wanted.isEmpty()) {
            missing.add("the description of groups " + new TreeSet<>(wanted.keySet()));
        }
        return new TimeoutException(
                "no answer in time for "
                        + String.join(" and ", missing)
                        + (lastProblem.isEmpty() ? "" : " (last: " + lastProblem + ")"));
    }
}
