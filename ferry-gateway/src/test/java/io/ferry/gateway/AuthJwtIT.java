package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ferry.gateway.grpc.v1.AckLevel;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.gateway.security.TestJwts;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer JWTs at Ferry's API (HTTP and gRPC) of a real gateway on real Kafka, verified against a
 * JWKS file (RS256 and ES256): expired, not yet valid, for another audience or issuer, wrongly
 * signed: 401 / UNAUTHENTICATED each; a good one produces and its record reaches Kafka. API keys
 * are accepted beside them, and /metrics is protected on this listener.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AuthJwtIT {
    private static final KeyPair RSA = TestJwts.rsa();
    private static final KeyPair EC = TestJwts.ec();
    private static final String KEY = ApiKeyFile.newKey(new SecureRandom());
    private static final String INVALID = "Bearer realm=\"ferry\", error=\"invalid_token\"";

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;
    private static GrpcCalls grpc;

    @BeforeAll
    static void start(InProcessKafka cluster) throws IOException {
        kafka = cluster;
        kafka.createTopic("jwt", 1);
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(
                jwks, TestJwts.jwks(TestJwts.rsaJwk(RSA, "r1"), TestJwts.ecJwk(EC, "e1")).encode());
        Path keys = dir.resolve("keys.txt");
        Files.write(keys, List.of(ApiKeyFile.line("batch-job", KEY, List.of())));
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  security:
                                    api:
                                      authentication:
                                        methods: [jwt, api-key]
                                        jwt:
                                          jwks-file: "%s"
                                          issuer: https://idp.example.com
                                          audience: ferry
                                          leeway-seconds: 5
                                        api-keys: {file: "%s"}
                                        protect-metrics: true
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(jwks, keys, kafka.bootstrap())));
        http = new Http(gateway.port());
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

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static JsonObject claims(String sub) {
        return new JsonObject()
                .put("sub", sub)
                .put("iss", "https://idp.example.com")
                .put("aud", new JsonArray().add("ferry"))
                .put("groups", new JsonArray().add("billing"))
                .put("iat", now())
                .put("exp", now() + 600);
    }

    private static Http.Response produce(String value, String token) {
        return http.post(
                "/topics/jwt/messages?ack=kafka", value, "Authorization", "Bearer " + token);
    }

    private static void refused(String token, String message) {
        Http.Response r = produce("refused", token);
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo(INVALID);
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).isEqualTo("unauthenticated");
        assertThat(e.getString("message")).contains(message).doesNotContain(token);
    }

    @Test
    void aGoodToken_rs256OrEs256_produces_andTheRecordReachesKafka() {
        for (String token :
                List.of(
                        TestJwts.rs256(RSA, "r1", claims("alice")),
                        TestJwts.es256(EC, "e1", claims("bob")))) {
            for (int i = 0; i < 2; i++) { // the second time from the cache
                Http.Response r = produce("jwt " + i, token);
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                JsonObject b = r.json();
                assertThat(
                                new String(
                                        kafka.recordAt(
                                                        "jwt",
                                                        b.getInteger("partition"),
                                                        b.getLong("offset"))
                                                .value(),
                                        UTF_8))
                        .isEqualTo("jwt " + i);
            }
        }
    }

    @Test
    void expired_notYetValid_wrongAudience_wrongIssuer_wronglySigned_are401Each() {
        refused(
                TestJwts.rs256(RSA, "r1", claims("alice").put("exp", now() - 60)),
                "the token expired at");
        refused(
                TestJwts.rs256(
                        RSA, "r1", claims("alice").put("nbf", now() + 300).put("exp", now() + 900)),
                "not valid before");
        refused(
                TestJwts.rs256(RSA, "r1", claims("alice").put("aud", "another-service")),
                "audience");
        refused(
                TestJwts.rs256(RSA, "r1", claims("alice").put("iss", "https://elsewhere")),
                "issuer");
        refused(TestJwts.rs256(TestJwts.rsa(), "r1", claims("mallory")), "signature");
        refused(TestJwts.es256(TestJwts.ec(), "e1", claims("mallory")), "signature");
        refused(TestJwts.none(claims("mallory")), "signature");
    }

    @Test
    void anApiKey_isAcceptedBesideJwts_andTheOperationsRoutesAreOpen_butMetrics() {
        Http.Response r = produce("by key", KEY);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        Http.Response metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(401);
        assertThat(metrics.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"ferry\"");
        Http.Response scraped =
                http.send(
                        http.request("/metrics")
                                .header(
                                        "Authorization",
                                        "Bearer " + TestJwts.rs256(RSA, "r1", claims("prom")))
                                .GET()
                                .build());
        assertThat(scraped.status()).isEqualTo(200);
        assertThat(scraped.body())
                .contains(
                        "ferry_auth_attempts_total{listener=\"api\",method=\"jwt\","
                                + "outcome=\"success\"");
    }

    private static ProduceRequest grpcRecord(String v) {
        return ProduceRequest.newBuilder()
                .setTopic("jwt")
                .setAck(AckLevel.ACK_LEVEL_KAFKA)
                .addRecords(ProduceRecord.newBuilder().setValue(ByteString.copyFrom(v, UTF_8)))
                .build();
    }

    private static void grpcRefused(String token, String message) {
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        "ferry.v1.Ferry/Produce",
                                        grpcRecord("refused"),
                                        ProduceResponse.getDefaultInstance(),
                                        GrpcCalls.header("authorization", "Bearer " + token)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription())
                                    .contains(message)
                                    .doesNotContain(token);
                        });
    }

    @Test
    void grpc_eachBadTokenIsUnauthenticated_andAGoodOneProduces() {
        grpcRefused(TestJwts.rs256(RSA, "r1", claims("alice").put("exp", now() - 60)), "expired");
        grpcRefused(
                TestJwts.rs256(
                        RSA, "r1", claims("alice").put("nbf", now() + 300).put("exp", now() + 900)),
                "not valid before");
        grpcRefused(TestJwts.rs256(RSA, "r1", claims("alice").put("aud", "x")), "audience");
        grpcRefused(TestJwts.rs256(TestJwts.rsa(), "r1", claims("alice")), "signature");

        ProduceResponse rs =
                grpc.unary(
                        "ferry.v1.Ferry/Produce",
                        grpcRecord("grpc jwt"),
                        ProduceResponse.getDefaultInstance(),
                        GrpcCalls.header(
                                "authorization",
                                "Bearer " + TestJwts.es256(EC, "e1", claims("alice"))));
        var r = rs.getResults(0);
        assertThat(
                        new String(
                                kafka.recordAt("jwt", r.getPartition(), r.getOffset()).value(),
                                UTF_8))
                .isEqualTo("grpc jwt");
    }
}
