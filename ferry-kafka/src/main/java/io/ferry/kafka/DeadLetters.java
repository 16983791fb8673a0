package io.ferry.kafka;

import io.ferry.broker.Event;
import io.ferry.deadletter.DeadLetterRecord;
import io.ferry.deadletter.LocalDeadLetter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead letter of one cluster: a Kafka topic of that cluster when one is named (written by the
 * engine), and a local directory ({@link LocalDeadLetter}) for the rest and as the topic's
 * fallback; thread-safe, called from engine threads. The directory is opened on first use, so a
 * gateway whose records all arrive never creates it.
 */
public final class DeadLetters implements DeadLetterSink, AutoCloseable {
    /* Design notes
     * store() is the local directory's synchronous, fsynced append: true once durable. A full
     * directory (maxBytes) or an I/O error answers false: the engine keeps the event in its
     * broker batch and offers it again each second, so nothing is dropped and the spool fills.
     * A record that can never fit (larger than maxBytes) is the one exception: it is logged with
     * what it was and counted (tooLarge), since keeping it would pin the broker for ever.
     * The topic: ProduceEngine writes the dead-letter record to it through its own router and
     * falls back to store() when Kafka refuses it for good (DeadLetterSink.topic()).
     */
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final long LOG_EVERY_MS = 60_000;

    private final String cluster;
    private final Path directory;
    private final long maxBytes;
    private final String topic;
    private final LongSupplier clockMs;
    private final Object openLock = new Object();
    private volatile LocalDeadLetter local; // opened on first use, under openLock
    private final Map<String, AtomicLong> lastLoggedMs = new ConcurrentHashMap<>();
    private final AtomicLong tooLarge = new AtomicLong();

    private DeadLetters(
            String cluster, Path directory, long maxBytes, String topic, LongSupplier clockMs) {
        this.cluster = cluster;
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.topic = topic;
        this.clockMs = clockMs;
    }

    /**
     * A dead letter for {@code cluster}.
     *
     * @param directory the local directory (created on first use)
     * @param maxBytes its bound; when reached, failed events wait in their broker
     * @param topic a topic of the cluster to write to first, or null for the directory only
     */
    public static DeadLetters of(String cluster, Path directory, long maxBytes, String topic) {
        return new DeadLetters(cluster, directory, maxBytes, topic, System::currentTimeMillis);
    }

    @Override
    public String topic() {
        return topic;
    }

    /** The local directory. */
    public Path directory() {
        return directory;
    }

    /** The record the dead letter keeps for {@code event}. */
    DeadLetterRecord record(Event event, int partition, DeliveryFailure failure, int attempts) {
        return DeadLetterRecord.forProduce(
                event,
                cluster,
                partition,
                failure.code().name(),
                failure.kafkaError(),
                failure.message(),
                clockMs.getAsLong(),
                attempts);
    }

    @Override
    public boolean store(Event event, int partition, DeliveryFailure failure, int attempts) {
        return storeRecord(record(event, partition, failure, attempts));
    }

    /**
     * Stores {@code event}, which never reached the engine's routing (the broker dropped it, e.g.
     * at shutdown), in the local directory; true once durable.
     */
    public boolean storeLocally(Event event, DeliveryFailure failure) {
        return storeRecord(record(event, DeadLetterRecord.UNKNOWN, failure, 0));
    }

    /** Appends {@code r} to the local directory; true once durable. */
    boolean storeRecord(DeadLetterRecord r) {
        long id;
        try {
            id = local().append(r);
        } catch (IOException | RuntimeException e) {
            logLimited(
                    "io",
                    "cluster {}: cannot write the dead letter in {} ({}); the failed events stay in"
                            + " the broker and are offered again",
                    cluster,
                    directory,
                    e.toString());
            return false;
        }
        if (id == LocalDeadLetter.FULL) {
            logLimited(
                    "full",
                    "cluster {}: the dead letter in {} is full (max-bytes {}); the failed events"
                            + " stay in the broker until it has room (ferry dead-letter list|replay)",
                    cluster,
                    directory,
                    maxBytes);
            return false;
        }
        if (id == LocalDeadLetter.TOO_LARGE) {
            tooLarge.incrementAndGet();
            LOG.error(
                    "cluster {}: a record for topic {} ({} bytes) failed for good ({}: {}) and is"
                            + " larger than the whole dead letter (max-bytes {}): it is dropped",
                    cluster,
                    r.topic(),
                    r.eventSizeBytes(),
                    r.code(),
                    r.message(),
                    maxBytes);
            return true;
        }
        return true;
    }

    /** Records dropped because they are larger than the whole dead letter. */
    public long tooLarge() {
        return tooLarge.get();
    }

    /**
     * The local directory's store, opened now if it was not (the consume engine's dead letter
     * writes there too).
     *
     * @throws IOException when it cannot be opened
     */
    public LocalDeadLetter localStore() throws IOException {
        return local();
    }

    private LocalDeadLetter local() throws IOException {
        LocalDeadLetter l = local;
        if (l != null) {
            return l;
        }
        synchronized (openLock) {
            if (local == null) {
                local = LocalDeadLetter.open(directory, maxBytes);
                LOG.info("cluster {}: dead letter opened in {}", cluster, directory);
            }
            return local;
        }
    }

    private void logLimited(String key, String format, Object... args) {
        long now = clockMs.getAsLong();
        AtomicLong last =
                lastLoggedMs.computeIfAbsent(key, k -> new AtomicLong(Long.MIN_VALUE / 2));
        long prev = last.get();
        if (now - prev >= LOG_EVERY_MS && last.compareAndSet(prev, now)) {
            LOG.warn(format, args);
        }
    }

    @Override
    public void close() {
        synchronized (openLock) {
            if (local != null) {
                try {
                    local.close();
                } catch (IOException e) {
                    LOG.warn("cluster {}: closing the dead letter: {}", cluster, e.toString());
                }
                local = null;
            }
        }
    }
}
