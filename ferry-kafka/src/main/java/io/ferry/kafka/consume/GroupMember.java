package io.ferry.kafka.consume;

import io.ferry.kafka.wire.HeartbeatResult;
import io.ferry.kafka.wire.Outcome;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of one KIP-848 consumer group: a steppable state machine ({@link MemberState}) that
 * builds the next ConsumerGroupHeartbeat when one is due and takes its outcome. Only the membership
 * loop's thread (or a test) calls its package-private methods; the public reads ({@link #state()},
 * {@link #memberEpoch()}, {@link #owned()} ...) are safe from any thread.
 */
public final class GroupMember {
    /* Design notes
     * Single writer: the loop thread. The fields the commit path and operators read from other
     * threads (state, epoch, owned, failure) are volatile and written only by it; each holds an
     * immutable value, so a reader sees one consistent value of each (not of all together).
     * The one cross-thread input, a listener's Revocation.done(), is a mailbox: it stores the
     * revocation's number in revocationDone and wakes the loop; step() takes it. A done() of an
     * older revocation (one superseded by fencing) carries an old number and is ignored.
     *
     * The protocol (CONSUME-NOTES section 1):
     * - Join: epoch 0, every field, owned = an EMPTY list (null is INVALID_REQUEST). The member id
     *   is a UUID made once per member and kept across rejoins.
     * - Every field again after any error or lost answer, else null = unchanged (HeartbeatFields).
     * - Owned partitions: explicit whenever they differ from what the coordinator last received,
     *   and in every heartbeat while reconciling or acknowledging; null only when stable and
     *   unchanged (null means "I still own everything", so it is never used to report a revocation).
     * - Assignments are the FULL target, keyed by topic id. Ids the resolver does not know yet stay
     *   pending (metadata is refreshed) and are assigned once known: never dropped.
     * - Revocation first (the listener stops, settles acks for the grace, commits, calls done),
     *   only then the owned set shrinks and the new partitions are assigned, then one heartbeat
     *   acknowledges the new owned set.
     * - Fenced (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID): everything is lost, no commit; rejoin at
     *   once with epoch 0 and the same id.
     * - A lost answer (disconnect, timeout) and coordinator errors: find the coordinator again,
     *   retry with every field and the same epoch after a backoff (the coordinator accepts the
     *   previous epoch when the owned set is a subset of the assignment).
     * - Anything Kafka does not call retriable, and the four errors Kafka's client treats as
     *   fatal: FATAL with a code and a message; the listener is told lost, then failed.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupMember.class);

    private final String groupId;
    private final String memberId;
    private volatile List<String> topics; // written by the loop thread only

    /** The subscription asked for by {@link #subscribe} (any thread); the loop takes it. */
    private final AtomicReference<List<String>> wantedTopics = new AtomicReference<>();

    private final MembershipSettings settings;
    private final MembershipListener listener;
    private final Function<Uuid, String> topicNames;
    private final Runnable wakeup;
    private final CompletableFuture<MemberState> terminated = new CompletableFuture<>();

    // Read from any thread, written by the loop thread only.
    private volatile MemberState state = MemberState.UNSUBSCRIBED;
    private volatile int memberEpoch;
    private volatile Set<TopicPartition> ownedView = Set.of();
    private volatile MembershipFailure failure;

    /** The id of the last revocation whose listener called done(); any thread writes it. */
    private final AtomicInteger revocationDone = new AtomicInteger();

    // Loop thread only.
    private final Set<TopicIdPartition> owned = new LinkedHashSet<>();
    private Set<TopicIdPartition> revoking = Set.of();
    private int revocationId;
    private long revocationStartMs;
    private boolean revocationWarned;
    private Map<Uuid, Set<Integer>> target; // the last assignment, null before the first
    private final Set<Uuid> unresolved = new HashSet<>();
    private final Set<Uuid> loggedUnresolved = new HashSet<>(); // logged once each
    private final HeartbeatFields fields;
    private boolean inFlight;
    private boolean needsCoordinator = true;
    private long heartbeatIntervalMs;
    private long nextHeartbeatMs;
    private int failures;
    private long leaveDeadlineMs;
    private boolean joinedOnce;

    /**
     * A member, not started.
     *
     * @param groupId the group id
     * @param topics the topics subscribed to
     * @param settings the membership settings
     * @param listener told of assigned, revoked and lost partitions
     * @param topicNames a topic's name by id, or null while unknown (the loop refreshes)
     * @param wakeup wakes the loop's thread (after a revocation's done())
     */
    GroupMember(
            String groupId,
            List<String> topics,
            MembershipSettings settings,
            MembershipListener listener,
            Function<Uuid, String> topicNames,
            Runnable wakeup) {
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        if (groupId.isEmpty()) {
            throw new IllegalArgumentException("groupId is empty; expected a group name");
        }
        if (topics == null || topics.isEmpty()) {
            throw new IllegalArgumentException(
                    "group " + groupId + ": topics is empty; expected at least one topic");
        }
        this.topics = List.copyOf(new TreeSet<>(topics));
        this.memberId = Uuid.randomUuid().toString();
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup");
        this.fields = new HeartbeatFields(groupId, memberId, this.topics, settings);
    }

    // ---- reads, any thread ----------------------------------------------------------------------

    /** The group id. */
    public String groupId() {
        return groupId;
    }

    /** The member id: a UUID made once, kept for the member's life (across rejoins). */
    public String memberId() {
        return memberId;
    }

    /** The topics subscribed to (sorted; the last subscription the loop took). */
    public List<String> topics() {
        return topics;
    }

    /**
     * Changes the subscription to {@code now} (any thread): the next heartbeat, sent at once,
     * carries it; the coordinator then assigns accordingly (KIP-848: a member may change its
     * subscribed topic names in any heartbeat).
     *
     * @throws IllegalArgumentException when {@code now} is empty
     */
    public void subscribe(Collection<String> now) {
        if (now == null || now.isEmpty()) {
            throw new IllegalArgumentException(
                    "group " + groupId + ": topics is empty; expected at least one topic");
        }
        wantedTopics.set(List.copyOf(new TreeSet<>(now)));
        wakeup.run();
    }

    /**
     * The member epoch now (0 while joining, -1 after leaving); commits must carry exactly this
     * one, else {@code STALE_MEMBER_EPOCH}.
     */
    public int memberEpoch() {
        return memberEpoch;
    }

    /** The state now. */
    public MemberState state() {
        return state;
    }

    /**
     * The partitions owned now, including ones being revoked (they are owned until their revocation
     * is done); only these may be committed.
     */
    public Set<TopicPartition> owned() {
        return ownedView;
    }

    /** Why the member failed, or null while it has not. */
    public MembershipFailure failure() {
        return failure;
    }

    /** Completes with LEFT or FATAL when the member stops for good. */
    public CompletableFuture<MemberState> terminated() {
        return terminated;
    }

    /**
     * What is wrong with the member's state now (empty when nothing is); loop thread (tests check
     * it after every step).
     */
    List<String> invariantViolations() {
        List<String> out = new java.util.ArrayList<>();
        if (!owned.containsAll(revoking)) {
            out.add("revoking " + names(revoking) + " is not within owned " + names(owned));
        }
        if (!ownedView.equals(names(owned))) {
            out.add("owned() " + ownedView + " differs from the owned set " + names(owned));
        }
        if (state.terminal() && !owned.isEmpty()) {
            out.add(state + " but still owns " + names(owned));
        }
        if (state == MemberState.JOINING && !owned.isEmpty()) {
            out.add("JOINING (epoch 0) but owns " + names(owned));
        }
        if (state == MemberState.STABLE && (!unresolved.isEmpty() || !revoking.isEmpty())) {
            out.add("STABLE with pending topic ids " + unresolved + " or revoking " + revoking);
        }
        if (inFlight && state.terminal()) {
            out.add(state + " with a heartbeat in flight");
        }
        return out;
    }

    @Override
    public String toString() {
        return "member "
                + memberId
                + " of group "
                + groupId
                + " ("
                + state
                + ", epoch "
                + memberEpoch
                + ")";
    }

    // ---- loop thread ----------------------------------------------------------------------------

    /** UNSUBSCRIBED -> JOINING: the join is due at once. */
    void start(long nowMs) {
        if (state == MemberState.UNSUBSCRIBED) {
            transition(MemberState.JOINING);
            nextHeartbeatMs = nowMs;
        }
    }

    /**
     * Starts leaving: the listener revokes everything (commits), then the leave heartbeat; a member
     * that never joined is LEFT at once.
     */
    void leave(long nowMs) {
        if (state.terminal()
                || state == MemberState.PREPARE_LEAVING
                || state == MemberState.LEAVING) {
            return;
        }
        leaveDeadlineMs = nowMs + settings.leaveTimeoutMs();
        if (!joinedOnce && !inFlight) {
            finish(MemberState.LEFT);
            return;
        }
        transition(MemberState.PREPARE_LEAVING);
        prepareLeaving(nowMs);
    }

    /**
     * The loop closes without this member leaving: its partitions are lost (the coordinator gives
     * them away after the session timeout) and it ends as LEFT.
     */
    void abandon() {
        if (state.terminal()) {
            return;
        }
        Set<TopicPartition> lostNow = names(owned);
        owned.clear();
        revoking = Set.of();
        revocationId++;
        publishOwned();
        inFlight = false;
        if (!lostNow.isEmpty()) {
            listener.lost(lostNow);
        }
        LOG.warn(
                "{}: closed without leaving; the coordinator gives its partitions away after the"
                        + " session timeout",
                this);
        finish(MemberState.LEFT);
    }

    /** True while the member needs its coordinator found. */
    boolean needsCoordinator() {
        return needsCoordinator && !state.terminal() && state != MemberState.UNSUBSCRIBED;
    }

    /** True when the loop should look the coordinator up now (not within a backoff). */
    boolean coordinatorLookupDue(long nowMs) {
        return needsCoordinator() && nowMs >= nextHeartbeatMs;
    }

    /** The loop found (or moved to) the group's coordinator: next heartbeat sends every field. */
    void coordinatorFound() {
        needsCoordinator = false;
        fields.resendAll();
    }

    /** FindCoordinator answered {@code error} for this group. */
    void coordinatorLookupFailed(WireError error, long nowMs) {
        if (error.retriable() || error.isCoordinatorError()) {
            backOff(nowMs, "FindCoordinator: " + error);
            return;
        }
        fail(
                MembershipFailure.codeOf(error),
                error.name(),
                "FindCoordinator refused: " + error.message());
    }

    /** The connection to the coordinator failed (the loop finds it again). */
    void connectionFailed(WireFailure f, long nowMs) {
        if (f.kind() == WireFailure.Kind.AUTHENTICATION) {
            fail(
                    MembershipFailure.Code.AUTHENTICATION,
                    null,
                    "the coordinator refused the connection: " + f.message());
            return;
        }
        needsCoordinator = true;
        fields.resendAll();
        backOff(nowMs, "connection: " + f);
    }

    /** The topic ids of the assignment not known yet (the loop refreshes metadata). */
    Set<Uuid> unresolvedTopicIds() {
        return Collections.unmodifiableSet(unresolved);
    }

    /**
     * Takes a revocation's completion, retries pending topic ids, ends an overdue leave; returns
     * when the member next needs a step (Long.MAX_VALUE: only on news).
     */
    long step(long nowMs) {
        List<String> wanted = wantedTopics.getAndSet(null);
        if (wanted != null && !wanted.equals(topics)) {
            LOG.info("{}: subscribing to {} (was {})", this, wanted, topics);
            topics = wanted;
            fields.topics(wanted);
            nextHeartbeatMs = Math.min(nextHeartbeatMs, nowMs);
        }
        if (!revoking.isEmpty() && revocationDone.get() == revocationId) {
            revocationDone(nowMs);
        } else if (!revoking.isEmpty()
                && !revocationWarned
                && nowMs - revocationStartMs > settings.rebalanceTimeoutMs() / 2) {
            revocationWarned = true;
            LOG.warn(
                    "{}: the listener has not finished revoking {} after {} ms; past"
                            + " rebalanceTimeoutMs ({}) the coordinator fences the member",
                    this,
                    names(revoking),
                    nowMs - revocationStartMs,
                    settings.rebalanceTimeoutMs());
        }
        boolean leaving = state == MemberState.PREPARE_LEAVING || state == MemberState.LEAVING;
        if (!unresolved.isEmpty()
                && revoking.isEmpty()
                && target != null
                && !leaving
                && !state.terminal()) {
            reconcile(nowMs);
        }
        if (state == MemberState.LEAVING && nowMs >= leaveDeadlineMs && !inFlight) {
            LOG.warn(
                    "{}: could not reach the coordinator to leave within {} ms; it removes the"
                            + " member after the session timeout",
                    this,
                    settings.leaveTimeoutMs());
            finish(MemberState.LEFT);
        }
        return nextWakeMs();
    }

    /** When a heartbeat is next due (Long.MAX_VALUE: none). */
    long nextWakeMs() {
        if (state.terminal() || state == MemberState.UNSUBSCRIBED) {
            return Long.MAX_VALUE;
        }
        long t = inFlight ? Long.MAX_VALUE : nextHeartbeatMs;
        return state == MemberState.LEAVING ? Math.min(t, leaveDeadlineMs) : t;
    }

    /** True when a heartbeat could be sent now (the loop then calls {@link #heartbeat}). */
    boolean heartbeatDue(long nowMs) {
        return !inFlight
                && !needsCoordinator
                && !state.terminal()
                && state != MemberState.UNSUBSCRIBED
                && nowMs >= nextHeartbeatMs;
    }

    /** The heartbeat to send now; marks it in flight. Call only when {@link #heartbeatDue}. */
    WireRequest.ConsumerGroupHeartbeat heartbeat(long nowMs) {
        if (!heartbeatDue(nowMs)) {
            throw new IllegalStateException(this + ": no heartbeat is due");
        }
        inFlight = true;
        if (state == MemberState.LEAVING) {
            return fields.leave();
        }
        boolean reconciling =
                state == MemberState.RECONCILING || state == MemberState.ACKNOWLEDGING;
        return fields.heartbeat(state == MemberState.JOINING ? 0 : memberEpoch, reconciling, owned);
    }

    /** Takes the outcome of the heartbeat {@code sent}. */
    void onHeartbeat(
            WireRequest.ConsumerGroupHeartbeat sent, Outcome<HeartbeatResult> o, long nowMs) {
        inFlight = false;
        if (state.terminal()) {
            return;
        }
        if (!o.succeeded()) {
            lostAnswer(o.failure(), nowMs);
            return;
        }
        HeartbeatResult r = o.response();
        WireError e = r.error();
        if (!e.isNone()) {
            onError(e, nowMs);
            return;
        }
        failures = 0;
        fields.answered();
        heartbeatIntervalMs = Math.max(0, r.heartbeatIntervalMs());
        nextHeartbeatMs = nowMs + heartbeatIntervalMs;
        if (fields.topicsChanged()) {
            nextHeartbeatMs = nowMs; // the subscription changed while this one was in flight
        }
        if (sent.memberEpoch() == -1) {
            memberEpoch = -1;
            LOG.info("{}: left the group", this);
            finish(MemberState.LEFT);
            return;
        }
        joinedOnce = true;
        memberEpoch = r.memberEpoch();
        if (state == MemberState.LEAVING) {
            nextHeartbeatMs = nowMs; // a heartbeat sent before leave() was answered: leave now
            return;
        }
        if (r.assignment() != null || state == MemberState.JOINING) {
            target = r.assignment() != null ? r.assignment() : Map.of();
            if (state != MemberState.PREPARE_LEAVING) {
                reconcile(nowMs);
            }
        } else if (state == MemberState.ACKNOWLEDGING && fields.received(owned)) {
            transition(unresolved.isEmpty() ? MemberState.STABLE : MemberState.RECONCILING);
        }
        if (state == MemberState.ACKNOWLEDGING && !fields.received(owned)) {
            nextHeartbeatMs = nowMs; // report what changed while this heartbeat was in flight
        }
    }

    // ---- internals -----------------------------------------------------------------------------

    private void onError(WireError e, long nowMs) {
        String name = e.name();
        if (name.equals("FENCED_MEMBER_EPOCH") || name.equals("UNKNOWN_MEMBER_ID")) {
            fenced(e, nowMs);
        } else if (e.isCoordinatorError()) {
            needsCoordinator = true;
            fields.resendAll();
            backOff(nowMs, e.toString());
        } else if (MembershipFailure.isFatal(e)) {
            fail(
                    MembershipFailure.codeOf(e),
                    name,
                    "the coordinator refused the heartbeat: " + e.message());
        } else {
            fields.resendAll();
            backOff(nowMs, e.toString());
        }
    }

    private void lostAnswer(WireFailure f, long nowMs) {
        if (state == MemberState.LEAVING && nowMs >= leaveDeadlineMs) {
            LOG.warn(
                    "{}: the leave heartbeat got no answer ({}); the coordinator removes the"
                            + " member after the session timeout",
                    this,
                    f);
            finish(MemberState.LEFT);
            return;
        }
        if (f.kind() == WireFailure.Kind.AUTHENTICATION
                || f.kind() == WireFailure.Kind.UNSUPPORTED_VERSION) {
            fail(
                    f.kind() == WireFailure.Kind.AUTHENTICATION
                            ? MembershipFailure.Code.AUTHENTICATION
                            : MembershipFailure.Code.UNSUPPORTED_VERSION,
                    null,
                    "the heartbeat failed: " + f.message());
            return;
        }
        // The heartbeat may or may not have been applied: resend every field, same epoch.
        needsCoordinator = true;
        fields.resendAll();
        fields.forgetReceived();
        backOff(nowMs, "no answer: " + f);
    }

    private void fenced(WireError e, long nowMs) {
        Set<TopicPartition> lostNow = names(owned);
        LOG.warn(
                "{}: fenced ({}); dropping {} partitions without committing, rejoining with"
                        + " the same member id",
                this,
                e.name(),
                lostNow.size());
        owned.clear();
        revoking = Set.of();
        revocationId++; // a late done() of the cancelled revocation is ignored
        unresolved.clear();
        target = null;
        fields.forgetReceived();
        publishOwned();
        boolean rejoinRefused = state == MemberState.JOINING;
        memberEpoch = 0;
        fields.resendAll();
        boolean leaving = state == MemberState.PREPARE_LEAVING || state == MemberState.LEAVING;
        transition(MemberState.FENCED);
        if (!lostNow.isEmpty()) {
            listener.lost(lostNow);
        }
        if (leaving) {
            finish(MemberState.LEFT); // fenced while leaving: not a member any more
            return;
        }
        transition(MemberState.JOINING);
        if (rejoinRefused) {
            backOff(nowMs, "fenced while joining: " + e.name()); // no hot loop of refused joins
        } else {
            failures = 0;
            nextHeartbeatMs = nowMs;
        }
    }

    private void reconcile(long nowMs) {
        if (!revoking.isEmpty()) {
            return; // reconciled again once the revocation is done
        }
        unresolved.clear();
        Set<TopicIdPartition> wanted = new LinkedHashSet<>();
        for (Map.Entry<Uuid, Set<Integer>> t : target.entrySet()) {
            String name = topicNames.apply(t.getKey());
            if (name == null) {
                unresolved.add(t.getKey());
                continue;
            }
            for (int p : t.getValue()) {
                wanted.add(new TopicIdPartition(t.getKey(), p, name));
            }
        }
        Set<TopicIdPartition> revoke = new LinkedHashSet<>();
        for (TopicIdPartition p : owned) {
            boolean stillTarget =
                    wanted.contains(p)
                            || (unresolved.contains(p.topicId())
                                    && target.get(p.topicId()).contains(p.partition()));
            if (!stillTarget) {
                revoke.add(p);
            }
        }
        if (!unresolved.isEmpty() && !loggedUnresolved.containsAll(unresolved)) {
            loggedUnresolved.addAll(unresolved);
            LOG.info(
                    "{}: the assignment names topic ids not known yet {}; keeping them pending"
                            + " and refreshing metadata",
                    this,
                    unresolved);
        }
        if (!revoke.isEmpty()) {
            revoking = Collections.unmodifiableSet(revoke);
            int id = startRevocation(nowMs);
            transition(MemberState.RECONCILING);
            Set<TopicPartition> names = names(revoke);
            LOG.info("{}: revoking {}", this, names);
            listener.revoked(names, new RevocationHandle(id, settings.revokeGraceMs()));
            return;
        }
        Set<TopicIdPartition> add = new LinkedHashSet<>(wanted);
        add.removeAll(owned);
        if (!add.isEmpty()) {
            owned.addAll(add);
            publishOwned();
            Set<TopicPartition> names = names(add);
            LOG.info("{}: assigned {}", this, names);
            listener.assigned(names);
        }
        if (!fields.received(owned)) {
            transition(MemberState.ACKNOWLEDGING);
            nextHeartbeatMs = nowMs;
        } else {
            transition(unresolved.isEmpty() ? MemberState.STABLE : MemberState.RECONCILING);
        }
    }

    private int startRevocation(long nowMs) {
        revocationStartMs = nowMs;
        revocationWarned = false;
        return ++revocationId;
    }

    private void revocationDone(long nowMs) {
        owned.removeAll(revoking);
        LOG.info("{}: revoked {}", this, names(revoking));
        revoking = Set.of();
        publishOwned();
        if (state == MemberState.PREPARE_LEAVING) {
            prepareLeaving(nowMs);
        } else {
            reconcile(nowMs);
        }
    }

    private void prepareLeaving(long nowMs) {
        if (!revoking.isEmpty()) {
            return; // the revocation in progress ends first, then the rest
        }
        if (!owned.isEmpty()) {
            revoking = Collections.unmodifiableSet(new LinkedHashSet<>(owned));
            int id = startRevocation(nowMs);
            listener.revoked(names(revoking), new RevocationHandle(id, settings.revokeGraceMs()));
            return;
        }
        transition(MemberState.LEAVING);
        nextHeartbeatMs = nowMs;
    }

    private void backOff(long nowMs, String why) {
        failures++;
        long ms = settings.retryBackoffMs() << Math.min(failures - 1, 20);
        ms = Math.min(ms, settings.retryBackoffMaxMs());
        nextHeartbeatMs = nowMs + ms;
        LOG.info("{}: heartbeat failed ({}); retrying in {} ms", this, why, ms);
    }

    private void fail(MembershipFailure.Code code, String kafkaError, String message) {
        failure = new MembershipFailure(code, kafkaError, "group " + groupId + ": " + message);
        LOG.error("{}: {}; the member stops", this, failure);
        Set<TopicPartition> lostNow = names(owned);
        owned.clear();
        revoking = Set.of();
        revocationId++;
        publishOwned();
        if (!lostNow.isEmpty()) {
            listener.lost(lostNow);
        }
        listener.failed(failure);
        finish(MemberState.FATAL);
    }

    private void finish(MemberState end) {
        transition(end);
        terminated.complete(end);
    }

    private void transition(MemberState to) {
        if (state != to) {
            LOG.debug("{}: {} -> {}", this, state, to);
            state = to;
        }
    }

    private void publishOwned() {
        ownedView = Collections.unmodifiableSet(names(owned));
    }

    private static Set<TopicPartition> names(Set<TopicIdPartition> ps) {
        Set<TopicPartition> out = new LinkedHashSet<>();
        for (TopicIdPartition p : ps) {
            out.add(p.topicPartition());
        }
        return out;
    }

    /** A revocation's handle: its done() is the one cross-thread input (see the design notes). */
    private final class RevocationHandle implements MembershipListener.Revocation {
        private final int id;
        private final long graceMs;

        RevocationHandle(int id, long graceMs) {
            this.id = id;
            this.graceMs = graceMs;
        }

        @Override
        public long graceMs() {
            return graceMs;
        }

        @Override
        public void done() {
            // Ids only grow, so max keeps the newest; the loop compares it to its revocationId.
            revocationDone.accumulateAndGet(id, Math::max);
            wakeup.run();
        }
    }
}
