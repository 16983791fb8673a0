package io.ferry.kafka.wire;

import org.apache.kafka.common.Node;

/**
 * One group's coordinator as FindCoordinator named it; immutable.
 *
 * @param group the group id
 * @param node the coordinator, or null with an error
 * @param error {@link WireError#NONE}, or why there is no coordinator now
 */
public record Coordinator(String group, Node node, WireError error) {}
