package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Strict input (issue 16): a typo never changes what a request means. Against the real server and a
 * real in-process Kafka; header bytes read back with a Kafka consumer.
 */
@KafkaTest
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StrictInputIT {
    private static final int MAX_RECORD = 16_384;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("strict", 1);
        gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        KafkaSettings.from(
                                                Map.of(
                                                        "bootstrap.servers",
                                                        kafka.bootstrap(),
                                                        "linger.ms",
                                                        1,
                                                        "max.request.size",
                                                        MAX_RECORD)),
                                        BrokerConfig.of("memory", Map.of("events", 4096)))
                                .withPort(0)
                                .withLimits(65_536, 1000));
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.shutdown();
        }
        if (kafka != null) {}
    }

    private static JsonObject error(Http.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).as(r.toString()).isEqualTo(code);
        return e;
    }

    @Test
    void unknownQueryParameter_400_namingItAndListingTheKnownOnes() {
        // ?acks=kafka used to answer 202 at the default ack=local: a silent downgrade
        JsonObject e =
                error(
                        http.post("/topics/strict/messages?acks=kafka", "x"),
                        400,
                        "unknown_parameter");
        assertThat(e.getString("message"))
                .contains("'acks'")
                .contains("known: ack, key, keyEncoding, partition, timestamp");
        assertThat(
                        error(
                                        http.post("/topics/strict/records?key=k", "{}"),
                                        400,
                                        "unknown_parameter")
                                .getString("message"))
                .contains("known: ack");
        assertThat(
                        error(http.get("/topics?limit=5"), 400, "unknown_parameter")
                                .getString("message"))
                .contains("takes none");
    }

    @Test
    void repeatedParameter_400() {
        assertThat(
                        error(
                                        http.post(
                                                "/topics/strict/messages?ack=none&ack=kafka", "x"),
                                        400,
                                        "repeated_parameter")
                                .getString("message"))
                .contains("'ack'");
    }

    @Test
    void signedOrSpacedPartitionAndTimestamp_400() {
        error(http.post("/topics/strict/messages?partition=%2B1", "x"), 400, "invalid_partition");
        error(http.post("/topics/strict/messages?partition=+0", "x"), 400, "invalid_partition");
        error(http.post("/topics/strict/messages?timestamp=%2B5", "x"), 400, "invalid_timestamp");
        assertThat(http.post("/topics/strict/messages?ack=kafka&partition=0", "x").status())
                .isEqualTo(200);
    }

    @Test
    void duplicateJsonKeys_andComments_400_inWordsWithoutJacksonNames() {
        JsonObject dup =
                error(
                        http.post(
                                "/topics/strict/records",
                                "{\"records\":[{\"value\":1}],\"records\":[{\"value\":2}]}"),
                        400,
                        "invalid_body");
        assertThat(dup.getString("message"))
                .contains("the key 'records' appears twice")
                .contains("line 1");
        JsonObject inner =
                error(
                        http.post(
                                "/topics/strict/records",
                                "{\"records\":[{\"value\":1,\"value\":2}]}"),
                        400,
                        "invalid_body");
        assertThat(inner.getString("message")).contains("'value' appears twice");
        JsonObject comment =
                error(
                        http.post(
                                "/topics/strict/records", "{/* hi */\"records\":[{\"value\":1}]}"),
                        400,
                        "invalid_body");
        assertThat(comment.getString("message")).contains("comments are not allowed");
        for (JsonObject e : new JsonObject[] {dup, inner, comment}) {
            assertThat(e.getString("message"))
                    .doesNotContain("Feature", "com.fasterxml", "Exception", "JsonParser");
        }
    }

    @Test
    void keyEncoding_listsTheValuesItReallyTakes() {
        assertThat(
                        error(
                                        http.post(
                                                "/topics/strict/messages?keyEncoding=json&key=k",
                                                "x"),
                                        400,
                                        "invalid_encoding")
                                .getString("message"))
                .isEqualTo("keyEncoding is 'json'; expected string or base64");
        assertThat(
                        error(
                                        http.post(
                                                "/topics/strict/records",
                                                "{\"keyEncoding\":\"hex\",\"records\":[{\"value\":1}]}"),
                                        400,
                                        "invalid_encoding")
                                .getString("message"))
                .contains("expected string or base64");
    }

    @Test
    void xKafkaHeaderValues_areStoredByteExact_utf8AndNot() {
        byte[] cafe = "café ✓".getBytes(UTF_8);
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x41, (byte) 0x80};
        String head =
                "POST /topics/strict/messages?ack=kafka HTTP/1.1\r\nHost: x\r\n"
                        + "X-Kafka-greeting: "
                        + new String(cafe, ISO_8859_1)
                        + "\r\nX-Kafka-raw: "
                        + new String(binary, ISO_8859_1);
        RawHttp.Answer a = RawHttp.send(gateway.port(), RawHttp.request(head, "v".getBytes(UTF_8)));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonObject body = new JsonObject(a.body());
        ConsumerRecord<byte[], byte[]> rec =
                kafka.recordAt("strict", body.getInteger("partition"), body.getLong("offset"));
        assertThat(rec.headers().lastHeader("greeting").value()).isEqualTo(cafe);
        assertThat(rec.headers().lastHeader("raw").value()).isEqualTo(binary);
    }

    @Test
    void anEmptyHeaderName_400() {
        String head = "POST /topics/strict/messages HTTP/1.1\r\nHost: x\r\nX-Kafka-: v";
        RawHttp.Answer a = RawHttp.send(gateway.port(), RawHttp.request(head, "v".getBytes(UTF_8)));
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(new JsonObject(a.body()).getJsonObject("error").getString("code"))
                .isEqualTo("invalid_headers");
    }

    @Test
    void gzipBody_415_notStoredCompressed() {
        JsonObject e =
                error(
                        http.post(
                                "/topics/strict/messages",
                                "not really gzip",
                                "Content-Encoding",
                                "gzip"),
                        415,
                        "unsupported_encoding");
        assertThat(e.getString("message")).contains("gzip").contains("identity");
    }

    @Test
    void theLargestSingleRecord_isTheOneTheMessageNames_andIsAccepted() {
        Http.Response over = http.post("/topics/strict/messages", "x".repeat(MAX_RECORD));
        JsonObject e = error(over, 413, "record_too_large");
        // no key, no headers: the record overhead (24) and the topic name count
        int largest = MAX_RECORD - 24 - "strict".length();
        assertThat(e.getString("message"))
                .contains(
                        "the largest value that fits with this key and these headers is "
                                + largest
                                + " bytes");
        Http.Response fits = http.post("/topics/strict/messages?ack=kafka", "x".repeat(largest));
        assertThat(fits.status()).as(fits.toString()).isEqualTo(200);
        error(
                http.post("/topics/strict/messages", "x".repeat(largest + 1)),
                413,
                "record_too_large");
    }
}
