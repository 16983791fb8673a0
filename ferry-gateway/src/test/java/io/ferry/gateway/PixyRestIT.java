package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The kafka-pixy listener end to end: kafka-pixy's documented produce and metadata calls against
 * the real gateway on a real in-process Kafka, and what Kafka stored.
 */
@KafkaTest(combined = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PixyRestIT {
    private static final int MAX_BODY = 65_536;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http pixy;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        for (String t : List.of("px-async", "px-sync", "px-form", "px-bad", "px-raw")) {
            kafka.createTopic(t, 1);
        }
        kafka.createTopic("px-meta", 3);
        // from YAML, as a user writes it: the listener's host is left to its default
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  max-body-bytes: %d
                                  kafka-pixy: {enabled: true, port: 0}
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(MAX_BODY, kafka.bootstrap())));
        pixy = new Http(gateway.kafkaPixyPort());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static byte[] header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : h.value();
    }

    private static ConsumerRecord<byte[], byte[]> stored(Http.Response r, String topic) {
        JsonObject body = r.json();
        assertThat(body.fieldNames())
                .as(r.toString())
                .containsExactlyInAnyOrder("partition", "offset");
        return kafka.recordAt(topic, body.getInteger("partition"), body.getLong("offset"));
    }

    // ---- POST /topics/{topic}/messages ---------------------------------------------------------

    @Test
    void async_answersAnEmptyObjectAtOnce_andKafkaGetsKeyValueAndDecodedHeaderBytes() {
        byte[] trace = {0, 1, (byte) 0xff, 0x7f};
        Http.Response r =
                pixy.post(
                        "/topics/px-async/messages?key=user-7&someUnknownParam=1",
                        "hello pixy",
                        "Content-Type",
                        "text/plain",
                        "X-Kafka-trace",
                        b64(trace),
                        "X-Kafka-source",
                        b64("curl".getBytes(UTF_8)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{}");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        List<ConsumerRecord<byte[], byte[]>> records =
                Awaitility.await()
                        .atMost(30, TimeUnit.SECONDS)
                        .until(() -> kafka.readAll("px-async", 1), l -> !l.isEmpty());
        ConsumerRecord<byte[], byte[]> rec = records.get(0);
        assertThat(records).hasSize(1);
        assertThat(new String(rec.key(), UTF_8)).isEqualTo("user-7");
        assertThat(new String(rec.value(), UTF_8)).isEqualTo("hello pixy");
        assertThat(header(rec, "trace")).isEqualTo(trace);
        assertThat(header(rec, "source")).isEqualTo("curl".getBytes(UTF_8));
        assertThat(rec.headers().toArray()).hasSize(2);
    }

    @Test
    void sync_answersPartitionAndOffset_ofWhatKafkaStored_headerNamesInTheirCase() {
        byte[] id = {(byte) 0xde, (byte) 0xad, 0, (byte) 0xbe, (byte) 0xef};
        // written raw: the header name's case must reach the gateway as sent
        byte[] body = "{\"n\":1}".getBytes(UTF_8);
        RawHttp.Answer a =
                RawHttp.send(
                        gateway.kafkaPixyPort(),
                        RawHttp.request(
                                "POST /topics/px-sync/messages?key=k%00%FF&sync HTTP/1.1\r\n"
                                        + "Host: x\r\nContent-Type: application/json\r\n"
                                        + "X-Kafka-APP_REQUEST_UUID: "
                                        + b64(id),
                                body));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonObject answer = new JsonObject(a.body());
        assertThat(answer.getInteger("partition")).isZero();
        ConsumerRecord<byte[], byte[]> rec = kafka.recordAt("px-sync", 0, answer.getLong("offset"));
        assertThat(rec.key()).containsExactly('k', 0, 0xff);
        assertThat(rec.value()).isEqualTo(body);
        assertThat(header(rec, "APP_REQUEST_UUID"))
                .as("kept as sent; kafka-pixy stores App_request_uuid (its issue 175)")
                .isEqualTo(id);
    }

    @Test
    void noKey_storesNoKey_anEmptyKeyIsAKey_andAnyContentTypeIsARawBody() {
        Http.Response none =
                pixy.post("/topics/px-raw/messages?sync", "a", "Content-Type", "text/plain");
        Http.Response empty =
                pixy.post(
                        "/topics/px-raw/messages?sync&key=",
                        "b",
                        "Content-Type",
                        "application/octet-stream");
        assertThat(stored(none, "px-raw").key()).isNull();
        ConsumerRecord<byte[], byte[]> e = stored(empty, "px-raw");
        assertThat(e.key()).isEmpty();
        assertThat(new String(e.value(), UTF_8)).isEqualTo("b");
    }

    @Test
    void aFormBody_storesItsMsgField_decoded_withTheKeyOfTheForm() {
        Http.Response r =
                pixy.post(
                        "/topics/px-form/messages?key=query-key",
                        "key=form-key&msg=caf%C3%A9+au+lait%00&sync",
                        "Content-Type",
                        "application/x-www-form-urlencoded; charset=UTF-8");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        ConsumerRecord<byte[], byte[]> rec = stored(r, "px-form");
        assertThat(new String(rec.key(), UTF_8)).isEqualTo("form-key");
        assertThat(new String(rec.value(), UTF_8)).isEqualTo("café au lait\0");
    }

    @Test
    void aFormBodyWithoutMsg_isA400_andNothingIsStored() {
        // curl -d 'text' sends a form content type: kafka-pixy wants the text in msg=
        Http.Response r =
                pixy.post(
                        "/topics/px-bad/messages?sync",
                        "just text",
                        "Content-Type",
                        "application/x-www-form-urlencoded");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().getString("error")).startsWith("empty message").contains("msg=");
        assertThat(kafka.readAll("px-bad", 1)).isEmpty();
    }

    @Test
    void aHeaderValueThatIsNotBase64_isA400NamingTheHeader_andNothingIsStored() {
        Http.Response r =
                pixy.post(
                        "/topics/px-bad/messages",
                        "v",
                        "Content-Type",
                        "text/plain",
                        "X-Kafka-trace",
                        "abc-1");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().fieldNames()).containsExactly("error");
        assertThat(r.json().getString("error"))
                .startsWith("invalid base64 encoding for header: X-Kafka-trace");
        assertThat(kafka.readAll("px-bad", 1)).isEmpty();
    }

    @Test
    void anUnknownTopic_is404_syncOrNot() {
        for (String path :
                List.of("/topics/px-missing/messages?sync", "/topics/px-missing/messages")) {
            Http.Response r = pixy.post(path, "v", "Content-Type", "text/plain");
            assertThat(r.status()).as(path + ": " + r).isEqualTo(404);
            assertThat(r.json().getString("error")).contains("'px-missing' does not exist");
        }
    }

    @Test
    void anUnknownCluster_is400_aKnownOneIsServedUnderItsPrefix() {
        Http.Response r =
                pixy.post(
                        "/clusters/nope/topics/px-sync/messages?sync",
                        "v",
                        "Content-Type",
                        "text/plain");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().getString("error")).contains("'nope'").contains("[default]");
        assertThat(pixy.get("/clusters/nope/topics").status()).isEqualTo(400);
        Http.Response ok =
                pixy.post(
                        "/clusters/default/topics/px-sync/messages?sync",
                        "prefixed",
                        "Content-Type",
                        "text/plain");
        assertThat(new String(stored(ok, "px-sync").value(), UTF_8)).isEqualTo("prefixed");
    }

    @Test
    void aBodyOverMaxBodyBytes_is413InKafkaPixysShape() {
        Http.Response r =
                pixy.post(
                        "/topics/px-bad/messages",
                        "x".repeat(MAX_BODY + 1),
                        "Content-Type",
                        "text/plain");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().getString("error")).contains("gateway.max-body-bytes=" + MAX_BODY);
    }

    // ---- metadata, ping, paths -----------------------------------------------------------------

    @Test
    void topics_listsNames_andWithPartitions_theirPartitions() {
        Http.Response names = pixy.get("/topics");
        assertThat(names.status()).as(names.toString()).isEqualTo(200);
        assertThat(new JsonArray(names.body()).stream().toList()).contains("px-meta", "px-sync");
        Http.Response with = pixy.get("/topics?withPartitions");
        assertThat(with.status()).as(with.toString()).isEqualTo(200);
        JsonArray parts = with.json().getJsonObject("px-meta").getJsonArray("partitions");
        assertThat(parts).hasSize(3);
        assertThat(with.json().getJsonObject("px-sync").getJsonArray("partitions")).hasSize(1);
    }

    @Test
    void topic_withPartitions_givesLeaderReplicasAndIsr_asKafkaPixy() {
        Http.Response r = pixy.get("/topics/px-meta?withPartitions");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonArray parts = r.json().getJsonArray("partitions");
        assertThat(parts).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonObject p = parts.getJsonObject(i);
            assertThat(p.fieldNames())
                    .containsExactlyInAnyOrder("partition", "leader", "replicas", "isr");
            assertThat(p.getInteger("partition")).isEqualTo(i);
            int leader = p.getInteger("leader");
            assertThat(kafka.brokerIds()).contains(leader);
            assertThat(p.getJsonArray("replicas").stream().toList()).containsExactly(leader);
            assertThat(p.getJsonArray("isr").stream().toList()).containsExactly(leader);
        }
        Http.Response plain = pixy.get("/clusters/default/topics/px-meta");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("{}");
    }

    @Test
    void anUnknownTopicsMetadata_is404() {
        Http.Response r = pixy.get("/topics/px-nothing?withPartitions");
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(r.json().getString("error")).contains("'px-nothing' does not exist");
    }

    @Test
    void ping_answersPong() {
        Http.Response r = pixy.get("/_ping");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("pong");
    }

    @Test
    void unknownPaths_are404_otherMethods405WithAllow_andConsumeIsServed() {
        Http.Response none = pixy.get("/nothing/here");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.json().getString("error")).contains("/nothing/here");
        Http.Response put =
                pixy.send(
                        pixy.request("/topics/px-sync/messages")
                                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("v"))
                                .build());
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.header("Allow")).isEqualTo("POST, GET, HEAD");
        Http.Response consume = pixy.get("/topics/px-sync/messages");
        assertThat(consume.status()).as("served (PixyConsumeIT): no group is a 400").isEqualTo(400);
        assertThat(consume.json().getString("error")).contains("no consumer group given");
        // and the main port does not serve kafka-pixy's paths
        assertThat(new Http(gateway.port()).get("/_ping").status()).isEqualTo(404);
    }

    // ---- the listener --------------------------------------------------------------------------

    @Test
    void bindsToLoopbackOnly_byDefault() throws IOException {
        int port = gateway.kafkaPixyPort();
        assertThat(connects("127.0.0.1", port)).isTrue();
        // on Linux all of 127/8 reaches this host: a server on every address answers 127.0.0.2,
        // one bound to 127.0.0.1 does not
        try (ServerSocket any = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    connects("127.0.0.2", any.getLocalPort()), "127.0.0.2 reaches this host");
        }
        assertThat(connects("127.0.0.2", port)).isFalse();
    }

    private static boolean connects(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static GatewayConfig plainConfig() {
        return GatewayConfig.of(
                        KafkaSettings.from(Map.of("bootstrap.servers", kafka.bootstrap())),
                        BrokerConfig.of("memory", Map.of("events", 1024)))
                .withPort(0);
    }

    @Test
    void isOffByDefault() {
        GatewayConfig c = plainConfig();
        assertThat(c.kafkaPixy().enabled()).isFalse();
        try (Gateway g = Gateway.start(c)) {
            assertThat(g.kafkaPixyPort()).isEqualTo(Gateway.KAFKA_PIXY_OFF);
        }
    }

    @Test
    void aTakenPort_failsTheStartClearly_andReleasesTheMainPort() throws IOException {
        int main;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            main = s.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            GatewayConfig c =
                    plainConfig()
                            .withHost("127.0.0.1")
                            .withPort(main)
                            .withGrpc(GrpcSettings.DEFAULT.withPort(0))
                            .withKafkaPixy(KafkaPixyConfig.on("127.0.0.1", port));
            assertThatThrownBy(() -> Gateway.start(c))
                    .isInstanceOf(KafkaPixyConfig.CannotListen.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port)
                    .hasMessageContaining("the port is in use")
                    .hasMessageContaining("gateway.kafka-pixy.port");
        }
        int released = main;
        Awaitility.await("the main port released")
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> canBind(released));
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void beyondLoopback_warnsAtStart_thatThereIsNoTls() {
        Logger log = (Logger) LoggerFactory.getLogger(PixyListener.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (Gateway g =
                Gateway.start(plainConfig().withKafkaPixy(KafkaPixyConfig.on("0.0.0.0", 0)))) {
            assertThat(lines.list)
                    .anyMatch(
                            e ->
                                    e.getLevel() == Level.WARN
                                            && e.getFormattedMessage()
                                                    .contains(
                                                            "0.0.0.0:"
                                                                    + g.kafkaPixyPort()
                                                                    + " is reachable from other"
                                                                    + " machines without TLS"));
            assertThat(new Http(g.kafkaPixyPort()).get("/_ping").body()).isEqualTo("pong");
        } finally {
            log.detachAppender(lines);
        }
    }
}
