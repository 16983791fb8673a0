package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import pixyclient.AckRq;
import pixyclient.ConsNAckRq;
import pixyclient.GetOffsetsRq;
import pixyclient.GetOffsetsRs;
import pixyclient.KafkaPixyGrpc;

/**
 * A kafka-pixy client of one gateway for the ITs: the gateway (started with gRPC on a port of its
 * own and the consume settings given), a grpc-java channel to it, and grpc-java's own stubs
 * generated from src/test/proto. Thread-safe as grpc-java's channel; {@link #close} from the test
 * thread.
 */
final class PixyClient implements AutoCloseable {
    /** gateway.grpc.max-message-bytes of these gateways. */
    static final int MAX_MESSAGE = 65_536;

    /** A second cluster on the same Kafka, for settings a test wants apart. */
    static final String SECOND = "second";

    final Gateway gateway;
    final ManagedChannel channel;

    private PixyClient(Gateway gateway) {
        this.gateway = gateway;
        this.channel =
                ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort())
                        .usePlaintext()
                        .build();
    }

    /**
     * A gateway on {@code kafka} consuming with {@code consume} (the default cluster) and {@code
     * second} ({@link #SECOND}), its dead letters under {@code dir}.
     */
    static PixyClient start(
            InProcessKafka kafka, ConsumeConfig consume, ConsumeConfig second, Path dir) {
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        BrokerConfig broker = BrokerConfig.of("memory", Map.of("events", 4096));
        Map<String, GatewayConfig.Cluster> clusters = new LinkedHashMap<>();
        clusters.put("default", cluster(settings, broker, dir.resolve("dl-default"), consume));
        clusters.put(SECOND, cluster(settings, broker, dir.resolve("dl-second"), second));
        return new PixyClient(
                Gateway.start(
                        GatewayConfig.of(settings, broker)
                                .withPort(0)
                                .withHost("127.0.0.1")
                                .withGrpc(new GrpcSettings(GrpcSettings.AUTO, MAX_MESSAGE))
                                .withClusters(clusters)));
    }

    private static GatewayConfig.Cluster cluster(
            KafkaSettings settings, BrokerConfig broker, Path deadLetter, ConsumeConfig consume) {
        return new GatewayConfig.Cluster(
                settings,
                broker,
                new GatewayConfig.DeadLetter(true, deadLetter, null, 1L << 30),
                consume);
    }

    /** A blocking stub whose calls each have 30 s (a deadline is fixed when the stub is made). */
    KafkaPixyGrpc.KafkaPixyBlockingStub pixy() {
        return KafkaPixyGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** A future stub, 30 s per call. */
    KafkaPixyGrpc.KafkaPixyFutureStub async() {
        return KafkaPixyGrpc.newFutureStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** kafka-pixy's first call of a consume loop: acknowledge nothing. */
    static ConsNAckRq noAck(String cluster, String topic, String group) {
        return ConsNAckRq.newBuilder()
                .setCluster(cluster)
                .setTopic(topic)
                .setGroup(group)
                .setNoAck(true)
                .build();
    }

    static AckRq ack(String cluster, String topic, String group, int partition, long offset) {
        return AckRq.newBuilder()
                .setCluster(cluster)
                .setTopic(topic)
                .setGroup(group)
                .setPartition(partition)
                .setOffset(offset)
                .build();
    }

    GetOffsetsRs offsets(String cluster, String topic, String group) {
        return pixy().getOffsets(
                        GetOffsetsRq.newBuilder()
                                .setCluster(cluster)
                                .setTopic(topic)
                                .setGroup(group)
                                .build());
    }

    /** The consume side of {@code cluster} in this gateway (null: the default). */
    ConsumeCluster cluster(String cluster) {
        return gateway.consumeService().cluster(cluster);
    }

    /** The status a call failed with; an AssertionError when it succeeded. */
    static Status status(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }

    /** The {@code ferry-error-code} trailer of a failed call, or null. */
    static String errorCode(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            Metadata t = e.getTrailers();
            return t == null
                    ? null
                    : t.get(Metadata.Key.of("ferry-error-code", Metadata.ASCII_STRING_MARSHALLER));
        }
        throw new AssertionError("the call succeeded");
    }

    /**
     * Produces {@code n} messages {@code prefix-i} (key {@code k-i}) to {@code topic} with a Kafka
     * producer of the test, and returns where Kafka stored each, in order.
     */
    static List<RecordMetadata> produce(InProcessKafka kafka, String topic, String prefix, int n)
            throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>(kafka.clientSettings());
        cfg.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        cfg.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        cfg.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        List<Future<RecordMetadata>> sent = new ArrayList<>(n);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(cfg)) {
            for (int i = 0; i < n; i++) {
                sent.add(
                        p.send(
                                new ProducerRecord<>(
                                        topic,
                                        ("k-" + i).getBytes(UTF_8),
                                        (prefix + "-" + i).getBytes(UTF_8))));
            }
            p.flush();
            List<RecordMetadata> out = new ArrayList<>(n);
            for (Future<RecordMetadata> f : sent) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateway.shutdown();
    }
}
