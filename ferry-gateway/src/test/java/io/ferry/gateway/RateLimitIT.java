package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-principal rate limits on a real gateway and real Kafka: Ferry's HTTP API and its gRPC port
 * sharing one principal's buckets, the kafka-pixy listener limiting anonymous callers by address.
 * The limiter's clock is the test's: nothing refills unless the test moves it, so no assertion
 * depends on how fast the machine is.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RateLimitIT {
    private static final long SECOND = 1_000_000_000L;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALICE = ApiKeyFile.newKey(RANDOM);
    private static final String BOB = ApiKeyFile.newKey(RANDOM);
    private static final String CAROL = ApiKeyFile.newKey(RANDOM);
    private static final String DAVE = ApiKeyFile.newKey(RANDOM);
    private static final String ERIN = ApiKeyFile.newKey(RANDOM);
    private static final String FRANK = ApiKeyFile.newKey(RANDOM);
    private static final String PRODUCE = "ferry.v1.Ferry/Produce";

    /** The limiter's clock: frozen but when a test moves it. */
    private static final AtomicLong NANOS = new AtomicLong(42 * SECOND);

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;
    private static Http pixy;
    private static GrpcCalls grpc;

    @BeforeAll
    static void start(InProcessKafka cluster) throws IOException {
        kafka = cluster;
        kafka.createTopic("limited", 1);
        Path keys = dir.resolve("api-keys.txt");
        Files.write(
                keys,
                List.of(
                        ApiKeyFile.line("alice", ALICE, List.of()),
                        ApiKeyFile.line("bob", BOB, List.of()),
                        ApiKeyFile.line("carol", CAROL, List.of()),
                        ApiKeyFile.line("dave", DAVE, List.of()),
                        ApiKeyFile.line("erin", ERIN, List.of()),
                        ApiKeyFile.line("frank", FRANK, List.of())));
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  kafka-pixy: {enabled: true, port: 0}
                                  security:
                                    api:
                                      authentication:
                                        methods: [api-key]
                                        api-keys: {file: "%s"}
                                      authorization:
                                        rules: [{principals: ["*"], produce: ["*"], consume: ["*"], consumer-groups: ["*"], describe: ["*"]}]
                                      rate-limits:
                                        requests-per-second: 2
                                        bytes-per-second: 1000
                                        burst-seconds: 1
                                    kafka-pixy:
                                      rate-limits: {bytes-per-second: 1000}
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(keys, kafka.bootstrap())),
                        NANOS::get);
        http = new Http(gateway.port());
        pixy = new Http(gateway.kafkaPixyPort());
        grpc = new GrpcCalls(gateway.grpcPort());
    }

    @AfterAll
    static void stop() {
        if (grpc != null) {
            grpc.close();
        }
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    @BeforeEach
    void refillEveryBucket() {
        NANOS.addAndGet(3600 * SECOND);
    }

    /** Produces {@code value} at ack=none as {@code key}'s principal: 202 when served. */
    private static Http.Response produce(String key, String value) {
        return http.post("/topics/limited/messages?ack=none", value, "X-API-Key", key);
    }

    private static void assertRateLimited(Http.Response r, String message) {
        assertThat(r.status()).as(r.toString()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getInteger("status")).isEqualTo(429);
        assertThat(e.getString("code")).isEqualTo("rate_limited");
        assertThat(e.getString("message")).isEqualTo(message);
    }

    @Test
    void aPrincipalOverItsRequestRate_gets429WithRetryAfter_whileAnotherIsServed() {
        assertThat(produce(ALICE, "a1").status()).isEqualTo(202);
        assertThat(produce(ALICE, "a2").status()).isEqualTo(202);
        assertRateLimited(
                produce(ALICE, "a3"),
                "principal 'alice' is over"
                        + " gateway.security.api.rate-limits.requests-per-second=2; retry after 1 s");
        assertThat(produce(BOB, "b1").status()).as("bob has buckets of his own").isEqualTo(202);
        assertThat(http.get("/healthz").status()).as("ops routes are never limited").isEqualTo(200);
        assertThat(http.get("/metrics").status()).isEqualTo(200);
        NANOS.addAndGet(SECOND / 2);
        assertThat(produce(ALICE, "a4").status())
                .as("half a second: one request back")
                .isEqualTo(202);
        assertThat(produce(ALICE, "a5").status()).isEqualTo(429);
    }

    @Test
    void aPrincipalOverItsByteRate_gets429NamingTheByteLimit_andABodyLargerThanTheBurstPasses() {
        assertThat(produce(CAROL, "x".repeat(800)).status()).isEqualTo(202);
        assertRateLimited(
                produce(CAROL, "x".repeat(300)),
                "principal 'carol' is over"
                        + " gateway.security.api.rate-limits.bytes-per-second=1000; retry after 1 s");
        assertThat(produce(CAROL, "").status())
                .as("no body: never refused by bytes")
                .isNotEqualTo(429);
        NANOS.addAndGet(SECOND);
        Http.Response big = produce(CAROL, "y".repeat(3000));
        assertThat(big.status()).as("a full bucket lets a larger body in").isEqualTo(202);
        Http.Response after = produce(CAROL, "z");
        assertThat(after.status()).isEqualTo(429);
        assertThat(after.header("Retry-After")).as("2 s of debt, then a byte").isEqualTo("3");
    }

    @Test
    void grpc_sharesThePrincipalsBuckets_andIsResourceExhausted() {
        assertThat(produce(DAVE, "d1").status()).isEqualTo(202);
        ProduceRequest rq =
                ProduceRequest.newBuilder()
                        .setTopic("limited")
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setValue(ByteString.copyFrom("g", UTF_8))
                                        .build())
                        .build();
        ProduceResponse ok =
                grpc.unary(
                        PRODUCE,
                        rq,
                        ProduceResponse.getDefaultInstance(),
                        GrpcCalls.header("x-api-key", DAVE));
        assertThat(ok.getResultsCount()).isEqualTo(1);
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        PRODUCE,
                                        rq,
                                        ProduceResponse.getDefaultInstance(),
                                        GrpcCalls.header("x-api-key", DAVE)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                            assertThat(GrpcCalls.errorCode(e)).isEqualTo("rate_limited");
                            assertThat(e.getStatus().getDescription())
                                    .isEqualTo(
                                            "principal 'dave' is over"
                                                    + " gateway.security.api.rate-limits"
                                                    + ".requests-per-second=2; retry after 1 s");
                        });
        assertThat(produce(DAVE, "d2").status())
                .as("the HTTP port shares the buckets")
                .isEqualTo(429);
    }

    @Test
    void aChunkedBody_isChargedOnceRead_soTheNextRequestWaitsForIt() {
        byte[] body = "c".repeat(3000).getBytes(UTF_8);
        Http.Response chunked =
                http.send(
                        http.request("/topics/limited/messages?ack=none")
                                .header("X-API-Key", ERIN)
                                .POST(
                                        HttpRequest.BodyPublishers.ofInputStream(
                                                () -> new ByteArrayInputStream(body)))
                                .build());
        assertThat(chunked.status()).as("its length unknown at the head: let in").isEqualTo(202);
        Http.Response next = produce(ERIN, "n");
        assertThat(next.status()).as(next.toString()).isEqualTo(429);
        assertThat(next.header("Retry-After")).as("3000 bytes charged: 2 s of debt").isEqualTo("3");
    }

    @Test
    void grpc_messageBytesAreCharged_andTheNextCallIsResourceExhaustedNamingBytes() {
        ProduceRequest big =
                ProduceRequest.newBuilder()
                        .setTopic("limited")
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setValue(ByteString.copyFrom("b".repeat(2500), UTF_8))
                                        .build())
                        .build();
        assertThat(
                        grpc.unary(
                                        PRODUCE,
                                        big,
                                        ProduceResponse.getDefaultInstance(),
                                        GrpcCalls.header("x-api-key", FRANK))
                                .getResultsCount())
                .isEqualTo(1);
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        PRODUCE,
                                        big,
                                        ProduceResponse.getDefaultInstance(),
                                        GrpcCalls.header("x-api-key", FRANK)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                            assertThat(e.getStatus().getDescription())
                                    .isEqualTo(
                                            "principal 'frank' is over"
                                                    + " gateway.security.api.rate-limits"
                                                    + ".bytes-per-second=1000; retry after 2 s");
                        });
    }

    @Test
    void kafkaPixy_withoutAuthentication_limitsByAddress_inKafkaPixysShape() {
        Http.Response first = pixy.post("/topics/limited/messages", "p".repeat(900));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        Http.Response r = pixy.post("/topics/limited/messages", "p".repeat(200));
        assertThat(r.status()).as(r.toString()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.json().getString("error"))
                .isEqualTo(
                        "address 127.0.0.1 is over"
                                + " gateway.security.kafka-pixy.rate-limits.bytes-per-second=1000;"
                                + " retry after 1 s");
        assertThat(pixy.get("/_ping").status())
                .as("its health check is never limited")
                .isEqualTo(200);
    }
}
