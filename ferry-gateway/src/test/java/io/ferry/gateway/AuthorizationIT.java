package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ferry.gateway.grpc.v1.GetOffsetsRequest;
import io.ferry.gateway.grpc.v1.GetOffsetsResponse;
import io.ferry.gateway.grpc.v1.ListTopicsRequest;
import io.ferry.gateway.grpc.v1.ListTopicsResponse;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mailgun.kafkapixy.ConsNAckRq;
import mailgun.kafkapixy.ConsRs;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 15, authorization end to end: a real gateway authenticating API keys from a file, its
 * authorization rules, real Kafka. Produce to a topic the principal may not write (403 naming
 * produce and the topic, nothing reaches Kafka, the same answer for a missing topic), consume
 * authorization of the topic and the group, filtered lists, gRPC PERMISSION_DENIED, the audit line
 * and the refusal counter.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AuthorizationIT {
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final String ALICE_KEY = ApiKeyFile.newKey(RANDOM);
    private static final String BILLING_KEY = ApiKeyFile.newKey(RANDOM);
    private static final String OPS_KEY = ApiKeyFile.newKey(RANDOM);

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;
    private static Http pixy;
    private static GrpcCalls grpc;
    private static final ListAppender<ILoggingEvent> audit = new ListAppender<>();

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("orders", 1);
        kafka.createTopic("payments", 1);
        kafka.createTopic("billed", 1);
        Path keys = dir.resolve("api-keys.txt");
        Files.write(
                keys,
                List.of(
                        ApiKeyFile.line("alice", ALICE_KEY, List.of()),
                        ApiKeyFile.line("billing", BILLING_KEY, List.of()),
                        ApiKeyFile.line("olga", OPS_KEY, List.of("ops"))));
        String yaml =
                """
                gateway:
                  host: 127.0.0.1
                  port: 0
                  grpc: { port: 0 }
                  kafka-pixy: { enabled: true, port: 0 }
                  security:
                    api:
                      authentication:
                        methods: [api-key]
                        api-keys: { file: "%1$s" }
                      authorization:
                        rules:
                          - principals: [alice]
                            produce: [orders]
                          - principals: [billing]
                            consume: [billed]
                            consumer-groups: ["billing-*"]
                          - principal-groups: [ops]
                            describe: ["*"]
                      audit: { lines-per-second: 100 }
                    kafka-pixy:
                      authentication:
                        methods: [api-key]
                        api-keys: { file: "%1$s" }
                      authorization:
                        rules:
                          - principals: [alice]
                            produce: [payments]
                clusters:
                  default:
                    kafka: { bootstrap.servers: "%2$s", linger.ms: 1 }
                    broker: { type: memory, events: 4096 }
                    consume: { auto-offset-reset: earliest }
                """
                        .formatted(keys, kafka.bootstrap());
        audit.start();
        ((Logger) LoggerFactory.getLogger(RefusalAudit.LOGGER)).addAppender(audit);
        gateway = Gateway.start(GatewayConfig.parse(yaml));
        http = new Http(gateway.port());
        pixy = new Http(gateway.kafkaPixyPort());
        grpc = new GrpcCalls(gateway.grpcPort());
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(RefusalAudit.LOGGER)).detachAppender(audit);
        if (grpc != null) {
            grpc.close();
        }
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static Http.Response post(String key, String path, String body) {
        return http.post(path, body, "X-API-Key", key);
    }

    private static Http.Response get(String key, String path) {
        HttpRequest r = http.request(path).header("X-API-Key", key).GET().build();
        return http.send(r);
    }

    private static List<String> topics(Http.Response r) {
        return r.json().getJsonArray("topics").stream().map(String::valueOf).toList();
    }

    private static String message(Http.Response r) {
        return r.json().getJsonObject("error").getString("message");
    }

    @Test
    void produce_toATopicItMayNotWrite_is403NamingProduceAndTheTopic_andNothingReachesKafka() {
        Http.Response ok = post(ALICE_KEY, "/topics/orders/messages?ack=kafka", "allowed");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        Http.Response refused = post(ALICE_KEY, "/topics/payments/messages?ack=kafka", "secret");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.json().getJsonObject("error").getString("code"))
                .isEqualTo("not_authorized");
        assertThat(message(refused))
                .isEqualTo(
                        "principal 'alice' may not produce to topic 'payments' of cluster"
                                + " 'default'");
        // ack=none would be accepted at once were it let in: refused the same, before the broker
        assertThat(post(ALICE_KEY, "/topics/payments/messages?ack=none", "fire").status())
                .isEqualTo(403);
        // the allowed record arrived: had the refused ones been let in, they would have too
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> kafka.readAll("orders", 1).size() >= 1);
        assertThat(kafka.readAll("payments", 1)).as("nothing reached Kafka").isEmpty();
        assertThat(gateway.bufferedEvents()).isZero();
    }

    @Test
    void aMissingTopic_getsTheSameAnswerAsAnExistingOneItMayNotWrite() {
        Http.Response existing = post(ALICE_KEY, "/topics/payments/messages", "x");
        Http.Response missing = post(ALICE_KEY, "/topics/no-such-topic/messages", "x");
        assertThat(missing.status()).isEqualTo(existing.status()).isEqualTo(403);
        assertThat(message(missing))
                .isEqualTo(message(existing).replace("'payments'", "'no-such-topic'"));
        Http.Response describeMissing = get(ALICE_KEY, "/topics/no-such-topic");
        Http.Response describeExisting = get(ALICE_KEY, "/topics/payments");
        assertThat(describeMissing.status()).isEqualTo(describeExisting.status()).isEqualTo(403);
        assertThat(message(describeExisting))
                .isEqualTo(
                        "principal 'alice' may not describe topic 'payments' of cluster 'default'");
    }

    @Test
    void consume_needsTheTopicAndTheGroup() throws Exception {
        assertThat(post(OPS_KEY, "/topics/billed/messages", "x").status())
                .as("ops may only describe")
                .isEqualTo(403);
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p =
                new org.apache.kafka.clients.producer.KafkaProducer<>(
                        kafka.clientSettings(),
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.StringSerializer())) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("billed", "invoice-1"))
                    .get(30, TimeUnit.SECONDS);
        }
        Http.Response group =
                get(BILLING_KEY, "/topics/billed/records?group=ops&wait=0&format=string");
        assertThat(group.status()).as(group.toString()).isEqualTo(403);
        assertThat(message(group))
                .isEqualTo(
                        "principal 'billing' may not consume in group 'ops' of cluster 'default'"
                                + " (topic 'billed')");
        Http.Response topic =
                get(BILLING_KEY, "/topics/orders/records?group=billing-1&wait=0&format=string");
        assertThat(topic.status()).isEqualTo(403);
        assertThat(message(topic)).contains("may not consume topic 'orders'");
        JsonArray got = new JsonArray();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> {
                            Http.Response r =
                                    get(
                                            BILLING_KEY,
                                            "/topics/billed/records?group=billing-1&wait=1000"
                                                    + "&format=string");
                            assertThat(r.status()).as(r.toString()).isEqualTo(200);
                            got.addAll(new JsonArray(r.body()));
                            return !got.isEmpty();
                        });
        assertThat(got.getJsonObject(0).getString("value")).isEqualTo("invoice-1");
    }

    @Test
    void listTopics_showsOnlyWhatThePrincipalMayDescribe() {
        Http.Response alice = get(ALICE_KEY, "/topics");
        assertThat(alice.status()).as(alice.toString()).isEqualTo(200);
        assertThat(topics(alice)).containsExactly("orders");
        Http.Response ops = get(OPS_KEY, "/topics");
        assertThat(topics(ops)).contains("orders", "payments", "billed");
        Http.Response billing = get(BILLING_KEY, "/topics/billed/groups");
        assertThat(billing.status()).as("consume lets describe").isEqualTo(200);
        assertThat(get(ALICE_KEY, "/topics/orders/groups").status()).isEqualTo(200);
        assertThat(get(ALICE_KEY, "/topics/payments/offsets?group=g").status()).isEqualTo(403);
    }

    @Test
    void grpc_refusals_arePermissionDenied_forProduceAndConsume() {
        ProduceRequest rq =
                ProduceRequest.newBuilder()
                        .setTopic("payments")
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setValue(ByteString.copyFrom("secret", UTF_8)))
                        .build();
        assertThatThrownBy(
                        () ->
                                unary(
                                        ALICE_KEY,
                                        "ferry.v1.Ferry/Produce",
                                        rq,
                                        ProduceResponse.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(GrpcCalls.errorCode(e)).isEqualTo("not_authorized");
                            assertThat(e.getStatus().getDescription())
                                    .isEqualTo(
                                            "principal 'alice' may not produce to topic"
                                                    + " 'payments' of cluster 'default'");
                        });
        ConsNAckRq consume =
                ConsNAckRq.newBuilder().setTopic("billed").setGroup("ops").setNoAck(true).build();
        assertThatThrownBy(
                        () ->
                                unary(
                                        BILLING_KEY,
                                        "KafkaPixy/ConsumeNAck",
                                        consume,
                                        ConsRs.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription())
                                    .contains("may not consume in group 'ops'");
                        });
        assertThat(kafka.readAll("payments", 1)).isEmpty();
    }

    @Test
    void grpc_listTopics_isFiltered_andGetOffsetsOfATopicItMayNotSee_isPermissionDenied() {
        ListTopicsResponse alice =
                unary(
                        ALICE_KEY,
                        "ferry.v1.Ferry/ListTopics",
                        ListTopicsRequest.getDefaultInstance(),
                        ListTopicsResponse.getDefaultInstance());
        assertThat(alice.getTopicsList()).containsExactly("orders");
        GetOffsetsRequest offsets =
                GetOffsetsRequest.newBuilder().setTopic("payments").setGroup("g").build();
        assertThatThrownBy(
                        () ->
                                unary(
                                        ALICE_KEY,
                                        "ferry.v1.Ferry/GetOffsets",
                                        offsets,
                                        GetOffsetsResponse.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription())
                                    .isEqualTo(
                                            "principal 'alice' may not describe topic 'payments'"
                                                    + " of cluster 'default'");
                        });
    }

    @Test
    void theKafkaPixyListener_hasRulesOfItsOwn() {
        Http.Response refused =
                pixy.post("/topics/orders/messages?sync", "x", "X-API-Key", ALICE_KEY);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.body())
                .contains(
                        "principal 'alice' may not produce to topic 'orders' of cluster 'default'");
        Http.Response list =
                pixy.send(pixy.request("/topics").header("X-API-Key", ALICE_KEY).GET().build());
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.body()).contains("payments").doesNotContain("orders");
    }

    @Test
    void aRefusal_isAuditedOnce_andCounted() {
        int before = audit.list.size();
        assertThat(post(ALICE_KEY, "/topics/audited/messages", "x").status()).isEqualTo(403);
        List<ILoggingEvent> lines =
                audit.list.subList(before, audit.list.size()).stream()
                        .filter(e -> e.getFormattedMessage().contains("topic=\"audited\""))
                        .toList();
        assertThat(lines)
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.getLevel()).isEqualTo(Level.WARN);
                            assertThat(e.getFormattedMessage())
                                    .contains("listener=api principal=\"alice\" method=api-key")
                                    .contains("operation=produce cluster=\"default\"")
                                    .contains("reason=not_allowed")
                                    .doesNotContain(ALICE_KEY);
                        });
        String metrics = http.get("/metrics").body();
        assertThat(metrics)
                .containsPattern(
                        "ferry_security_refusals_total\\{listener=\"api\",operation=\"produce\","
                                + "reason=\"not_allowed\",?\\} [1-9]");
        assertThat(metrics).doesNotContain(ALICE_KEY);
    }

    private static <Req extends Message, Resp extends Message> Resp unary(
            String key, String fullName, Req request, Resp responsePrototype) {
        return grpc.unary(fullName, request, responsePrototype, GrpcCalls.header("x-api-key", key));
    }
}
