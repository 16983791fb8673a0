package io.ferry.bench.disk;

import io.ferry.broker.Batch;
import io.ferry.broker.Broker;
import io.ferry.broker.BrokerClosedException;
import io.ferry.broker.Consumer;
import io.ferry.broker.Event;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import io.ferry.broker.disk.DiskBroker;
import io.ferry.broker.disk.DiskBrokerSettings;
import io.ferry.broker.memory.MemoryBroker;
import io.ferry.broker.memory.MemoryBrokerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A broker under load for one benchmark trial: producer threads publishing pre-built events with
 * ack listeners, one consumer thread taking and acking batches; or, for {@link #FILE_CHANNEL}, the
 * calling thread writing the same bytes with a plain {@code FileChannel}. Driven by the JMH thread
 * ({@link #runBurst}); its own threads are started and stopped with the rig.
 */
final class DiskBenchRig {
    static final String DISK = "disk";
    static final String MEMORY = "memory";
    static final String FILE_CHANNEL = "filechannel";

    /** Key bytes of each event; the value makes up the rest of the event bytes. */
    static final int KEY_BYTES = 16;

    /**
     * The bytes a DiskBroker frame adds around key and value for topic "bench" (header 24, fields
     * 33, topic 5).
     */
    static final int FRAME_OVERHEAD_BYTES = 24 + 4 + 5 + 4 + 8 + 4 + 4 + 4;

    private static final int EVENTS = 4096;

    private final String impl;
    private final int producers;
    private final Event[] events;
    private final int frameBytes;
    private final Path dir;
    private final Broker broker;
    private final Producer[] handles;
    private final ExecutorService pool;
    private final Thread consumerThread;
    private final AtomicLong acked = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private final FileChannel channel;
    private final ByteBuffer frame;
    private final ByteBuffer buffer;
    private long published;

    DiskBenchRig(String impl, int producers, int eventBytes) throws IOException {
        this.impl = impl;
        this.producers = producers;
        this.events = new Event[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            byte[] key = new byte[KEY_BYTES];
            key[0] = (byte) i;
            key[1] = (byte) (i >> 8);
            byte[] value = new byte[eventBytes - KEY_BYTES];
            for (int b = 0; b < value.length; b++) {
                value[b] = (byte) ('a' + (i + b) % 26);
            }
            events[i] = Event.of("bench", key, value);
        }
        this.frameBytes = FRAME_OVERHEAD_BYTES + eventBytes;
        this.dir = Files.createTempDirectory("ferry-disk-bench");
        switch (impl) {
            case DISK ->
                    broker =
                            DiskBroker.create(
                                    DiskBrokerSettings.defaults(dir).withCapacityBytes(256L << 20));
            case MEMORY ->
                    broker =
                            MemoryBroker.create(
                                    MemoryBrokerSettings.defaults().withCapacityEvents(65_536));
            case FILE_CHANNEL -> broker = null;
            default ->
                    throw new IllegalArgumentException(
                            "impl " + impl + "; expected disk, memory or filechannel");
        }
        if (broker != null) {
            handles = new Producer[producers];
            for (int i = 0; i < producers; i++) {
                handles[i] = broker.producer(ProducerConfig.withAcks(this::onAck));
            }
            pool = Executors.newFixedThreadPool(producers, r -> new Thread(r, "bench-producer"));
            Consumer c = broker.consumer();
            consumerThread = new Thread(() -> consume(c), "bench-consumer");
            consumerThread.start();
            channel = null;
            frame = null;
            buffer = null;
        } else {
            handles = null;
            pool = null;
            consumerThread = null;
            channel =
                    FileChannel.open(
                            dir.resolve("plain.dat"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
            frame = ByteBuffer.allocateDirect(frameBytes);
            for (int i = 0; i < frameBytes; i++) {
                frame.put(i, (byte) i);
            }
            buffer = ByteBuffer.allocateDirect(4 << 20);
        }
    }

    /** Bytes per event as the DiskBroker writes it (the filechannel baseline writes as many). */
    int frameBytes() {
        return frameBytes;
    }

    private void onAck(int n) {
        if (acked.addAndGet(n) >= target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private static void consume(Consumer c) {
        try {
            for (; ; ) {
                Batch b = c.get(4096);
                b.ack();
            }
        } catch (BrokerClosedException e) {
            // the rig closed the broker
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Publishes {@code perProducer} events from each producer and returns once every one is acked
     * (for the DiskBroker: forced to disk); for the baseline writes and forces as many bytes.
     */
    long runBurst(int perProducer) throws Exception {
        long total = (long) perProducer * producers;
        if (broker == null) {
            return writePlain(total);
        }
        long goal = published + total;
        waiter = Thread.currentThread();
        target = goal;
        Future<?>[] running = new Future<?>[producers];
        for (int p = 0; p < producers; p++) {
            Producer producer = handles[p];
            int offset = p * 997;
            running[p] =
                    pool.submit(
                            () -> {
                                for (int i = 0; i < perProducer; i++) {
                                    if (!producer.publish(events[(offset + i) & (EVENTS - 1)])) {
                                        throw new IllegalStateException("publish refused");
                                    }
                                }
                                return null;
                            });
        }
        for (Future<?> f : running) {
            f.get();
        }
        while (acked.get() < goal) {
            LockSupport.parkNanos(this, 1_000_000L);
        }
        published = goal;
        return goal;
    }

    /**
     * The physical limit: the burst's bytes appended sequentially through a 4 MiB buffer (one write
     * per full buffer) and forced once at the end, as {@code dd bs=4M conv=fdatasync} does.
     */
    private long writePlain(long events) throws IOException {
        for (long i = 0; i < events; i++) {
            if (buffer.remaining() < frameBytes) {
                writeBuffer();
            }
            buffer.put(frame.duplicate());
        }
        writeBuffer();
        channel.force(false);
        published += events;
        if (channel.position() > (4L << 30)) {
            channel.truncate(0);
            channel.position(0);
        }
        return published;
    }

    private void writeBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Stops the threads, closes the broker or file, deletes the directory. */
    void close() throws Exception {
        try {
            if (broker != null) {
                pool.shutdownNow();
                broker.close();
                consumerThread.join();
            } else {
                channel.close();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(
                                p -> {
                                    try {
                                        Files.deleteIfExists(p);
                                    } catch (IOException e) {
                                        throw new UncheckedIOException(e);
                                    }
                                });
            }
        }
    }

    @Override
    public String toString() {
        return "DiskBenchRig{"
                + impl
                + ", producers="
                + producers
                + ", frame="
                + frameBytes
                + " bytes}";
    }
}
