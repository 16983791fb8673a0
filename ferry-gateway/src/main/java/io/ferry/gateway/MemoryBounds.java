package io.ferry.gateway;

import io.ferry.broker.BrokerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory bounds the gateway derives from the JVM's max heap when the configuration sets none;
 * stateless, any thread.
 *
 * <ul>
 *   <li>memory brokers without {@code bytes} share a quarter of the max heap, split evenly;
 *   <li>request bodies being read or handled at once: an eighth of the max heap, at least one
 *       {@code gateway.max-body-bytes}.
 * </ul>
 *
 * Together with the decoding of bodies (a JSON batch costs a few times its size while it is parsed)
 * this keeps a full broker and a full set of bodies well inside the heap.
 */
final class MemoryBounds {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryBounds.class);

    /** The share of the max heap that memory brokers without a byte bound get, in all. */
    static final int BROKER_HEAP_DIVISOR = 4;

    /** The share of the max heap that request bodies in progress may take. */
    static final int BODY_HEAP_DIVISOR = 8;

    private MemoryBounds() {}

    /** True for a memory broker without a byte bound of its own. */
    static boolean unboundedMemoryBroker(BrokerConfig broker) {
        return broker.type().equals("memory") && !broker.settings().containsKey("bytes");
    }

    /**
     * {@code broker} with {@code bytes} set to its share of the heap when it is a memory broker
     * without one ({@code sharers} such brokers in all); else {@code broker}.
     */
    static BrokerConfig withHeapBound(BrokerConfig broker, long maxHeapBytes, int sharers) {
        if (!unboundedMemoryBroker(broker)) {
            return broker;
        }
        Map<String, Object> settings = new LinkedHashMap<>(broker.settings());
        settings.put("bytes", brokerBytes(maxHeapBytes, sharers));
        return BrokerConfig.of(broker.type(), settings);
    }

    /** One memory broker's default byte bound: a quarter of the heap over {@code sharers}. */
    static long brokerBytes(long maxHeapBytes, int sharers) {
        return Math.max(1 << 20, maxHeapBytes / BROKER_HEAP_DIVISOR / Math.max(1, sharers));
    }

    /** Warns when a memory broker's byte bound is over half the heap: it cannot fill safely. */
    static void warnIfOverHeap(String cluster, BrokerConfig broker, long maxHeapBytes) {
        if (!broker.type().equals("memory")) {
            return;
        }
        long bytes;
        try {
            bytes =
                    BrokerConfig.of(broker.type(), broker.settings())
                            .getBytes("bytes", 0, 0, Long.MAX_VALUE);
        } catch (IllegalArgumentException e) {
            return; // the broker refuses it, naming it
        }
        if (bytes > maxHeapBytes / 2) {
            LOG.warn(
                    "cluster {}: the memory broker may hold {} bytes, over half the max heap ({}"
                            + " bytes): an OutOfMemoryError is likely before it is full; lower"
                            + " broker.bytes or raise -Xmx",
                    cluster,
                    bytes,
                    maxHeapBytes);
        }
    }

    /** The default of gateway.max-in-flight-body-bytes. */
    static long inFlightBodyBytes(long maxHeapBytes, int maxBodyBytes) {
        return Math.max(maxBodyBytes, maxHeapBytes / BODY_HEAP_DIVISOR);
    }
}
