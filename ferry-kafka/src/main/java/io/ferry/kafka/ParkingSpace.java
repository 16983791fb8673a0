package io.ferry.kafka;

import io.ferry.broker.Broker;
import io.ferry.broker.BrokerConfig;
import io.ferry.broker.Brokers;
import io.ferry.broker.Eventer;
import io.ferry.broker.ProducerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the Kafka output parks the events of a partition that cannot be written now, so that the
 * rest of its broker keeps flowing (docs/kafka-engine.md, "Parking"): one broker per parked
 * partition, of the same kind as the main one. A memory broker parks in memory; a disk broker parks
 * on disk, in {@code <path>-parked/<topic>-<partition>}, so what was parked survives a crash and is
 * found again at the next start.
 *
 * <p>Every method is called by the output, one call at a time per partition.
 */
public interface ParkingSpace {

    /** Opens (or creates) the parking broker of {@code tp}. */
    Broker open(TopicPartition tp);

    /** The partitions that have a parking broker left from an earlier run (durable spaces). */
    List<TopicPartition> existing();

    /** Removes what {@code tp}'s closed, empty parking broker left behind (its directory). */
    void discard(TopicPartition tp);

    /**
     * Told of a parked event a memory parking broker still held when it closed (the sequence is the
     * event's sequence in the main broker, or -1): the owner dead-letters it, as it does the main
     * broker's.
     */
    ProducerConfig.DropListener dropped();

    /**
     * A space like {@code main}: parking brokers of its type and settings (a disk broker's path
     * becomes {@code <path>-parked/<topic>-<partition>}).
     *
     * @param dropped told of memory-parked events left at close; null: they are only logged
     */
    static ParkingSpace like(BrokerConfig main, ProducerConfig.DropListener dropped) {
        return new Like(main, dropped);
    }

    /** The space {@link #like} builds. */
    final class Like implements ParkingSpace {
        private final BrokerConfig main;
        private final Path root;
        private final ProducerConfig.DropListener dropped;

        Like(BrokerConfig main, ProducerConfig.DropListener dropped) {
            this.main = main;
            Object path = main.settings().get("path");
            this.root =
                    path == null
                            ? null
                            : Path.of(path.toString())
                                    .toAbsolutePath()
                                    .normalize()
                                    .resolveSibling(
                                            Path.of(path.toString()).getFileName() + "-parked");
            this.dropped =
                    dropped != null
                            ? dropped
                            : (e, seq) ->
                                    org.slf4j.LoggerFactory.getLogger(ParkingSpace.class)
                                            .error(
                                                    "a parked event for topic {} was not delivered"
                                                            + " before the shutdown",
                                                    e.topic());
        }

        /** The directory of {@code tp}'s parking broker, or null in memory. */
        Path directory(TopicPartition tp) {
            return root == null ? null : root.resolve(tp.topic() + "-" + tp.partition());
        }

        @Override
        public Broker open(TopicPartition tp) {
            Map<String, Object> settings = new LinkedHashMap<>(main.settings());
            Path dir = directory(tp);
            if (dir != null) {
                settings.put("path", dir.toString());
            }
            return Brokers.load(Eventer.NONE, BrokerConfig.of(main.type(), settings));
        }

        @Override
        public List<TopicPartition> existing() {
            List<TopicPartition> out = new ArrayList<>();
            if (root == null || !Files.isDirectory(root)) {
                return out;
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path d : dirs) {
                    String name = d.getFileName().toString();
                    int dash = name.lastIndexOf('-');
                    if (!Files.isDirectory(d) || dash <= 0) {
                        continue;
                    }
                    try {
                        out.add(
                                new TopicPartition(
                                        name.substring(0, dash),
                                        Integer.parseInt(name.substring(dash + 1))));
                    } catch (NumberFormatException e) {
                        // not one of ours
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list parked partitions in " + root, e);
            }
            return out;
        }

        @Override
        public void discard(TopicPartition tp) {
            Path dir = directory(tp);
            if (dir == null || !Files.exists(dir)) {
                return;
            }
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(ParkingSpace.class)
                        .warn(
                                "cannot remove the empty parking directory {}: {}",
                                dir,
                                e.toString());
            }
        }

        @Override
        public ProducerConfig.DropListener dropped() {
            return dropped;
        }
    }
}
