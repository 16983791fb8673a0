package io.ferry.kafka.wire;

import java.util.List;
import java.util.Objects;

/**
 * What one broker's ListGroups answered: the groups it coordinates; immutable.
 *
 * @param error the broker's error ({@code COORDINATOR_LOAD_IN_PROGRESS} ...); with one, {@code
 *     groups} may be incomplete
 * @param groups the groups listed
 */
public record ListedGroups(WireError error, List<Group> groups) {
    /** Validates; copies the list. */
    public ListedGroups {
        Objects.requireNonNull(error, "error");
        groups = List.copyOf(groups);
    }

    /**
     * One group as ListGroups names it.
     *
     * @param groupId the group id
     * @param protocolType {@code consumer} for consumer groups (KIP-848 and classic), {@code
     *     connect}, {@code share} ..., or empty for a group that has only offsets
     * @param state the state ({@code Stable}, {@code Empty}, {@code Dead} ...), empty below v4
     * @param type {@code consumer} (KIP-848), {@code classic}, {@code share}, {@code streams};
     *     empty below v5 (a classic group then)
     */
    public record Group(String groupId, String protocolType, String state, String type) {
        /** Validates; null strings become empty. */
        public Group {
            Objects.requireNonNull(groupId, "groupId");
            protocolType = protocolType == null ? "" : protocolType;
            state = state == null ? "" : state;
            type = type == null ? "" : type;
        }
    }
}
