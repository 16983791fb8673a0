package io.ferry.kafka;

import java.util.List;

/**
 * What a cluster's engine can do now, for readiness checks; immutable.
 *
 * @param state the overall state
 * @param conditions the conditions raised now, oldest first; when {@link State#READY} only
 *     conditions that do not stop delivery as a whole ({@link ClusterCondition.Kind#PARKED}): the
 *     cluster is then {@link #degraded()}
 */
public record ClusterStatus(State state, List<ClusterCondition> conditions) {
    /** The overall states. */
    public enum State {
        /** No metadata has been fetched yet: the engine is still connecting. */
        CONNECTING,
        /** Metadata is fresh and nothing stops delivery. */
        READY,
        /** The cluster cannot be reached now; events wait and are sent when it comes back. */
        UNAVAILABLE,
        /** Kafka refuses this client (credentials, ACLs, versions) until an operator acts. */
        REFUSED
    }

    /** Copies the list. */
    public ClusterStatus {
        conditions = List.copyOf(conditions);
    }

    /** True when {@link State#READY}. */
    public boolean ready() {
        return state == State.READY;
    }

    /** True when {@link State#READY} with a condition that holds some records back. */
    public boolean degraded() {
        return state == State.READY && !conditions.isEmpty();
    }

    /** The first refusing condition, or null: answers waiting for Kafka fail with it. */
    public ClusterCondition refusal() {
        for (ClusterCondition c : conditions) {
            if (c.kind().refuses()) {
                return c;
            }
        }
        return null;
    }

    /** One line for people: the state and why (no exception class names). */
    public String reason() {
        return switch (state) {
            case READY ->
                    conditions.isEmpty() ? "ready" : "degraded: " + conditions.get(0).message();
            case CONNECTING ->
                    conditions.isEmpty()
                            ? "connecting to Kafka"
                            : "connecting to Kafka: " + conditions.get(0).message();
            case UNAVAILABLE, REFUSED ->
                    conditions.isEmpty() ? state.name() : conditions.get(0).message();
        };
    }
}
