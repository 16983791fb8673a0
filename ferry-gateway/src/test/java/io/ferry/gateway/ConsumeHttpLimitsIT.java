package io.ferry.gateway;

import static io.ferry.gateway.ConsumeCalls.SECOND;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's HTTP consume API refusing bad input and holding its limits (issue 14, "Bad input and
 * limits"), on the real gateway and a real in-process Kafka: each refusal with its status, code and
 * a message saying why; too many waiting long polls; clients that go away mid-long-poll.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeHttpLimitsIT {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumeHttpLimitsIT.class);

    /** The second cluster: 2 long polls at most, a short ack timeout (the race test). */
    static final ConsumeConfig SMALL =
            new ConsumeConfig(3_000, 300, -1, 200, true, 1_000, 10_000, 2, 500, 30_000);

    private static InProcessKafka kafka;
    private static ConsumeCalls calls;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        for (String t : List.of("bad", "lim", "gone", "race")) {
            kafka.createTopic(t, 1);
        }
        calls = ConsumeCalls.start(kafka, ConsumeHttpIT.MAIN, SMALL);
    }

    @AfterAll
    static void stop() {
        if (calls != null) {
            calls.stop();
        }
    }

    private static void refused(Http.Response r, int status, String code, String... says) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).as(r.toString()).isEqualTo(code);
        assertThat(e.getInteger("status")).isEqualTo(status);
        assertThat(e.getString("message")).as(r.toString()).contains(says);
    }

    private static Http.Response get(String path) {
        return calls.http.get(path);
    }

    @Test
    void badParameters_areRefusedWith400_namingWhatIsWrong() {
        refused(get("/topics/bad/records"), 400, "invalid_request", "group=");
        refused(get("/topics/bad/records?group=g&maxx=2"), 400, "unknown_parameter", "'maxx'");
        refused(get("/topics/bad/records?group=g&timeout=5"), 400, "unknown_parameter", "wait");
        refused(get("/topics/bad/records?group=g&group=h"), 400, "repeated_parameter", "'group'");
        refused(get("/topics/bad/records?group=g&max=0"), 400, "invalid_request", "1..500");
        refused(get("/topics/bad/records?group=g&max=501"), 400, "invalid_request", "1..500");
        refused(get("/topics/bad/records?group=g&max=-1"), 400, "invalid_request", "max is '-1'");
        refused(
                get("/topics/bad/records?group=g&wait=10001"),
                400,
                "invalid_request",
                "consume.max-wait-ms");
        refused(get("/topics/bad/records?group=g&wait=5s"), 400, "invalid_request", "milliseconds");
        refused(get("/topics/bad/records?group=g&format=xml"), 400, "invalid_encoding", "json");
        refused(get("/topics/bad/records?group=a%20b"), 400, "invalid_group", "'a b'");
        refused(get("/topics/bad/offsets"), 400, "invalid_request", "group=");
    }

    @Test
    void unknownTopicAndCluster_are404() {
        refused(get("/topics/nosuch/records?group=g&wait=0"), 404, "topic_not_found", "'nosuch'");
        refused(get("/clusters/x/topics/bad/records?group=g"), 404, "unknown_cluster", "'x'");
        refused(
                calls.http.post("/clusters/x/topics/bad/acks?group=g", "[]"),
                404,
                "unknown_cluster",
                "'x'");
    }

    @Test
    void head_isNotAnsweredOnTake_itWouldDropMessages() {
        Http.Response r =
                calls.http.send(
                        calls.http
                                .request("/topics/bad/records?group=g")
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .build());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET, POST");
        assertThat(
                        calls.http
                                .send(
                                        calls.http
                                                .request("/topics/bad/offsets?group=g")
                                                .method("PUT", HttpRequest.BodyPublishers.noBody())
                                                .build())
                                .header("Allow"))
                .isEqualTo("GET, HEAD, POST");
    }

    @Test
    void acks_refusedWithTheReason_groupNotHere_neverOffered_badBody_emptyRange() {
        String one = "[{\"partition\":0,\"offset\":0}]";
        refused(
                calls.post("default", "bad", "acks", "not-here", one),
                409,
                "not_consumed_here",
                "does not consume group 'not-here'",
                "acknowledge at the instance that offered");
        refused(
                calls.post("default", "bad", "releases", "not-here", one),
                409,
                "not_consumed_here",
                "does not consume group 'not-here'");

        calls.join("default", "bad", "bad-g", 1);
        refused(
                calls.post(
                        "default", "bad", "acks", "bad-g", "[{\"partition\":0,\"partition\":0}]"),
                400,
                "invalid_body",
                "the key 'partition' appears twice");
        Http.Response never =
                calls.post("default", "bad", "acks", "bad-g", "[{\"partition\":0,\"offset\":999}]");
        refused(never, 409, "never_offered", "offset 999", "was not offered to group 'bad-g'");
        assertThat(never.json().getInteger("failed")).isEqualTo(1);
        assertThat(never.json().getJsonArray("results").getJsonObject(0).getJsonObject("error"))
                .isNotNull();
        refused(
                calls.post(
                        "default",
                        "bad",
                        "acks",
                        "bad-g",
                        "[{\"partition\":0,\"from\":5,\"to\":5}]"),
                400,
                "invalid_request",
                "is empty");
        Http.Response notOwned =
                calls.post("default", "bad", "acks", "bad-g", "[{\"partition\":7,\"offset\":1}]");
        refused(notOwned, 409, "not_owned", "partition 7");

        // a mix: one settled, one never offered: 207 with each result
        calls.produce("default", "bad", "[{\"value\":1}]");
        JsonObject m = calls.takeAll("default", "bad", "bad-g", 1, "").get(0);
        Http.Response mixed =
                calls.post(
                        "default",
                        "bad",
                        "acks",
                        "bad-g",
                        "[{\"partition\":0,\"offset\":"
                                + m.getLong("offset")
                                + "},{\"partition\":0,\"offset\":999}]");
        assertThat(mixed.status()).as(mixed.toString()).isEqualTo(207);
        JsonArray results = mixed.json().getJsonArray("results");
        assertThat(results.getJsonObject(0).getInteger("acknowledged")).isEqualTo(1);
        assertThat(results.getJsonObject(1).getJsonObject("error").getString("code"))
                .isEqualTo("never_offered");
        assertThat(mixed.json().getInteger("acknowledged")).isEqualTo(1);
    }

    @Test
    void tooManyWaitingLongPolls_theNextGets429_anImmediateTakeStillServed() throws Exception {
        calls.join(SECOND, "lim", "lim-g", 1);
        String path = ConsumeCalls.takePath(SECOND, "lim", "lim-g", "wait=4000");
        CompletableFuture<Http.Response> a = calls.http.getAsync(path);
        CompletableFuture<Http.Response> b = calls.http.getAsync(path);
        calls.awaitWaiting(SECOND, 2);
        Http.Response third = get(path);
        refused(third, 429, "too_many_waiting", "consume.max-waiting", "retry later");
        assertThat(third.header("Retry-After")).isEqualTo("1");
        assertThat(calls.take(SECOND, "lim", "lim-g", "wait=0").size())
                .as("a take that does not wait is never refused for the number waiting")
                .isZero();
        assertThat(a.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(b.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        calls.awaitWaiting(SECOND, 0);
        assertThat(calls.take(SECOND, "lim", "lim-g", "wait=100").size())
                .as("served again once they answered")
                .isZero();
    }

    /** Sends a take and returns the socket, the request written, the answer not read. */
    private static Socket send(String path) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", calls.gateway.port()), 5000);
        s.getOutputStream()
                .write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void aClientGoneMidLongPoll_takesNothing_theNextTakeGetsTheMessageAsAFirstDelivery()
            throws Exception {
        calls.join("default", "gone", "gone-g", 1);
        Socket s = send(ConsumeCalls.takePath("default", "gone", "gone-g", "wait=9000"));
        calls.awaitWaiting("default", 1);
        s.close();
        calls.awaitWaiting("default", 0); // the gateway saw it go: its long poll is cancelled
        calls.produce("default", "gone", "[{\"value\":\"kept\",\"valueEncoding\":\"string\"}]");
        JsonObject m = calls.takeAll("default", "gone", "gone-g", 1, "format=string").get(0);
        assertThat(m.getString("value")).isEqualTo("kept");
        assertThat(m.getInteger("deliveryCount"))
                .as("not counted as delivered to the client that went away")
                .isEqualTo(1);
        calls.ackEach("default", "gone", "gone-g", List.of(m));
    }

    @Test
    void aClientGoneAsTheMessageArrives_losesNothing_itIsGivenBackOrRedelivered() throws Exception {
        calls.join(SECOND, "race", "race-g", 1);
        int givenBack = 0;
        for (int i = 0; i < 3; i++) {
            Socket s = send(ConsumeCalls.takePath(SECOND, "race", "race-g", "wait=9000"));
            calls.awaitWaiting(SECOND, 1);
            CompletableFuture<Http.Response> produced =
                    calls.http.postAsync(
                            ConsumeCalls.prefix(SECOND) + "/topics/race/records?ack=kafka",
                            "{\"records\":[{\"value\":\"r"
                                    + i
                                    + "\",\"valueEncoding\":\"string\"}]}");
            s.close(); // as the message arrives: before, or after its answer was written
            assertThat(produced.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            // given back: at once, a first delivery; written to the closed socket: after the
            // ack timeout (3 s), a second
            JsonObject m = calls.takeAll(SECOND, "race", "race-g", 1, "format=string").get(0);
            assertThat(m.getString("value")).isEqualTo("r" + i);
            assertThat(m.getInteger("deliveryCount")).isBetween(1, 2);
            if (m.getInteger("deliveryCount") == 1) {
                givenBack++;
            }
            calls.ackEach(SECOND, "race", "race-g", List.of(m));
        }
        LOG.info("race: {} of 3 given back at once, the rest redelivered", givenBack);
        calls.awaitCommittedToEnd(SECOND, "race", "race-g");
    }
}
