package io.ferry.bench.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;

/** The harness's admin client: fresh topics, end offsets, clean-up; one thread at a time. */
final class BenchAdmin implements AutoCloseable {
    private final Admin admin;

    BenchAdmin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(p);
    }

    /**
     * Creates {@code topic} with replication 1 and, with {@code awaitServed}, waits until every
     * partition is served: its leader answers ListOffsets (with 0), so that no side's first produce
     * races the broker still taking the new topic on.
     */
    void createTopic(String topic, int partitions, boolean awaitServed) throws Exception {
        admin.createTopics(
                        List.of(
                                new NewTopic(topic, partitions, (short) 1)
                                        .configs(Map.of("min.insync.replicas", "1"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        if (!awaitServed) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                long sum = endOffsetSum(topic, partitions);
                if (sum != 0) {
                    throw new IllegalStateException(
                            "fresh topic " + topic + " already holds " + sum + " records");
                }
                return;
            } catch (ExecutionException e) {
                // the broker's metadata may lag the controller's: UNKNOWN_TOPIC_OR_PARTITION for a
                // moment
                if (!(e.getCause() instanceof RetriableException)
                        || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** The end offsets of every partition of {@code topic}, summed: the records it holds. */
    long endOffsetSum(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            query.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long sum = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo info :
                admin.listOffsets(query).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    /** Deletes {@code topic}, so that a long benchmark does not fill the disk. */
    void deleteTopic(String topic) throws Exception {
        admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        admin.close();
    }
}
