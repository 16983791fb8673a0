package io.ferry.bench.kafka;

import io.ferry.testkafka.InProcessKafka;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the benchmark's one Kafka node (KRaft, combined) in a JVM of its own and prints its
 * bootstrap address, for {@code KafkaBenchReport --bootstrap} from another JVM; a command-line main
 * that runs until the process is stopped.
 *
 * <p>Run: {@code java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.kafka.KafkaNode}; then
 * {@code java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.kafka.KafkaBenchReport
 * --bootstrap <printed address>}.
 */
public final class KafkaNode {
    private KafkaNode() {}

    /**
     * Starts the node, prints {@code bootstrap: host:port} and waits; stop it with Ctrl-C or
     * SIGTERM.
     */
    public static void main(String[] args) throws Exception {
        InProcessKafka kafka = KafkaBenchReport.startNode();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    kafka.close();
                                    stopped.countDown();
                                },
                                "kafka-node-shutdown"));
        System.out.println("bootstrap: " + kafka.bootstrap());
        System.out.flush();
        stopped.await();
    }
}
