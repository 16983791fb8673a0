package io.ferry.broker.disk;

import io.ferry.broker.Event;
import io.ferry.broker.Eventer;
import io.ferry.broker.Producer;
import io.ferry.broker.ProducerConfig;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link CrashRecoveryTest}: {@code CrashChild <dir> <seed> <round> [hold]}. Opens
 * a disk broker on {@code dir}, then producers publish with acks and a consumer takes and acks
 * batches until the parent kills the process. Prints, flushed, one line per fact: {@code READY},
 * {@code P <producer> <seq> ;} (acked up to seq), {@code H <producer> <seq> <sequence> ;} (handed
 * out, with the broker's sequence of the event, {@code Batch.sequence}), {@code C <producer> <seq>
 * ;} (its consumer ack is persisted). The closing {@code ;} tells a complete line from one the kill
 * cut short. With {@code hold} it only opens the broker, prints READY and waits to be killed.
 */
public final class CrashChild {
    static final int PRODUCERS = 3;
    static final String TOPIC = "crash";

    private CrashChild() {}

    /** The event {@code seq} of producer {@code producer}: key = ids, value derived from them. */
    static Event event(int producer, int seq) {
        byte[] key = ByteBuffer.allocate(8).putInt(producer).putInt(seq).array();
        return Event.of(TOPIC, key, value(producer, seq));
    }

    static byte[] value(int producer, int seq) {
        Random r = new Random(((long) producer << 32) ^ seq);
        byte[] v = new byte[8 + r.nextInt(400)];
        r.nextBytes(v);
        return v;
    }

    static int producerOf(Event e) {
        return ByteBuffer.wrap(e.key()).getInt(0);
    }

    static int seqOf(Event e) {
        return ByteBuffer.wrap(e.key()).getInt(4);
    }

    static DiskBrokerSettings settings(Path dir) {
        return DiskBrokerSettings.defaults(dir)
                .withCapacityBytes(4L << 20)
                .withSegmentBytes(128 << 10)
                .withCheckpointInterval(Duration.ZERO);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int round = Integer.parseInt(args[2]);
        PrintStream out =
                new PrintStream(
                        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                        false);
        DiskBroker broker = DiskBroker.create(Eventer.NONE, settings(dir));
        synchronized (out) {
            out.println("READY " + broker.recoveryReport());
            out.flush();
        }
        if (args.length > 3 && args[3].equals("hold")) {
            Thread.sleep(Long.MAX_VALUE); // killed by the parent
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            int pid = round * 10 + i;
            int[] acked = {0};
            Producer p =
                    broker.producer(
                            ProducerConfig.withAcks(
                                    n -> {
                                        acked[0] += n;
                                        synchronized (out) {
                                            out.println("P " + pid + " " + (acked[0] - 1) + " ;");
                                            out.flush();
                                        }
                                    }));
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    for (int seq = 0; ; seq++) {
                                        if (!p.publish(event(pid, seq))) {
                                            return;
                                        }
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "producer-" + pid);
            threads.add(t);
        }
        Random rnd = new Random(seed + round);
        Thread consumer = new Thread(() -> consume(broker, out, rnd), "consumer");
        threads.add(consumer);
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void consume(DiskBroker broker, PrintStream out, Random rnd) {
        io.ferry.broker.Consumer c = broker.consumer();
        List<DiskBatch> held = new ArrayList<>();
        List<Acked> acked = new ArrayList<>();
        try {
            for (; ; ) {
                DiskBatch b = (DiskBatch) c.get(1 + rnd.nextInt(64));
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < b.size(); k++) {
                    Event e = b.events().get(k);
                    sb.append("H ")
                            .append(producerOf(e))
                            .append(' ')
                            .append(seqOf(e))
                            .append(' ')
                            .append(b.sequence(k))
                            .append(" ;\n");
                }
                synchronized (out) {
                    out.print(sb);
                    out.flush();
                }
                held.add(b);
                while (held.size() > rnd.nextInt(4)) {
                    DiskBatch a = held.remove(rnd.nextInt(held.size()));
                    List<Event> events = List.copyOf(a.events());
                    a.ack();
                    acked.add(new Acked(a.endSeq, events));
                }
                long persisted = broker.diskStats().checkpointSeq();
                StringBuilder done = new StringBuilder();
                acked.removeIf(
                        a -> {
                            if (a.endSeq() > persisted) {
                                return false;
                            }
                            for (Event e : a.events()) {
                                done.append("C ")
                                        .append(producerOf(e))
                                        .append(' ')
                                        .append(seqOf(e))
                                        .append(" ;\n");
                            }
                            return true;
                        });
                if (done.length() > 0) {
                    synchronized (out) {
                        out.print(done);
                        out.flush();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A batch whose ack is not yet known to be persisted. */
    private record Acked(long endSeq, List<Event> events) {}
}
