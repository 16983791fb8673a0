package io.ferry.testkafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster of {@link KafkaTest} is in production parity: both new group protocols work on it
 * right after the start, the features a production 4.2 cluster finalizes are there, and its helpers
 * do what they say.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InProcessKafkaIT {
    private static InProcessKafka kafka;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> settings) {
        Map<String, Object> p = new java.util.HashMap<>(settings);
        p.put("acks", "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static RecordMetadata produce(String topic, String value) throws Exception {
        try (KafkaProducer<String, String> p = producer(kafka.clientSettings())) {
            return p.send(new ProducerRecord<>(topic, "k", value)).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void features_areThoseOfProduction_withBothGroupProtocolsOn() throws Exception {
        try (Admin admin = kafka.admin()) {
            FeatureMetadata f =
                    admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            assertThat(f.finalizedFeatures().get("group.version").maxVersionLevel())
                    .isGreaterThanOrEqualTo((short) 1);
            assertThat(f.finalizedFeatures().get("share.version").maxVersionLevel())
                    .isGreaterThanOrEqualTo((short) 1);
            assertThat(f.finalizedFeatures().get("metadata.version").maxVersionLevel())
                    .as("metadata.version is LATEST_PRODUCTION, not a testing version")
                    .isEqualTo(ProductionParity.METADATA_VERSION.featureLevel());
        }
    }

    @Test
    void consumerGroupProtocol_subscribesAndReads(@UniqueTopic String topic) throws Exception {
        kafka.createTopic(topic, 2);
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put("group.id", topic + "-group");
        p.put("group.protocol", "consumer"); // KIP-848: ConsumerGroupHeartbeat
        p.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            RecordMetadata sent = produce(topic, "via KIP-848");
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long start = System.nanoTime();
            while (got.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got).extracting(ConsumerRecord::value).containsExactly("via KIP-848");
            assertThat(got.get(0).partition()).isEqualTo(sent.partition());
        }
    }

    @Test
    void shareGroup_readsARecord(@UniqueTopic String topic) throws Exception {
        kafka.createTopic(topic, 1);
        String group = topic + "-share";
        try (Admin admin = kafka.admin()) {
            admin.incrementalAlterConfigs(
                            Map.of(
                                    new ConfigResource(ConfigResource.Type.GROUP, group),
                                    List.of(
                                            new AlterConfigOp(
                                                    new ConfigEntry(
                                                            "share.auto.offset.reset", "earliest"),
                                                    AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        produce(topic, "via KIP-932");
        Properties p = new Properties();
        p.putAll(kafka.clientSettings());
        p.put("group.id", group);
        try (KafkaShareConsumer<String, String> c =
                new KafkaShareConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            List<String> got = new ArrayList<>();
            long start = System.nanoTime();
            while (got.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                c.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
            }
            assertThat(got).containsExactly("via KIP-932");
        }
    }

    @Test
    void createTopic_isInMetadataWhenItReturns_andRecordsReadBack(@UniqueTopic String topic)
            throws Exception {
        kafka.createTopic(topic, 3);
        try (Admin admin = kafka.admin()) {
            assertThat(
                            admin.describeTopics(List.of(topic))
                                    .allTopicNames()
                                    .get(30, TimeUnit.SECONDS)
                                    .get(topic)
                                    .partitions())
                    .hasSize(3)
                    .allSatisfy(p -> assertThat(p.leader()).isNotNull());
        }
        RecordMetadata m = produce(topic, "back");
        assertThat(new String(kafka.recordAt(topic, m.partition(), m.offset()).value(), UTF_8))
                .isEqualTo("back");
        assertThat(kafka.readAll(topic, 3)).hasSize(1);
    }

    @Test
    void stoppedBroker_comesBackOnTheSamePort(@UniqueTopic String topic) throws Exception {
        kafka.createTopic(topic, 1);
        String before = kafka.bootstrap();
        kafka.stopBroker(0);
        kafka.startBroker(0);
        assertThat(kafka.bootstrap()).isEqualTo(before);
        assertThat(produce(topic, "after restart").offset()).isZero();
    }

    @Test
    void uniqueTopic_namesDiffer_andAreValidTopicNames() {
        String a = InProcessKafkaExtension.uniqueTopic("Some Test()");
        String b = InProcessKafkaExtension.uniqueTopic("Some Test()");
        assertThat(a).isNotEqualTo(b).matches("[a-z0-9._-]+");
    }
}
