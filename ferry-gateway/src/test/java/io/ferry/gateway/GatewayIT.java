package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP API end to end: the real server in front of a real in-process Kafka. */
@KafkaTest(combined = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GatewayIT {
    private static final int MAX_RECORD = 16_384;
    private static final int MAX_BODY = 65_536;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("orders", 3);
        kafka.createTopic("batches", 2);
        kafka.createTopic("local", 1);
        KafkaSettings settings =
                KafkaSettings.from(
                        Map.of(
                                "bootstrap.servers",
                                kafka.bootstrap(),
                                "linger.ms",
                                1,
                                "max.request.size",
                                MAX_RECORD));
        gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        settings, BrokerConfig.of("memory", Map.of("events", 4096)))
                                .withPort(0)
                                .withLimits(MAX_BODY, 1000));
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static String headerValue(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), UTF_8);
    }

    // ---- POST /topics/{topic}/messages ---------------------------------------------------------

    @Test
    void message_ackKafka_returnsThePartitionAndOffsetTheRecordHas_withKeyHeadersAndTimestamp() {
        Http.Response r =
                http.post(
                        "/topics/orders/messages?ack=kafka&key=user-7&timestamp=1700000000000",
                        "{\"amount\":12}",
                        "X-Kafka-trace-id",
                        "abc-1",
                        "X-Kafka-source",
                        "test",
                        "Content-Type",
                        "application/json");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonObject body = r.json();
        assertThat(body.getString("topic")).isEqualTo("orders");
        ConsumerRecord<byte[], byte[]> rec =
                kafka.recordAt("orders", body.getInteger("partition"), body.getLong("offset"));
        assertThat(new String(rec.key(), UTF_8)).isEqualTo("user-7");
        assertThat(new String(rec.value(), UTF_8)).isEqualTo("{\"amount\":12}");
        assertThat(headerValue(rec, "trace-id")).isEqualTo("abc-1");
        assertThat(headerValue(rec, "source")).isEqualTo("test");
        assertThat(rec.headers().toArray()).hasSize(2);
        assertThat(rec.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(rec.timestamp()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void message_bodyIsRawBytes_whateverTheContentType_evenAFormOfSeveralKilobytes() {
        String value = "a=" + "x".repeat(8000) + "&b=2";
        Http.Response r =
                http.post(
                        "/topics/orders/messages?ack=kafka",
                        value,
                        "Content-Type",
                        "application/x-www-form-urlencoded");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(
                        new String(
                                kafka.recordAt(
                                                "orders",
                                                r.json().getInteger("partition"),
                                                r.json().getLong("offset"))
                                        .value(),
                                UTF_8))
                .isEqualTo(value);
    }

    @Test
    void message_withPartition_goesToThatPartition() {
        Http.Response r = http.post("/topics/orders/messages?ack=kafka&partition=2", "p2");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().getInteger("partition")).isEqualTo(2);
        assertThat(
                        new String(
                                kafka.recordAt("orders", 2, r.json().getLong("offset")).value(),
                                UTF_8))
                .isEqualTo("p2");
    }

    @Test
    void message_base64Key_isDecoded() {
        byte[] key = {0, 1, 2, 3, (byte) 0xfb};
        Http.Response r =
                http.post(
                        "/topics/orders/messages?ack=kafka&keyEncoding=base64&key="
                                + java.net.URLEncoder.encode(
                                        Base64.getEncoder().encodeToString(key), UTF_8),
                        "v");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(
                        kafka.recordAt(
                                        "orders",
                                        r.json().getInteger("partition"),
                                        r.json().getLong("offset"))
                                .key())
                .isEqualTo(key);
    }

    @Test
    void message_ackLocal_answers202_andTheRecordArrives() throws Exception {
        kafka.createTopic("local-only", 1);
        Http.Response r = http.post("/topics/local-only/messages?ack=local", "hello");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().getString("ack")).isEqualTo("local");
        Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> kafka.readAll("local-only", 1).size() == 1);
        assertThat(new String(kafka.readAll("local-only", 1).get(0).value(), UTF_8))
                .isEqualTo("hello");
    }

    @Test
    void message_ackNone_answers202() throws Exception {
        kafka.createTopic("none-only", 1);
        Http.Response r = http.post("/topics/none-only/messages?ack=none", "fire and forget");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().getString("ack")).isEqualTo("none");
        Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> kafka.readAll("none-only", 1).size() == 1);
    }

    @Test
    void message_withoutAck_usesTheConfiguredDefault_local() {
        Http.Response r = http.post("/topics/local/messages", "x");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().getString("ack")).isEqualTo("local");
    }

    @Test
    void clusterPrefixedPath_usesTheNamedCluster() {
        Http.Response r =
                http.post("/clusters/default/topics/orders/messages?ack=kafka", "via prefix");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(http.get("/clusters/default/topics/orders").status()).isEqualTo(200);
        assertThat(http.get("/clusters/default/healthz").status()).isEqualTo(200);
    }

    // ---- POST /topics/{topic}/records ----------------------------------------------------------

    @Test
    void records_ackKafka_everyEncoding_perRecordPartitionAndOffset() {
        JsonObject req =
                new JsonObject()
                        .put(
                                "records",
                                new JsonArray()
                                        .add(
                                                new JsonObject()
                                                        .put("key", "k1")
                                                        .put("value", new JsonObject().put("n", 1)))
                                        .add(
                                                new JsonObject()
                                                        .put("value", "plain text")
                                                        .put("valueEncoding", "string")
                                                        .put("partition", 1)
                                                        .put(
                                                                "headers",
                                                                new JsonObject().put("h1", "v1"))
                                                        .put("timestamp", 1_600_000_000_000L))
                                        .add(
                                                new JsonObject()
                                                        .put(
                                                                "key",
                                                                Base64.getEncoder()
                                                                        .encodeToString(
                                                                                new byte[] {9, 8}))
                                                        .put("keyEncoding", "base64")
                                                        .put(
                                                                "value",
                                                                Base64.getEncoder()
                                                                        .encodeToString(
                                                                                new byte[] {
                                                                                    1, 2, 3
                                                                                }))
                                                        .put("valueEncoding", "base64"))
                                        .add(new JsonObject().put("key", "tomb").putNull("value")));
        Http.Response r =
                http.post(
                        "/topics/batches/records?ack=kafka",
                        req.encode(),
                        "Content-Type",
                        "application/json");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonArray results = r.json().getJsonArray("results");
        assertThat(results).hasSize(4);
        assertThat(r.json().getInteger("accepted")).isEqualTo(4);

        ConsumerRecord<byte[], byte[]> a = at(results.getJsonObject(0));
        assertThat(new String(a.key(), UTF_8)).isEqualTo("k1");
        assertThat(new String(a.value(), UTF_8)).isEqualTo("{\"n\":1}");
        ConsumerRecord<byte[], byte[]> b = at(results.getJsonObject(1));
        assertThat(b.partition()).isEqualTo(1);
        assertThat(b.key()).isNull();
        assertThat(new String(b.value(), UTF_8)).isEqualTo("plain text");
        assertThat(headerValue(b, "h1")).isEqualTo("v1");
        assertThat(b.timestamp()).isEqualTo(1_600_000_000_000L);
        ConsumerRecord<byte[], byte[]> c = at(results.getJsonObject(2));
        assertThat(c.key()).isEqualTo(new byte[] {9, 8});
        assertThat(c.value()).isEqualTo(new byte[] {1, 2, 3});
        ConsumerRecord<byte[], byte[]> d = at(results.getJsonObject(3));
        assertThat(d.value()).as("a tombstone").isNull();
    }

    private static ConsumerRecord<byte[], byte[]> at(JsonObject result) {
        assertThat(result.containsKey("error")).as(result.encode()).isFalse();
        return kafka.recordAt("batches", result.getInteger("partition"), result.getLong("offset"));
    }

    @Test
    void records_ackKafka_aRecordKafkaRefuses_failsAlone_with207AndItsReason() throws Exception {
        // the topic takes record batches of at most 2000 bytes: Kafka refuses the big record, not
        // the others
        kafka.createTopic("small-records", 1, Map.of("max.message.bytes", "2000"));
        String big = "x".repeat(4000);
        String req =
                "{\"valueEncoding\":\"string\",\"records\":[{\"value\":\"ok\"},{\"value\":\""
                        + big
                        + "\"},{\"value\":\"ok too\"}]}";
        Http.Response r = http.post("/topics/small-records/records?ack=kafka", req);
        assertThat(r.status()).as(r.toString()).isEqualTo(207);
        JsonArray results = r.json().getJsonArray("results");
        assertThat(results.getJsonObject(0).containsKey("offset")).as(results.encode()).isTrue();
        JsonObject err = results.getJsonObject(1).getJsonObject("error");
        assertThat(err.getInteger("status")).isEqualTo(413);
        assertThat(err.getString("code")).isEqualTo("record_too_large");
        assertThat(results.getJsonObject(2).containsKey("offset")).as(results.encode()).isTrue();
        assertThat(r.json().getInteger("failed")).isEqualTo(1);
    }

    /** Regression (issue 16): a batch in which every record failed answered 207. */
    @Test
    void records_ackKafka_everyRecordRefusedForOneReason_answersThatStatus_notA207() {
        kafka.createTopic("all-too-large", 1, Map.of("max.message.bytes", "2000"));
        String big = "x".repeat(4000);
        String req =
                "{\"valueEncoding\":\"string\",\"records\":[{\"value\":\""
                        + big
                        + "\"},{\"value\":\""
                        + big
                        + "\"}]}";
        Http.Response r = http.post("/topics/all-too-large/records?ack=kafka", req);
        assertThat(r.status()).as(r.toString()).isEqualTo(413);
        assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("record_too_large");
        assertThat(r.json().getJsonArray("results")).hasSize(2);
        assertThat(r.json().getInteger("failed")).isEqualTo(2);
    }

    @Test
    void records_ackKafka_identicalRecords_eachGetTheirOwnOffset() {
        String rec = "{\"key\":\"same\",\"value\":\"dup\"}";
        Http.Response r =
                http.post(
                        "/topics/batches/records?ack=kafka",
                        "{\"records\":[" + rec + "," + rec + "," + rec + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonArray results = r.json().getJsonArray("results");
        java.util.Set<String> places = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            JsonObject o = results.getJsonObject(i);
            places.add(o.getInteger("partition") + "/" + o.getLong("offset"));
            assertThat(new String(at(o).value(), UTF_8))
                    .as("valueEncoding json: the JSON text")
                    .isEqualTo("\"dup\"");
        }
        assertThat(places).hasSize(3);
    }

    @Test
    void records_ackLocal_answers202_withEachRecordAccepted() {
        Http.Response r =
                http.post(
                        "/topics/batches/records?ack=local",
                        "{\"records\":[{\"value\":1},{\"value\":2}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().getJsonArray("results")).hasSize(2);
        assertThat(r.json().getJsonArray("results").getJsonObject(0).getBoolean("accepted"))
                .isTrue();
    }

    // ---- bad input -----------------------------------------------------------------------------

    private static void assertError(Http.Response r, int status, String code, String messagePart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getInteger("status")).isEqualTo(status);
        assertThat(e.getString("code")).isEqualTo(code);
        assertThat(e.getString("message")).contains(messagePart);
    }

    @Test
    void badTopicName_400() {
        assertError(
                http.post("/topics/no%20spaces/messages", "x"),
                400,
                "invalid_topic",
                "'no spaces'");
        assertError(
                http.post("/topics/" + "t".repeat(250) + "/records", "{}"),
                400,
                "invalid_topic",
                "249");
        assertError(http.get("/topics/bad$name"), 400, "invalid_topic", "bad$name");
    }

    @Test
    void badPartition_400() {
        assertError(
                http.post("/topics/orders/messages?partition=abc", "x"),
                400,
                "invalid_partition",
                "'abc'");
        assertError(
                http.post("/topics/orders/messages?partition=-2", "x"),
                400,
                "invalid_partition",
                "-2");
        assertError(
                http.post(
                        "/topics/orders/records",
                        "{\"records\":[{\"value\":1},{\"value\":1,\"partition\":\"x\"}]}"),
                400,
                "invalid_partition",
                "records[1].partition");
        assertError(
                http.post("/topics/orders/messages?ack=kafka&partition=3", "x"),
                400,
                "invalid_partition",
                "partition 3 does not exist");
        assertError(
                http.post("/topics/orders/messages?ack=local&partition=3", "x"),
                400,
                "invalid_partition",
                "topic 'orders' has 3 partitions");
        assertError(
                http.post(
                        "/topics/orders/records?ack=none",
                        "{\"records\":[{\"value\":1},{\"value\":1,\"partition\":7}]}"),
                400,
                "invalid_partition",
                "records[1]: partition 7 does not exist");
    }

    @Test
    void badKey_400() {
        assertError(
                http.post("/topics/orders/messages?keyEncoding=base64&key=%25%25%25", "x"),
                400,
                "invalid_key",
                "base64");
        assertError(
                http.post(
                        "/topics/orders/records",
                        "{\"records\":[{\"key\":{\"a\":1},\"value\":1}]}"),
                400,
                "invalid_key",
                "records[0].key must be a string");
    }

    @Test
    void badBody_400_andNothingOfTheBatchIsAccepted() throws Exception {
        kafka.createTopic("all-or-nothing", 1);
        assertError(
                http.post("/topics/orders/records", "{not json"),
                400,
                "invalid_body",
                "not valid JSON");
        assertError(http.post("/topics/orders/records", "[]"), 400, "invalid_body", "JSON object");
        assertError(
                http.post("/topics/orders/records", "{\"records\":[]}"),
                400,
                "invalid_body",
                "non-empty array");
        assertError(
                http.post("/topics/orders/records", "{\"recs\":[]}"),
                400,
                "invalid_body",
                "unknown field 'recs'");
        assertError(
                http.post("/topics/orders/records", "{\"records\":[{\"value\":1,\"colour\":2}]}"),
                400,
                "invalid_record",
                "records[0] has an unknown field 'colour'");
        assertError(
                http.post("/topics/orders/records", "{\"records\":[{\"key\":\"k\"}]}"),
                400,
                "invalid_record",
                "has no \"value\"");
        assertError(
                http.post(
                        "/topics/orders/records",
                        "{\"valueEncoding\":\"base64\",\"records\":[{\"value\":\"@@\"}]}"),
                400,
                "invalid_value",
                "base64");
        assertError(
                http.post(
                        "/topics/orders/records",
                        "{\"valueEncoding\":\"hex\",\"records\":[{\"value\":\"00\"}]}"),
                400,
                "invalid_encoding",
                "json, string or base64");
        // the first record is fine, the second is not: neither is accepted
        assertError(
                http.post(
                        "/topics/all-or-nothing/records?ack=local",
                        "{\"records\":[{\"value\":\"fine\"},{\"value\":1,\"timestamp\":-5}]}"),
                400,
                "invalid_timestamp",
                "records[1]");
        Http.Response ok = http.post("/topics/all-or-nothing/messages?ack=kafka", "after");
        assertThat(ok.json().getLong("offset"))
                .as("nothing of the refused batch reached Kafka")
                .isZero();
    }

    @Test
    void badAck_400() {
        assertError(
                http.post("/topics/orders/messages?ack=maybe", "x"),
                400,
                "invalid_ack",
                "none, local or kafka");
    }

    @Test
    void unknownCluster_404() {
        assertError(
                http.post("/clusters/elsewhere/topics/orders/messages", "x"),
                404,
                "unknown_cluster",
                "'elsewhere'");
        assertError(http.get("/clusters/elsewhere/topics"), 404, "unknown_cluster", "[default]");
    }

    @Test
    void unknownTopic_404_atEveryAckLevel_beforeAnythingIsAccepted_andOnDescribe() {
        assertError(
                http.post("/topics/missing-topic/messages?ack=kafka", "x"),
                404,
                "topic_not_found",
                "missing-topic");
        assertError(
                http.post("/topics/missing-topic/messages?ack=local", "x"),
                404,
                "topic_not_found",
                "does not exist");
        assertError(
                http.post(
                        "/topics/missing-topic/records?ack=none", "{\"records\":[{\"value\":1}]}"),
                404,
                "topic_not_found",
                "missing-topic");
        assertError(http.get("/topics/missing-topic"), 404, "topic_not_found", "missing-topic");
    }

    @Test
    void overTheSizeLimits_413() {
        assertError(
                http.post("/topics/orders/messages", "x".repeat(MAX_RECORD + 1)),
                413,
                "record_too_large",
                "max.request.size=" + MAX_RECORD);
        assertError(
                http.postBytes("/topics/orders/messages", new byte[MAX_BODY + 1]),
                413,
                "body_too_large",
                "max-body-bytes=" + MAX_BODY);
        // chunked, without Content-Length: refused once the limit is passed
        assertError(
                http.send(
                        http.request("/topics/orders/messages")
                                .POST(
                                        java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                                () ->
                                                        new java.io.ByteArrayInputStream(
                                                                new byte[MAX_BODY * 2])))
                                .build()),
                413,
                "body_too_large",
                "max-body-bytes");
    }

    @Test
    void unknownPath_404_json() {
        assertError(http.get("/nothing/here"), 404, "not_found", "/nothing/here");
        assertError(
                http.get("/topics/orders/elsewhere"), 404, "not_found", "/topics/orders/elsewhere");
        assertError(http.get("/topics//messages"), 404, "not_found", "/topics//messages");
        assertError(http.get("/clusters/"), 404, "not_found", "/clusters/");
        assertError(http.get("/clusters/default/openapi.yaml"), 404, "not_found", "openapi.yaml");
    }

    @Test
    void wrongMethod_405_json() {
        assertError(
                http.get("/topics/orders/messages"),
                405,
                "method_not_allowed",
                "GET is not allowed on /topics/orders/messages");
        assertError(http.post("/topics", "x"), 405, "method_not_allowed", "POST");
        assertError(
                http.post("/clusters/default/healthz", "x"),
                405,
                "method_not_allowed",
                "/clusters/default/healthz");
    }

    @Test
    void percentEncodedTopic_isDecodedBeforeItIsChecked() {
        Http.Response r = http.post("/topics/ord%65rs/messages?ack=kafka", "encoded");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getString("topic")).isEqualTo("orders");
    }

    // ---- operations ----------------------------------------------------------------------------

    @Test
    void topics_listAndDescribe() {
        Http.Response list = http.get("/topics");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().getJsonArray("topics").encode())
                .contains("\"orders\"", "\"batches\"");
        Http.Response d = http.get("/topics/orders");
        assertThat(d.status()).as(d.toString()).isEqualTo(200);
        JsonArray parts = d.json().getJsonArray("partitions");
        assertThat(parts).hasSize(3);
        assertThat(parts.getJsonObject(0).getInteger("leader")).isNotNull();
        assertThat(parts.getJsonObject(0).getJsonArray("replicas")).hasSize(1);
    }

    @Test
    void health_ready_metrics() {
        assertThat(http.get("/healthz").json().getString("status")).isEqualTo("alive");
        Http.Response ready = http.get("/readyz");
        assertThat(ready.status()).as(ready.toString()).isEqualTo(200);
        assertThat(
                        ready.json()
                                .getJsonObject("clusters")
                                .getJsonObject("default")
                                .getInteger("nodes"))
                .isEqualTo(1);
        assertThat(http.post("/topics/orders/messages?ack=kafka", "m").status()).isEqualTo(200);
        assertThat(http.post("/topics/no%20way/messages", "m").status()).isEqualTo(400);
        Http.Response m = http.get("/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.header("Content-Type")).startsWith("text/plain");
        assertThat(m.body())
                .contains(
                        "ferry_http_requests_seconds_count{route=\"/topics/:topic/messages\",status=\"200\"}",
                        "ferry_http_requests_seconds_bucket",
                        "ferry_http_errors_total{cluster=\"default\",reason=\"invalid_topic\"}",
                        "ferry_broker_buffered_events{cluster=\"default\"}",
                        "ferry_broker_buffered_bytes{cluster=\"default\"}",
                        "ferry_broker_oldest_event_age_seconds{cluster=\"default\"}",
                        "ferry_kafka_records_sent_total{cluster=\"default\"}",
                        "ferry_kafka_bytes_sent_total{cluster=\"default\"}",
                        "ferry_kafka_executor_workers{cluster=\"default\",node=\"0\"}",
                        "ferry_kafka_executors{cluster=\"default\"} 1.0");
        List<String> failures =
                m.body()
                        .lines()
                        .filter(l -> l.startsWith("ferry_kafka_delivery_failures_total"))
                        .toList();
        assertThat(failures).isNotNull();
    }

    @Test
    void openApiDocument_isServed() {
        Http.Response r = http.get("/openapi.yaml");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body())
                .contains("openapi: 3", "/topics/{topic}/messages", "/topics/{topic}/records");
    }
}
