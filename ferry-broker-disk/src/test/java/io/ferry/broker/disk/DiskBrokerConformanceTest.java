package io.ferry.broker.disk;

import io.ferry.broker.Broker;
import io.ferry.brokertest.BrokerConformanceSuite;
import io.ferry.brokertest.BrokerSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** Runs the conformance suite against {@link DiskBroker}, with fsync on and small segments. */
class DiskBrokerConformanceTest extends BrokerConformanceSuite {
    @TempDir Path tmp;
    private final Map<Broker, Path> dirs = new IdentityHashMap<>();

    @Override
    protected Broker createBroker(BrokerSpec spec) {
        try {
            Path dir = Files.createTempDirectory(tmp, "broker");
            return remember(DiskBroker.create(spec.eventer(), settings(dir, spec)), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Broker restart(Broker closed, BrokerSpec spec) {
        Path dir = dirs.get(closed);
        return remember(DiskBroker.create(spec.eventer(), settings(dir, spec)), dir);
    }

    @Override
    protected int stressEventsPerProducer() {
        // Each event may need its own fsync when the random capacity is tiny.
        return 10_000;
    }

    private Broker remember(Broker b, Path dir) {
        dirs.put(b, dir);
        return b;
    }

    private static DiskBrokerSettings settings(Path dir, BrokerSpec spec) {
        return DiskBrokerSettings.defaults(dir)
                .withCapacityEvents(spec.capacityEvents())
                .withCapacityBytes(
                        spec.hasByteLimit()
                                ? spec.capacityBytes()
                                : DiskBrokerSettings.DEFAULT_CAPACITY_BYTES)
                .withSegmentBytes(256 << 10)
                .withFlush(spec.flushMinEvents(), spec.flushTimeout());
    }
}
