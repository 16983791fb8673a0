package io.ferry.gateway;

import static io.ferry.gateway.PixyClient.ack;
import static io.ferry.gateway.PixyClient.noAck;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import pixyclient.ConsRs;
import pixyclient.ConsumerGroups;
import pixyclient.ConsumerPartitions;
import pixyclient.ListConsumersRq;
import pixyclient.PartitionOffset;

/**
 * Issue 14's key kafka-pixy test: kafka-pixy clients consume and acknowledge in a loop across TWO
 * gateway instances of one group while the group rebalances twice (a second instance joins mid-way,
 * then the first shuts down): every message is acknowledged at least once and none twice. Real
 * Kafka, two real gateways, grpc-java's own stubs.
 */
@KafkaTest(combined = true)
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PixyClientHandoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(PixyClientHandoverIT.class);
    private static final String TOPIC = "handover";
    private static final String GROUP = "handover-g";
    private static final int PARTITIONS = 6;
    private static final int MESSAGES = 3_000;
    private static final int CLIENTS_PER_INSTANCE = 2;

    /**
     * What the clients saw, over every instance: acknowledgements answered OK by (partition,
     * offset), receipts, and any status the flow does not expect.
     */
    private static final class Tally {
        final Map<String, AtomicInteger> ackedOk = new ConcurrentHashMap<>();
        final Map<String, Set<Integer>> ackedPartitions = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> ackedAt = new ConcurrentHashMap<>();
        final AtomicLong received = new AtomicLong();
        final AtomicLong ackRefused = new AtomicLong();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        /** "partition@offset". */
        static String key(int partition, long offset) {
            return partition + "@" + offset;
        }

        void acked(String instance, int partition, long offset) {
            ackedOk.computeIfAbsent(key(partition, offset), k -> new AtomicInteger())
                    .incrementAndGet();
            ackedAt.computeIfAbsent(instance, k -> new AtomicLong()).incrementAndGet();
            ackedPartitions
                    .computeIfAbsent(instance, k -> ConcurrentHashMap.newKeySet())
                    .add(partition);
        }
    }

    /**
     * One kafka-pixy client bound to one instance (acknowledgements are local to it): ConsumeNAck
     * with no_ack, then an Ack RPC for the message, whose status says whether this ack settled it.
     * Runs until told to stop, or until its instance is gone; takes a permit from {@code permits}
     * before each message (the test paces the first instance with them).
     */
    private static void consumeLoop(
            String instance, PixyClient at, Tally tally, Semaphore permits, AtomicBoolean stop)
            throws InterruptedException {
        while (!stop.get()) {
            if (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            ConsRs m;
            try {
                m = at.pixy().consumeNAck(noAck("", TOPIC, GROUP));
            } catch (StatusRuntimeException e) {
                Status.Code c = e.getStatus().getCode();
                permits.release(); // nothing consumed
                if (c == Status.Code.NOT_FOUND) {
                    continue; // the long-poll timeout: call again
                }
                if (c == Status.Code.UNAVAILABLE && at.gateway.shuttingDown()) {
                    return; // its instance shuts down
                }
                tally.unexpected.add(instance + " ConsumeNAck " + e.getStatus());
                continue;
            }
            tally.received.incrementAndGet();
            try {
                at.pixy().ack(ack("", TOPIC, GROUP, m.getPartition(), m.getOffset()));
                tally.acked(instance, m.getPartition(), m.getOffset());
            } catch (StatusRuntimeException e) {
                Status.Code c = e.getStatus().getCode();
                if (c == Status.Code.FAILED_PRECONDITION) {
                    // the partition moved to the other instance meanwhile: it offers it again
                    tally.ackRefused.incrementAndGet();
                } else if (c == Status.Code.UNAVAILABLE && at.gateway.shuttingDown()) {
                    return;
                } else {
                    tally.unexpected.add(instance + " Ack " + e.getStatus());
                }
            }
        }
    }

    private static int owned(PixyClient c) {
        ConsumeCluster.Group g = c.cluster(null).group(GROUP);
        return g == null ? 0 : g.consumer.owned().size();
    }

    @Test
    void consumeAndAckAcrossTwoInstances_withTwoRebalances_everyMessageAckedOnce(
            InProcessKafka kafka, @TempDir Path dir) throws Exception {
        kafka.createTopic(TOPIC, PARTITIONS);
        List<RecordMetadata> produced = PixyClient.produce(kafka, TOPIC, "h", MESSAGES);
        Set<String> expected = new HashSet<>();
        for (RecordMetadata r : produced) {
            expected.add(Tally.key(r.partition(), r.offset()));
        }
        assertThat(expected).hasSize(MESSAGES);
        assertThat(produced.stream().map(RecordMetadata::partition).distinct().count())
                .isEqualTo(PARTITIONS);

        ConsumeConfig consume =
                ConsumeConfig.DEFAULT.withStartAtEarliest(true).withLimits(500, 10_000, 100, 100);
        Tally tally = new Tally();
        AtomicBoolean stop = new AtomicBoolean();
        Semaphore paceA = new Semaphore(MESSAGES / 3); // a alone: a third of the messages
        Semaphore unpaced = new Semaphore(Integer.MAX_VALUE / 2);
        ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_INSTANCE);
        List<Future<?>> loops = new ArrayList<>();
        PixyClient a = PixyClient.start(kafka, consume, consume, dir.resolve("a"));
        PixyClient b = null;
        try {
            for (int i = 0; i < CLIENTS_PER_INSTANCE; i++) {
                loops.add(
                        clients.submit(
                                () -> {
                                    consumeLoop("a", a, tally, paceA, stop);
                                    return null;
                                }));
            }
            Awaitility.await()
                    .atMost(60, TimeUnit.SECONDS)
                    .until(() -> tally.ackedOk.size() == MESSAGES / 3);
            assertThat(owned(a)).as("a alone owns every partition").isEqualTo(PARTITIONS);

            // rebalance 1: a second instance joins the group while a consumes on (paced, so that
            // it still has messages in flight when half its partitions are revoked)
            PixyClient second = PixyClient.start(kafka, consume, consume, dir.resolve("b"));
            b = second;
            for (int i = 0; i < CLIENTS_PER_INSTANCE; i++) {
                loops.add(
                        clients.submit(
                                () -> {
                                    consumeLoop("b", second, tally, unpaced, stop);
                                    return null;
                                }));
            }
            long atJoin = tally.ackedAt.get("a").get();
            Awaitility.await()
                    .atMost(60, TimeUnit.SECONDS)
                    .pollInterval(50, TimeUnit.MILLISECONDS)
                    .until(
                            () -> {
                                if (paceA.availablePermits() < 2) {
                                    paceA.release(2); // a: up to 40 messages a second meanwhile
                                }
                                return owned(second) > 0
                                        && owned(a) < PARTITIONS
                                        && tally.ackedPartitions.containsKey("b");
                            });
            long duringRebalance = tally.ackedAt.get("a").get() - atJoin;
            assertThat(duringRebalance)
                    .as("a acknowledged while the group rebalanced")
                    .isPositive();
            ListConsumersRq list =
                    ListConsumersRq.newBuilder().setTopic(TOPIC).setGroup(GROUP).build();
            Awaitility.await()
                    .atMost(60, TimeUnit.SECONDS)
                    .untilAsserted(
                            () -> {
                                ConsumerGroups g =
                                        second.pixy().listConsumers(list).getGroupsMap().get(GROUP);
                                assertThat(g).isNotNull();
                                assertThat(g.getConsumersMap()).hasSize(2);
                                List<Integer> all = new ArrayList<>();
                                for (ConsumerPartitions p : g.getConsumersMap().values()) {
                                    assertThat(p.getPartitionsList()).isNotEmpty();
                                    all.addAll(p.getPartitionsList());
                                }
                                assertThat(all)
                                        .as("each partition owned by one member")
                                        .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
                            });
            // both consume at full speed for a while
            paceA.release(Integer.MAX_VALUE / 2);
            int before = tally.ackedOk.size();
            Awaitility.await()
                    .atMost(60, TimeUnit.SECONDS)
                    .until(() -> tally.ackedOk.size() >= before + MESSAGES / 15);
            LOG.info(
                    "after the first rebalance: a owns {}, b owns {}, {} acknowledged ({} by a"
                            + " during the rebalance)",
                    owned(a),
                    owned(second),
                    tally.ackedOk.size(),
                    duringRebalance);

            // rebalance 2: the first instance shuts down mid-flow; the second takes every partition
            assertThat(a.gateway.shutdown()).isTrue();
            Awaitility.await()
                    .atMost(120, TimeUnit.SECONDS)
                    .until(() -> tally.ackedOk.size() == MESSAGES);
            assertThat(owned(second)).isEqualTo(PARTITIONS);
            stop.set(true);
            for (Future<?> f : loops) {
                f.get(30, TimeUnit.SECONDS);
            }

            assertThat(tally.unexpected).as("statuses the flow does not expect").isEmpty();
            assertThat(tally.ackedOk.keySet())
                    .as("every message acknowledged at least once")
                    .containsExactlyInAnyOrderElementsOf(expected);
            Map<String, Integer> twice = new TreeMap<>();
            tally.ackedOk.forEach(
                    (k, n) -> {
                        if (n.get() != 1) {
                            twice.put(k, n.get());
                        }
                    });
            assertThat(twice).as("partition@offset acknowledged more than once").isEmpty();
            Set<Integer> handedOver = new HashSet<>(tally.ackedPartitions.get("a"));
            handedOver.retainAll(tally.ackedPartitions.get("b"));
            assertThat(handedOver).as("partitions acknowledged at both instances").isNotEmpty();
            LOG.info(
                    "{} messages: {} received ({} again after a handover), {} acks refused (the"
                            + " partition had moved); partitions a {} b {}",
                    MESSAGES,
                    tally.received.get(),
                    tally.received.get() - MESSAGES,
                    tally.ackRefused.get(),
                    tally.ackedPartitions.get("a"),
                    tally.ackedPartitions.get("b"));
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .untilAsserted(
                            () -> {
                                for (PartitionOffset o :
                                        second.offsets("", TOPIC, GROUP).getOffsetsList()) {
                                    assertThat(o.getOffset())
                                            .as(o.toString())
                                            .isEqualTo(o.getEnd());
                                    assertThat(o.getLag()).as(o.toString()).isZero();
                                }
                            });
        } finally {
            stop.set(true);
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }
}
