package io.ferry.kafka.consume;

import io.ferry.kafka.wire.ChannelFactory;
import io.ferry.kafka.wire.ClusterView;
import io.ferry.kafka.wire.Coordinator;
import io.ferry.kafka.wire.NodeChannel;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.TopicView;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership loop's control connection: batched FindCoordinator and Metadata of subscribed
 * topics (for the topic ids of assignments), one request at a time; only the membership loop's
 * thread (or a test stepping it) uses it.
 */
final class GroupLookups implements MembershipLookups {
    /* Design notes
     * One channel to one bootstrap node at a time, rotated on a connection failure or a failed
     * request with exponential backoff (retryBackoffMs doubling to retryBackoffMaxMs). A
     * FindCoordinator goes before a Metadata: a group without a coordinator sends nothing at all.
     * FindCoordinator (v4+) carries every group waiting, so N groups cost one request. Metadata is
     * asked at most every retryBackoffMaxMs while some assignment names an unknown id (the topic
     * may have been created a moment ago, or recreated under a new id).
     * Topic ids are only ever added: an id names one topic for its life.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupLookups.class);

    private final String cluster;
    private final MembershipSettings settings;
    private final ChannelFactory channels;
    private final List<Node> nodes;
    private final Map<Uuid, String> topicNames = new HashMap<>();
    private NodeChannel control;
    private int index;
    private boolean inFlight;
    private int failures;
    private long retryMs;
    private long metadataRetryMs;
    private int findCoordinatorRequests;
    private WireFailure answerFailed; // set in a callback, acted on after the channel's poll

    GroupLookups(
            String cluster,
            MembershipSettings settings,
            ChannelFactory channels,
            List<Node> nodes) {
        this.cluster = cluster;
        this.settings = settings;
        this.channels = channels;
        this.nodes = new ArrayList<>(nodes);
        if (this.nodes.isEmpty()) {
            throw new IllegalArgumentException("bootstrap: no node to find coordinators on");
        }
    }

    /** The name of the topic with {@code id}, or null while unknown. */
    @Override
    public String topicName(Uuid id) {
        return topicNames.get(id);
    }

    /** True while a request is in flight. */
    @Override
    public boolean inFlight() {
        return inFlight;
    }

    /** FindCoordinator requests sent so far. */
    @Override
    public int findCoordinatorRequests() {
        return findCoordinatorRequests;
    }

    /** Delivers answers (their callbacks run here). */
    @Override
    public void poll(long nowMs) {
        if (control != null) {
            control.poll(0, nowMs);
        }
        if (answerFailed != null) {
            WireFailure f = answerFailed;
            answerFailed = null;
            failed(f, nowMs); // not inside the callback: closing re-enters the channel's poll
        }
    }

    /**
     * Sends a FindCoordinator for {@code groups} when any, else a Metadata of {@code topics} when
     * any and due, if the channel can; {@code found} gets a FindCoordinator's answer. Returns when
     * to come back (Long.MAX_VALUE: on news).
     */
    @Override
    public long round(
            long nowMs,
            List<String> groups,
            Set<String> topics,
            Consumer<Map<String, Coordinator>> found) {
        long next = Long.MAX_VALUE;
        boolean metadataDue = !topics.isEmpty() && nowMs >= metadataRetryMs;
        if (!topics.isEmpty()) {
            next = Math.max(metadataRetryMs, nowMs + MembershipLoop.BUSY_MS);
        }
        if (inFlight || (groups.isEmpty() && !metadataDue)) {
            return next;
        }
        if (nowMs < retryMs) {
            return Math.min(next, retryMs);
        }
        if (control == null) {
            control = channels.open(nodes.get(index), "control", 1);
        }
        if (!control.ready(nowMs)) {
            WireFailure f = control.connectionFailure();
            if (f != null) {
                failed(f, nowMs);
            }
            return Math.min(next, nowMs + MembershipLoop.BUSY_MS);
        }
        if (!control.canSend(nowMs)) {
            return next;
        }
        inFlight = true;
        if (!groups.isEmpty()) {
            findCoordinatorRequests++;
            control.send(
                    new WireRequest.FindCoordinator(groups), nowMs, o -> onCoordinators(o, found));
        } else {
            metadataRetryMs = nowMs + settings.retryBackoffMaxMs();
            control.send(
                    new WireRequest.Metadata(List.copyOf(topics), false), nowMs, this::onMetadata);
        }
        return next;
    }

    private void onCoordinators(
            Outcome<Map<String, Coordinator>> o, Consumer<Map<String, Coordinator>> found) {
        inFlight = false;
        if (!o.succeeded()) {
            answerFailed = o.failure();
            return;
        }
        failures = 0;
        found.accept(o.response());
    }

    private void onMetadata(Outcome<ClusterView> o) {
        inFlight = false;
        if (!o.succeeded()) {
            answerFailed = o.failure();
            return;
        }
        failures = 0;
        for (TopicView t : o.response().topics().values()) {
            if (!Uuid.ZERO_UUID.equals(t.topicId()) && t.error().isNone()) {
                topicNames.put(t.topicId(), t.name());
            }
        }
    }

    private void failed(WireFailure f, long nowMs) {
        failures++;
        long backoff =
                Math.min(
                        settings.retryBackoffMs() << Math.min(failures - 1, 20),
                        settings.retryBackoffMaxMs());
        retryMs = nowMs + backoff;
        Node was = control.node();
        MembershipLoop.shut(control, nowMs);
        control = null;
        index = (index + 1) % nodes.size();
        LOG.warn(
                "cluster {}: control connection to {}:{} failed ({}); trying {}:{} in {} ms",
                cluster,
                was.host(),
                was.port(),
                f,
                nodes.get(index).host(),
                nodes.get(index).port(),
                backoff);
    }

    /** Closes the channel. */
    @Override
    public void close() {
        if (control != null) {
            control.close();
            control = null;
        }
    }
}
