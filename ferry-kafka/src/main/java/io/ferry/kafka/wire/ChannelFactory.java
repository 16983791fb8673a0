package io.ferry.kafka.wire;

import org.apache.kafka.common.Node;

/**
 * Opens {@link NodeChannel}s; safe for any thread. Each call opens a channel of its own, so a
 * caller that needs two connections to one node (produce and control, fetch and heartbeat) asks
 * twice.
 */
@FunctionalInterface
public interface ChannelFactory {
    /**
     * Opens (lazily: it connects on the first {@link NodeChannel#ready}) a channel to {@code node}.
     *
     * @param node the node
     * @param purpose what the channel is for, in log lines ({@code produce}, {@code control} ...)
     * @param maxInFlight the most requests in flight on it
     * @return the channel, owned by the caller
     */
    NodeChannel open(Node node, String purpose, int maxInFlight);
}
