package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the consume ITs' test data with Kafka's own producer (test code only), so that exactly the
 * values asked for are in Kafka: a send Kafka refused (a fresh topic whose leaders are settling
 * answered OUT_OF_ORDER_SEQUENCE under load, and a CI run then waited for messages that were never
 * written) is sent again until every value is written once.
 */
final class TestData {
    private TestData() {}

    /**
     * Writes {@code value(i)} for i in [from, to) to partition {@code i % partitions} of {@code
     * topic}.
     *
     * @param extra producer settings on top of the cluster's (e.g. {@code compression.type})
     */
    static void write(
            InProcessKafka kafka,
            String topic,
            int partitions,
            long from,
            long to,
            LongFunction<byte[]> value,
            Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(kafka.clientSettings());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // One request in flight per partition: a fresh topic's first produce can meet
        // NOT_LEADER_OR_FOLLOWER, and with five in flight the idempotent producer then spent two
        // minutes in OUT_OF_ORDER_SEQUENCE_NUMBER retries before its sequences lined up again.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.putAll(extra);
        List<Long> todo = new ArrayList<>();
        for (long i = from; i < to; i++) {
            todo.add(i);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int round = 0; !todo.isEmpty(); round++) {
                assertThat(round).as("rounds of sends to write every value").isLessThan(10);
                List<Long> failed = Collections.synchronizedList(new ArrayList<>());
                for (long i : todo) {
                    producer.send(
                            new ProducerRecord<>(
                                    topic, (int) (i % partitions), null, value.apply(i)),
                            (md, e) -> {
                                if (e != null) {
                                    failed.add(i);
                                }
                            });
                }
                producer.flush();
                todo = new ArrayList<>(failed);
            }
        }
    }
}
