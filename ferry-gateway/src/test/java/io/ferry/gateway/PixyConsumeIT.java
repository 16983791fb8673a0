package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consume half of the kafka-pixy listener end to end (issue 14): kafka-pixy's documented
 * consume, ack, offsets and consumers calls against the real gateway on a real in-process Kafka.
 * Two clusters on the one Kafka: {@code default} with a 1.5 s long poll, {@code slow} with a 20 s
 * one and room for one waiting request.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PixyConsumeIT {
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http pixy;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  default-cluster: default
                                  kafka-pixy: {enabled: true, port: 0}
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%1$s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                    consume: {auto-offset-reset: earliest, long-poll-timeout-ms: 1500}
                                  slow:
                                    kafka: {bootstrap.servers: "%1$s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                    consume:
                                      auto-offset-reset: earliest
                                      long-poll-timeout-ms: 20000
                                      max-waiting: 1
                                """
                                        .formatted(kafka.bootstrap())));
        pixy = new Http(gateway.kafkaPixyPort());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Produces {@code n} messages {@code prefix0..} through the listener, each stored by Kafka. */
    private static void produce(String prefix, String topic, int n) {
        for (int i = 0; i < n; i++) {
            Http.Response r =
                    pixy.post(
                            prefix + "/topics/" + topic + "/messages?sync&key=k" + i,
                            "m" + i,
                            "Content-Type",
                            "text/plain");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
    }

    private static String text(JsonObject m, String field) {
        String b64 = m.getString(field);
        return b64 == null ? null : new String(Base64.getDecoder().decode(b64), UTF_8);
    }

    /**
     * Consumes with {@code first} for the first call, then ackPartition/ackOffset of the previous
     * message, until {@code n} messages came (408s while the group joins are fine); then one more
     * call acknowledging the last, which must time out: nothing else is there.
     */
    private static List<JsonObject> consumeAndAck(String path, int n) {
        List<JsonObject> got = new ArrayList<>();
        String ack = "&noAck";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (got.size() < n && System.nanoTime() < deadline) {
            Http.Response r = pixy.get(path + ack);
            if (r.status() == 408) {
                continue;
            }
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonObject m = r.json();
            got.add(m);
            ack =
                    "&ackPartition="
                            + m.getInteger("partition")
                            + "&ackOffset="
                            + m.getLong("offset");
        }
        assertThat(got).hasSize(n);
        Http.Response last = pixy.get(path + ack);
        assertThat(last.status()).as("nothing more: " + last).isEqualTo(408);
        return got;
    }

    /** Waits for a first message for a group that is joining: 408s until it is assigned. */
    private static JsonObject next(String path) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> pixy.get(path), r -> r.status() == 200)
                .json();
    }

    private static JsonArray offsets(String prefix, String topic, String group) {
        Http.Response r = pixy.get(prefix + "/topics/" + topic + "/offsets?group=" + group);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return new JsonArray(r.body());
    }

    private static long totalLag(JsonArray offsets) {
        long lag = 0;
        for (int i = 0; i < offsets.size(); i++) {
            lag += offsets.getJsonObject(i).getLong("lag");
        }
        return lag;
    }

    // ---- GET /topics/{t}/messages
    // ----------------------------------------------------------------

    @Test
    void consumeAndAckLoop_getsEveryMessageOnce_andTheOffsetsThenShowNoLag() {
        kafka.createTopic("pc-loop", 2);
        produce("", "pc-loop", 20);
        List<JsonObject> got = consumeAndAck("/topics/pc-loop/messages?group=loop", 20);
        Set<String> values = new HashSet<>();
        Set<String> positions = new HashSet<>();
        for (JsonObject m : got) {
            assertThat(m.fieldNames())
                    .containsExactlyInAnyOrder("key", "value", "partition", "offset", "headers");
            values.add(text(m, "value"));
            positions.add(m.getInteger("partition") + "/" + m.getLong("offset"));
            assertThat(text(m, "key")).isEqualTo("k" + text(m, "value").substring(1));
        }
        assertThat(values).hasSize(20).contains("m0", "m19");
        assertThat(positions).hasSize(20);
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .untilAsserted(
                        () -> {
                            JsonArray o = offsets("", "pc-loop", "loop");
                            assertThat(o).hasSize(2);
                            assertThat(totalLag(o)).isZero();
                            JsonObject p0 = o.getJsonObject(0);
                            assertThat(p0.getInteger("partition")).isZero();
                            assertThat(p0.getLong("offset")).isEqualTo(p0.getLong("end"));
                            assertThat(p0.getLong("count"))
                                    .isEqualTo(p0.getLong("end") - p0.getLong("begin"));
                        });
    }

    @Test
    void withoutAckParameters_eachMessageIsAcknowledged_itsHeadersAndANullKeyInBase64()
            throws Exception {
        kafka.createTopic("pc-auto", 1);
        byte[] trace = {0, 1, (byte) 0xff};
        Http.Response p =
                pixy.post(
                        "/topics/pc-auto/messages?sync",
                        "first",
                        "X-Kafka-trace",
                        Base64.getEncoder().encodeToString(trace));
        assertThat(p.status()).as(p.toString()).isEqualTo(200);
        produce("", "pc-auto", 2);
        JsonObject first = next("/topics/pc-auto/messages?group=auto");
        assertThat(first.getValue("key")).as("no key: null, as kafka-pixy").isNull();
        assertThat(text(first, "value")).isEqualTo("first");
        assertThat(first.getJsonArray("headers"))
                .containsExactly(
                        new JsonObject()
                                .put("key", "trace")
                                .put("value", Base64.getEncoder().encodeToString(trace)));
        assertThat(text(next("/topics/pc-auto/messages?group=auto"), "value")).isEqualTo("m0");
        JsonObject third = next("/topics/pc-auto/messages?group=auto");
        assertThat(text(third, "value")).isEqualTo("m1");
        assertThat(third.getJsonArray("headers")).isEmpty();
        assertThat(pixy.get("/topics/pc-auto/messages?group=auto").status()).isEqualTo(408);
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(totalLag(offsets("", "pc-auto", "auto"))).isZero());
    }

    @Test
    void noAck_leavesMessagesOut_untilPostAcksAcknowledgesThem() {
        kafka.createTopic("pc-noack", 1);
        produce("", "pc-noack", 2);
        JsonObject a = next("/topics/pc-noack/messages?group=noack&noAck");
        JsonObject b = next("/topics/pc-noack/messages?group=noack&noAck");
        assertThat(List.of(text(a, "value"), text(b, "value"))).containsExactly("m0", "m1");
        assertThat(pixy.get("/topics/pc-noack/messages?group=noack&noAck").status())
                .as("both are out: nothing to offer")
                .isEqualTo(408);
        assertThat(totalLag(offsets("", "pc-noack", "noack"))).as("nothing acked").isEqualTo(2);
        for (JsonObject m : List.of(a, b)) {
            Http.Response r =
                    pixy.post(
                            "/topics/pc-noack/acks?group=noack&partition="
                                    + m.getInteger("partition")
                                    + "&offset="
                                    + m.getLong("offset"),
                            "");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{}");
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .untilAsserted(
                        () -> assertThat(totalLag(offsets("", "pc-noack", "noack"))).isZero());
    }

    @Test
    void aLongPollWithNothingToGet_is408WithKafkaPixysError_afterTheLongPollTimeout() {
        kafka.createTopic("pc-empty", 1);
        long start = System.nanoTime();
        Http.Response r = pixy.get("/topics/pc-empty/messages?group=empty");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.status()).as(r.toString()).isEqualTo(408);
        assertThat(r.json().getString("error")).startsWith("long polling timeout");
        assertThat(ms).as("consume.long-poll-timeout-ms 1500").isBetween(1_400L, 10_000L);
    }

    @Test
    void tooManyWaiting_is429_andTheWaitingOneGetsItsMessageUnderTheClusterPrefix() {
        kafka.createTopic("pc-wait", 1);
        CompletableFuture<Http.Response> waiting =
                pixy.getAsync("/clusters/slow/topics/pc-wait/messages?group=w1");
        ConsumeCluster slow = gateway.consumeService().cluster("slow");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> slow.waiting.get() == 1);
        Http.Response refused = pixy.get("/clusters/slow/topics/pc-wait/messages?group=w2");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.json().getString("error")).contains("consume.max-waiting");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        produce("/clusters/slow", "pc-wait", 1);
        Http.Response got = waiting.join();
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(text(got.json(), "value")).isEqualTo("m0");
    }

    @Test
    void aClientThatDisconnectsMidLongPoll_losesNothing_theNextRequestGetsTheMessage()
            throws Exception {
        kafka.createTopic("pc-gone", 1);
        ConsumeCluster slow = gateway.consumeService().cluster("slow");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.kafkaPixyPort()), 5000);
            s.getOutputStream()
                    .write(
                            ("GET /clusters/slow/topics/pc-gone/messages?group=gone HTTP/1.1\r\n"
                                            + "Host: x\r\n\r\n")
                                    .getBytes(UTF_8));
            s.getOutputStream().flush();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> slow.waiting.get() == 1);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .alias("the poll is cancelled when the client goes, not at its 20 s timeout")
                .until(() -> slow.waiting.get() == 0);
        produce("/clusters/slow", "pc-gone", 1);
        Http.Response r = pixy.get("/clusters/slow/topics/pc-gone/messages?group=gone");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(text(r.json(), "value")).isEqualTo("m0");
    }

    @Test
    void badConsumeParameters_are400_andHeadIsNotAConsume() {
        kafka.createTopic("pc-bad", 1);
        Http.Response noGroup = pixy.get("/topics/pc-bad/messages");
        assertThat(noGroup.status()).as(noGroup.toString()).isEqualTo(400);
        assertThat(noGroup.json().getString("error")).contains("group");
        assertThat(pixy.get("/topics/pc-bad/messages?group=a&group=b").json().getString("error"))
                .isEqualTo("one consumer group is expected, but 2 provided");
        Http.Response half = pixy.get("/topics/pc-bad/messages?group=a&ackPartition=0");
        assertThat(half.status()).isEqualTo(400);
        assertThat(half.json().getString("error")).contains("both");
        Http.Response bad = pixy.get("/topics/pc-bad/messages?group=a&ackPartition=x&ackOffset=1");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().getString("error")).contains("bad ackPartition: 'x'");
        assertThat(pixy.get("/clusters/nope/topics/pc-bad/messages?group=a").status())
                .isEqualTo(400);
        assertThat(pixy.get("/topics/pc-no-such-topic/messages?group=a").status()).isEqualTo(404);
        Http.Response head =
                pixy.send(
                        pixy.request("/topics/pc-bad/messages?group=a")
                                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                                .build());
        assertThat(head.status()).isEqualTo(405);
    }

    // ---- POST /topics/{t}/acks -----------------------------------------------------------------

    @Test
    void anAckThisInstanceCannotTake_isA409SayingWhy() {
        kafka.createTopic("pc-ack", 1);
        Http.Response notHere =
                pixy.post("/topics/pc-ack/acks?group=never-consumed&partition=0&offset=0", "");
        assertThat(notHere.status()).as(notHere.toString()).isEqualTo(409);
        assertThat(notHere.json().getString("error"))
                .contains("does not consume group 'never-consumed'");
        produce("", "pc-ack", 1);
        JsonObject m = next("/topics/pc-ack/messages?group=acker&noAck");
        Http.Response never =
                pixy.post(
                        "/topics/pc-ack/acks?group=acker&partition=0&offset="
                                + (m.getLong("offset") + 1000),
                        "");
        assertThat(never.status()).as(never.toString()).isEqualTo(409);
        assertThat(never.json().getString("error")).contains("was not offered");
        // a form body's fields count, as Go's r.Form
        Http.Response form =
                pixy.post(
                        "/topics/pc-ack/acks",
                        "group=acker&partition=0&offset=" + m.getLong("offset"),
                        "Content-Type",
                        "application/x-www-form-urlencoded");
        assertThat(form.status()).as(form.toString()).isEqualTo(200);
        Http.Response missing = pixy.post("/topics/pc-ack/acks?group=acker&partition=0", "");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().getString("error")).contains("partition and offset");
    }

    // ---- offsets and consumers -----------------------------------------------------------------

    @Test
    void setOffsets_ofAGroupWithoutMembers_thenConsumingStartsThere() {
        kafka.createTopic("pc-offsets", 1);
        produce("", "pc-offsets", 5);
        Http.Response set =
                pixy.post(
                        "/clusters/default/topics/pc-offsets/offsets?group=moved",
                        "[{\"partition\":0,\"offset\":3,\"metadata\":\"\",\"lag\":99}]");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.body()).isEqualTo("{}");
        JsonObject o = offsets("/clusters/default", "pc-offsets", "moved").getJsonObject(0);
        assertThat(o.getLong("offset")).isEqualTo(3);
        assertThat(o.getLong("lag")).isEqualTo(2);
        assertThat(o.getLong("end")).isEqualTo(5);
        assertThat(o.containsKey("metadata")).as("empty: left out, as kafka-pixy").isFalse();
        List<JsonObject> got = consumeAndAck("/topics/pc-offsets/messages?group=moved", 2);
        assertThat(got).extracting(m -> text(m, "value")).containsExactly("m3", "m4");
        Http.Response whileConsumed =
                pixy.post(
                        "/topics/pc-offsets/offsets?group=moved",
                        "[{\"partition\":0,\"offset\":0}]");
        assertThat(whileConsumed.status()).as(whileConsumed.toString()).isEqualTo(409);
        assertThat(whileConsumed.json().getString("error")).contains("no members");
        Http.Response noOffset =
                pixy.post("/topics/pc-offsets/offsets?group=other", "[{\"partition\":0}]");
        assertThat(noOffset.status()).isEqualTo(400);
        assertThat(noOffset.json().getString("error")).contains("entry 0: offset is missing");
        assertThat(pixy.post("/topics/pc-offsets/offsets?group=other", "{").status())
                .isEqualTo(400);
        assertThat(pixy.get("/topics/pc-no-such-topic/offsets?group=g").status()).isEqualTo(404);
    }

    @Test
    void consumers_listsThisInstancesMemberAndItsPartitions() {
        kafka.createTopic("pc-members", 2);
        produce("", "pc-members", 2);
        next("/topics/pc-members/messages?group=members");
        String memberId =
                gateway.consumeService()
                        .cluster(null)
                        .groups()
                        .get("members")
                        .consumer
                        .member()
                        .memberId();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> {
                            Http.Response all = pixy.get("/topics/pc-members/consumers");
                            assertThat(all.status()).as(all.toString()).isEqualTo(200);
                            JsonObject members = all.json().getJsonObject("members");
                            assertThat(members).as(all.toString()).isNotNull();
                            assertThat(members.fieldNames()).hasSize(1);
                            String key = members.fieldNames().iterator().next();
                            assertThat(key).endsWith("/" + memberId);
                            assertThat(members.getJsonArray(key)).containsExactly(0, 1);
                        });
        Http.Response one = pixy.get("/clusters/default/topics/pc-members/consumers?group=members");
        assertThat(one.json().fieldNames()).containsExactly("members");
        assertThat(pixy.get("/topics/pc-members/consumers?group=nobody").body()).isEqualTo("{}");
    }
}
