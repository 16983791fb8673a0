package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The calls of the consume ITs against a real gateway: produce through its POST, take, acknowledge,
 * and what the gateway's consume side holds (its groups, its waiting long polls); test thread.
 */
final class ConsumeCalls {
    /** The second cluster's name (the same Kafka; its own consume settings). */
    static final String SECOND = "second";

    final Gateway gateway;
    final Http http;

    private ConsumeCalls(Gateway gateway) {
        this.gateway = gateway;
        this.http = new Http(gateway.port());
    }

    /**
     * A gateway on {@code kafka} with clusters {@code default} and {@link #SECOND}, each consuming
     * with its settings.
     */
    static ConsumeCalls start(InProcessKafka kafka, ConsumeConfig main, ConsumeConfig second) {
        KafkaSettings settings =
                KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 1));
        BrokerConfig broker = BrokerConfig.of("memory", Map.of("events", 4096));
        Map<String, GatewayConfig.Cluster> clusters = new LinkedHashMap<>();
        clusters.put("default", new GatewayConfig.Cluster(settings, broker).withConsume(main));
        clusters.put(SECOND, new GatewayConfig.Cluster(settings, broker).withConsume(second));
        return new ConsumeCalls(
                Gateway.start(
                        GatewayConfig.of(settings, broker).withPort(0).withClusters(clusters)));
    }

    /** The path prefix of {@code cluster}: "" for the default one. */
    static String prefix(String cluster) {
        return cluster.equals("default") ? "" : "/clusters/" + cluster;
    }

    /** Produces {@code records} (the JSON array of a batch) at ack=kafka. */
    void produce(String cluster, String topic, String records) {
        Http.Response r =
                http.post(
                        prefix(cluster) + "/topics/" + topic + "/records?ack=kafka",
                        "{\"records\":" + records + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** One take; asserts 200 and returns its messages. */
    JsonArray take(String cluster, String topic, String group, String params) {
        Http.Response r = http.get(takePath(cluster, topic, group, params));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return new JsonArray(r.body());
    }

    static String takePath(String cluster, String topic, String group, String params) {
        return prefix(cluster)
                + "/topics/"
                + topic
                + "/records?group="
                + group
                + (params.isEmpty() ? "" : "&" + params);
    }

    /** Takes (each take waiting up to a second) until {@code n} messages came, at most 60 s. */
    List<JsonObject> takeAll(String cluster, String topic, String group, int n, String params) {
        List<JsonObject> all = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (all.size() < n && System.nanoTime() < deadline) {
            JsonArray got = take(cluster, topic, group, "wait=1000&" + params);
            for (int i = 0; i < got.size(); i++) {
                all.add(got.getJsonObject(i));
            }
        }
        assertThat(all).as("messages taken").hasSize(n);
        return all;
    }

    Http.Response post(String cluster, String topic, String what, String group, String body) {
        return http.post(
                prefix(cluster) + "/topics/" + topic + "/" + what + "?group=" + group, body);
    }

    /** The consume side of {@code cluster} in this gateway. */
    /** The gateway's HTTP port. */
    int port() {
        return gateway.port();
    }

    ConsumeCluster cluster(String cluster) {
        return gateway.consumeService().cluster(cluster);
    }

    /**
     * Joins {@code group} (a take that does not wait) and waits until this gateway's member owns
     * {@code partitions} partitions.
     */
    void join(String cluster, String topic, String group, int partitions) {
        take(cluster, topic, group, "wait=0");
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(
                        () -> {
                            ConsumeCluster.Group g = cluster(cluster).group(group);
                            return g != null && g.consumer.owned().size() == partitions;
                        });
    }

    /** Waits until exactly {@code n} long polls wait in {@code cluster}. */
    void awaitWaiting(String cluster, int n) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> cluster(cluster).waiting.get() == n);
    }

    /** The group's offsets of {@code topic}, by partition. */
    JsonArray offsets(String cluster, String topic, String group) {
        Http.Response r =
                http.get(prefix(cluster) + "/topics/" + topic + "/offsets?group=" + group);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return new JsonArray(r.body());
    }

    /** Waits until the group committed every partition of {@code topic} to its end. */
    void awaitCommittedToEnd(String cluster, String topic, String group) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            JsonArray o = offsets(cluster, topic, group);
                            for (int i = 0; i < o.size(); i++) {
                                JsonObject p = o.getJsonObject(i);
                                assertThat(p.getLong("offset"))
                                        .as(p.encode())
                                        .isEqualTo(p.getLong("end"));
                                assertThat(p.getLong("lag")).as(p.encode()).isZero();
                            }
                        });
    }

    /** Acknowledges {@code messages} one offset each; asserts 200 and that each settled. */
    void ackEach(String cluster, String topic, String group, List<JsonObject> messages) {
        JsonArray body = new JsonArray();
        for (JsonObject m : messages) {
            body.add(
                    new JsonObject()
                            .put("partition", m.getInteger("partition"))
                            .put("offset", m.getLong("offset")));
        }
        Http.Response r = post(cluster, topic, "acks", group, body.encode());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().getInteger("acknowledged")).isEqualTo(messages.size());
    }

    void stop() {
        assertThat(gateway.shutdown()).isTrue();
    }
}
