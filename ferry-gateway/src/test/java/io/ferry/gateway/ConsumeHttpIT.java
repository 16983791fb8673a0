package io.ferry.gateway;

import static io.ferry.gateway.ConsumeCalls.SECOND;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ferry's HTTP consume API end to end (issue 14): the real gateway in front of a real in-process
 * Kafka, records produced through the gateway's own POST; take in every format, acknowledge by
 * offset and by range, release, long polls, offsets, a second cluster.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsumeHttpIT {
    /** Groups start at the earliest offset: the records are produced before they join. */
    static final ConsumeConfig MAIN =
            new ConsumeConfig(10_000, 300, -1, 200, true, 1_000, 10_000, 100, 500, 30_000);

    private static InProcessKafka kafka;
    private static ConsumeCalls calls;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        for (String t : List.of("rt", "lp", "rel", "two", "set", "grp")) {
            kafka.createTopic(t, t.equals("rt") || t.equals("grp") ? 3 : 1);
        }
        calls = ConsumeCalls.start(kafka, MAIN, MAIN);
    }

    @AfterAll
    static void stop() {
        if (calls != null) {
            calls.stop();
        }
    }

    private static final int N = 30;

    /** Record i: a JSON value, a text value or bytes that are not UTF-8, by i % 3. */
    private static String records() {
        JsonArray a = new JsonArray();
        for (int i = 0; i < N; i++) {
            JsonObject r =
                    new JsonObject()
                            .put("key", "k" + i)
                            .put("headers", new JsonObject().put("h", "v" + i));
            switch (i % 3) {
                case 0 -> r.put("value", new JsonObject().put("n", i));
                case 1 -> r.put("value", "text-" + i).put("valueEncoding", "string");
                default -> r.put("value", b64(bytes(i))).put("valueEncoding", "base64");
            }
            a.add(r);
        }
        return a.encode();
    }

    private static byte[] bytes(int i) {
        return new byte[] {(byte) 0xff, (byte) i};
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /** The value of record i as {@code format} writes it, and the valueEncoding beside it. */
    private static void assertValue(JsonObject m, int i, String format) {
        String json = "{\"n\":" + i + "}";
        Object v = m.getValue("value");
        String enc = m.getString("valueEncoding");
        switch (format + (i % 3)) {
            case "json0" -> {
                assertThat(v).isEqualTo(new JsonObject().put("n", i));
                assertThat(enc).isNull();
            }
            case "json1", "string1" -> {
                assertThat(v).isEqualTo("text-" + i);
                assertThat(enc).isEqualTo(format.equals("json") ? "string" : null);
            }
            case "json2", "string2" -> {
                assertThat(v).isEqualTo(b64(bytes(i)));
                assertThat(enc).isEqualTo("base64");
            }
            case "string0" -> {
                assertThat(v).isEqualTo(json);
                assertThat(enc).isNull();
            }
            default -> {
                byte[] want =
                        i % 3 == 0
                                ? json.getBytes(UTF_8)
                                : i % 3 == 1 ? ("text-" + i).getBytes(UTF_8) : bytes(i);
                assertThat(Base64.getDecoder().decode((String) v)).isEqualTo(want);
                assertThat(enc).isNull();
            }
        }
    }

    @Test
    void roundTrip_everyRecordOnce_inEachFormat_ackedByListsAndRanges_thenNoLag() {
        calls.produce("default", "rt", records());
        for (String format : List.of("json", "string", "base64")) {
            String group = "rt-" + format;
            Set<String> seen = new HashSet<>();
            int acknowledged = 0;
            int batch = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.size() < N && System.nanoTime() < deadline) {
                JsonArray got =
                        calls.take("default", "rt", group, "max=7&wait=1000&format=" + format);
                assertThat(got.size()).isLessThanOrEqualTo(7);
                if (got.isEmpty()) {
                    continue;
                }
                Map<Integer, long[]> ranges = new TreeMap<>();
                JsonArray singles = new JsonArray();
                for (int k = 0; k < got.size(); k++) {
                    JsonObject m = got.getJsonObject(k);
                    int p = m.getInteger("partition");
                    long o = m.getLong("offset");
                    assertThat(seen.add(p + ":" + o)).as("once: %s", m).isTrue();
                    assertThat(m.getString("topic")).isEqualTo("rt");
                    assertThat(m.getInteger("deliveryCount")).isEqualTo(1);
                    assertThat(m.getLong("timestamp")).isPositive();
                    String key = m.getString("key");
                    int i =
                            Integer.parseInt(
                                    format.equals("base64")
                                            ? new String(Base64.getDecoder().decode(key), UTF_8)
                                                    .substring(1)
                                            : key.substring(1));
                    assertValue(m, i, format);
                    JsonArray headers = m.getJsonArray("headers");
                    assertThat(headers.size()).isEqualTo(1);
                    assertThat(headers.getJsonObject(0).getString("key")).isEqualTo("h");
                    String hv = headers.getJsonObject(0).getString("value");
                    assertThat(
                                    format.equals("base64")
                                            ? new String(Base64.getDecoder().decode(hv), UTF_8)
                                            : hv)
                            .isEqualTo("v" + i);
                    singles.add(new JsonObject().put("partition", p).put("offset", o));
                    ranges.merge(
                            p,
                            new long[] {o, o + 1},
                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                }
                JsonArray body = singles;
                boolean listed = batch++ % 2 == 0;
                if (!listed) { // every other batch as ranges, one per partition
                    body = new JsonArray();
                    for (Map.Entry<Integer, long[]> e : ranges.entrySet()) {
                        body.add(
                                new JsonObject()
                                        .put("partition", e.getKey())
                                        .put("from", e.getValue()[0])
                                        .put("to", e.getValue()[1]));
                    }
                }
                Http.Response r = calls.post("default", "rt", "acks", group, body.encode());
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                assertThat(r.json().getInteger("failed")).isZero();
                assertThat(r.json().getString("group")).isEqualTo(group);
                if (listed) { // the whole answer, byte for byte: one result per item
                    StringBuilder each = new StringBuilder();
                    for (int i = 0; i < singles.size(); i++) {
                        each.append(i == 0 ? "" : ",").append("{\"acknowledged\":1}");
                    }
                    assertThat(r.body())
                            .isEqualTo(
                                    "{\"topic\":\"rt\",\"group\":\""
                                            + group
                                            + "\",\"acknowledged\":"
                                            + singles.size()
                                            + ",\"failed\":0,\"results\":["
                                            + each
                                            + "]}");
                }
                acknowledged += r.json().getInteger("acknowledged");
            }
            assertThat(seen).as(format).hasSize(N);
            assertThat(acknowledged).as("each settled once, by one ack").isEqualTo(N);
            assertThat(calls.take("default", "rt", group, "wait=300").size())
                    .as("nothing more")
                    .isZero();
            calls.awaitCommittedToEnd("default", "rt", group);
        }
        assertThat(calls.http.get("/metrics").body())
                .as("takes timed apart from produce batches")
                .contains(
                        "ferry_http_requests_seconds_count{route=\"GET /topics/:topic/records\",status=\"200\"}",
                        "ferry_http_requests_seconds_count{route=\"/topics/:topic/acks\",status=\"200\"}",
                        "ferry_http_requests_seconds_count{route=\"/topics/:topic/records\",status=\"200\"}");
    }

    @Test
    void longPoll_waits_thenAnswersWhatIsProducedMeanwhile_andEmptyAtItsWait() throws Exception {
        calls.join("default", "lp", "lp-g", 1);
        long start = System.nanoTime();
        CompletableFuture<Http.Response> waiting =
                calls.http.getAsync(
                        ConsumeCalls.takePath("default", "lp", "lp-g", "wait=8000&format=string"));
        calls.awaitWaiting("default", 1);
        assertThat(waiting).as("nothing yet: it waits").isNotDone();
        calls.produce("default", "lp", "[{\"value\":\"meanwhile\",\"valueEncoding\":\"string\"}]");
        Http.Response r = waiting.get(10, TimeUnit.SECONDS);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonArray got = new JsonArray(r.body());
        assertThat(got.size()).isEqualTo(1);
        assertThat(got.getJsonObject(0).getString("value")).isEqualTo("meanwhile");
        assertThat(tookMs).as("answered when the message came, not at the wait").isLessThan(7_000);
        calls.ackEach("default", "lp", "lp-g", List.of(got.getJsonObject(0)));

        long before = System.nanoTime();
        JsonArray none = calls.take("default", "lp", "lp-g", "wait=1500");
        long emptyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        assertThat(none.size()).as("200 [] when nothing came").isZero();
        assertThat(emptyMs).as("at about the wait").isBetween(1_400L, 5_000L);
        assertThat(calls.cluster("default").waiting.get()).isZero();
    }

    @Test
    void groups_listTheTopicsGroupsFromKafka_withThisGatewaysMemberAndItsPartitions() {
        calls.join("default", "grp", "grp-a", 3);
        calls.join("default", "grp", "grp-b", 3);
        Http http = new Http(calls.port());
        Http.Response all = http.get("/topics/grp/groups");
        assertThat(all.status()).as(all.toString()).isEqualTo(200);
        JsonObject groups = all.json().getJsonObject("groups");
        assertThat(groups.fieldNames()).containsExactlyInAnyOrder("grp-a", "grp-b");
        JsonObject a = groups.getJsonObject("grp-a");
        assertThat(a.fieldNames()).singleElement().asString().contains("/");
        assertThat(a.getJsonArray(a.fieldNames().iterator().next()).encode()).isEqualTo("[0,1,2]");
        Http.Response one = http.get("/topics/grp/groups?group=grp-b");
        assertThat(one.json().getJsonObject("groups").fieldNames()).containsExactly("grp-b");
        Http.Response none = http.get("/topics/grp/groups?group=nobody");
        assertThat(none.json().getJsonObject("groups").isEmpty()).isTrue();
        Http.Response missing = http.get("/topics/no-such-topic-here/groups");
        assertThat(missing.status()).as(missing.toString()).isEqualTo(404);
        Http.Response typo = http.get("/topics/grp/groups?grup=x");
        assertThat(typo.status()).as(typo.toString()).isEqualTo(400);
    }

    @Test
    void release_offersTheMessageAgain_withDeliveryCount2_thenAnAckSettlesIt() {
        calls.produce("default", "rel", "[{\"value\":\"again\",\"valueEncoding\":\"string\"}]");
        JsonObject first = calls.takeAll("default", "rel", "rel-g", 1, "format=string").get(0);
        assertThat(first.getInteger("deliveryCount")).isEqualTo(1);
        String item = "[{\"partition\":0,\"offset\":" + first.getLong("offset") + "}]";
        Http.Response released = calls.post("default", "rel", "releases", "rel-g", item);
        assertThat(released.status()).as(released.toString()).isEqualTo(200);
        assertThat(released.json().getInteger("released")).isEqualTo(1);
        assertThat(released.json().getJsonArray("results").getJsonObject(0).getString("outcome"))
                .isEqualTo("released");

        JsonObject again = calls.takeAll("default", "rel", "rel-g", 1, "format=string").get(0);
        assertThat(again.getLong("offset")).isEqualTo(first.getLong("offset"));
        assertThat(again.getString("value")).isEqualTo("again");
        assertThat(again.getInteger("deliveryCount")).isEqualTo(2);
        calls.ackEach("default", "rel", "rel-g", List.of(again));

        Http.Response late = calls.post("default", "rel", "releases", "rel-g", item);
        assertThat(late.status()).as(late.toString()).isEqualTo(409);
        assertThat(late.json().getJsonObject("error").getString("code")).isEqualTo("never_offered");
        assertThat(late.json().getJsonObject("error").getString("message"))
                .contains("acknowledged already");
        calls.awaitCommittedToEnd("default", "rel", "rel-g");
    }

    @Test
    void aSecondCluster_isConsumedUnderItsPrefix_itsGroupsNotTheDefaultClusters() {
        calls.produce(SECOND, "two", "[{\"value\":\"in-two\",\"valueEncoding\":\"string\"}]");
        List<JsonObject> got = calls.takeAll(SECOND, "two", "two-g", 1, "format=string");
        assertThat(got.get(0).getString("value")).isEqualTo("in-two");
        assertThat(calls.cluster(SECOND).group("two-g")).isNotNull();
        assertThat(calls.cluster("default").group("two-g")).isNull();

        String item = "[{\"partition\":0,\"offset\":" + got.get(0).getLong("offset") + "}]";
        Http.Response elsewhere = calls.post("default", "two", "acks", "two-g", item);
        assertThat(elsewhere.status()).as(elsewhere.toString()).isEqualTo(409);
        assertThat(elsewhere.json().getJsonObject("error").getString("code"))
                .isEqualTo("not_consumed_here");
        calls.ackEach(SECOND, "two", "two-g", got);
        calls.awaitCommittedToEnd(SECOND, "two", "two-g");
    }

    @Test
    void setOffsets_forAGroupNotConsumedHere_showsInItsOffsets_andHeadAnswersWithoutABody() {
        calls.produce(
                "default", "set", "[{\"value\":1},{\"value\":2},{\"value\":3},{\"value\":4}]");
        Http.Response set =
                calls.post(
                        "default",
                        "set",
                        "offsets",
                        "set-g",
                        "[{\"partition\":0,\"offset\":1,\"metadata\":\"by-test\"}]");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().getInteger("set")).isEqualTo(1);
        JsonObject p = calls.offsets("default", "set", "set-g").getJsonObject(0);
        assertThat(p.getInteger("partition")).isZero();
        assertThat(p.getLong("offset")).isEqualTo(1);
        assertThat(p.getString("metadata")).isEqualTo("by-test");
        assertThat(p.getLong("begin")).isZero();
        assertThat(p.getLong("end")).isEqualTo(4);
        assertThat(p.getLong("count")).isEqualTo(4);
        assertThat(p.getLong("lag")).isEqualTo(3);
        assertThat(p.getString("sparseAcks")).isEmpty();

        // the group starts where it was set: the first message taken is offset 1
        List<JsonObject> got = calls.takeAll("default", "set", "set-g", 3, "max=3&format=json");
        List<Long> offsets = new ArrayList<>();
        got.forEach(m -> offsets.add(m.getLong("offset")));
        assertThat(offsets).containsExactly(1L, 2L, 3L);
        assertThat(got.get(0).getInteger("value")).isEqualTo(2);

        Http.Response head =
                calls.http.send(
                        calls.http
                                .request("/topics/set/offsets?group=set-g")
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .build());
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }
}
