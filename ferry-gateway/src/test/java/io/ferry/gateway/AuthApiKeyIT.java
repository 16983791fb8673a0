package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.ferry.gateway.grpc.v1.AckLevel;
import io.ferry.gateway.grpc.v1.ProduceRecord;
import io.ferry.gateway.grpc.v1.ProduceRequest;
import io.ferry.gateway.grpc.v1.ProduceResponse;
import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.gateway.security.TlsReloads;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys at every door of a real gateway on real Kafka: Ferry's HTTP API, its gRPC services (per
 * call, from the metadata), the kafka-pixy listener, and /metrics on the management port; a key
 * removed from the file stops working once the file is re-read, while the others go on.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AuthApiKeyIT {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALICE = ApiKeyFile.newKey(RANDOM);
    private static final String BOB = ApiKeyFile.newKey(RANDOM);
    private static final String CAROL = ApiKeyFile.newKey(RANDOM);
    private static final String OPS = ApiKeyFile.newKey(RANDOM);

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;
    private static Http pixy;
    private static Http management;
    private static GrpcCalls grpc;
    private static Path keys;

    @BeforeAll
    static void start(InProcessKafka cluster) throws IOException {
        kafka = cluster;
        kafka.createTopic("authn", 1);
        keys = dir.resolve("api-keys.txt");
        Files.write(
                keys,
                List.of(
                        "# Ferry's API",
                        ApiKeyFile.line("alice", ALICE, List.of("billing")),
                        ApiKeyFile.line("bob", BOB, List.of()),
                        ApiKeyFile.line("carol", CAROL, List.of())));
        Path opsKeys = dir.resolve("ops-keys.txt");
        Files.write(opsKeys, List.of(ApiKeyFile.line("prometheus", OPS, List.of())));
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  management-port: 0
                                  kafka-pixy: {enabled: true, port: 0}
                                  security:
                                    api:
                                      authentication:
                                        methods: [api-key]
                                        api-keys: {file: "%1$s", reload-check-ms: 100}
                                      authorization:
                                        rules:
                                          - principals: ["*"]
                                            produce: ["*"]
                                            consume: ["*"]
                                            consumer-groups: ["*"]
                                    kafka-pixy:
                                      authentication:
                                        methods: [api-key]
                                        api-keys: {file: "%1$s"}
                                      authorization:
                                        rules:
                                          - principals: ["*"]
                                            produce: ["*"]
                                            consume: ["*"]
                                            consumer-groups: ["*"]
                                    management:
                                      authentication:
                                        methods: [api-key]
                                        api-keys: {file: "%2$s"}
                                        protect-metrics: true
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%3$s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(keys, opsKeys, kafka.bootstrap())));
        http = new Http(gateway.port());
        pixy = new Http(gateway.kafkaPixyPort());
        management = new Http(gateway.managementPort());
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

    private static Http.Response produce(String value, String... headers) {
        return http.post("/topics/authn/messages?ack=kafka", value, headers);
    }

    private static String stored(Http.Response r) {
        JsonObject b = r.json();
        ConsumerRecord<byte[], byte[]> rec =
                kafka.recordAt("authn", b.getInteger("partition"), b.getLong("offset"));
        return new String(rec.value(), UTF_8);
    }

    @Test
    void noCredentials_is401WithWwwAuthenticate_inTheApisErrorShape() {
        Http.Response r = produce("anonymous");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"ferry\"");
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getInteger("status")).isEqualTo(401);
        assertThat(e.getString("code")).isEqualTo("unauthenticated");
        assertThat(e.getString("message")).startsWith("no credentials").contains("X-API-Key");
        // the read routes too
        assertThat(http.get("/topics").status()).isEqualTo(401);
    }

    @Test
    void anUnknownKey_is401_invalidToken_withoutEchoingIt() {
        String wrong = ApiKeyFile.newKey(RANDOM);
        Http.Response r = produce("x", "Authorization", "Bearer " + wrong);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"ferry\", error=\"invalid_token\"");
        assertThat(r.body()).contains("not known").doesNotContain(wrong);
        assertThat(produce("x", "X-API-Key", wrong).status()).isEqualTo(401);
        assertThat(produce("x", "Authorization", "Basic YWxpY2U6c2VjcmV0").body())
                .contains("Bearer");
    }

    @Test
    void aGoodKey_asBearerOrXApiKey_produces_andTheRecordReachesKafka() {
        Http.Response bearer = produce("from alice", "Authorization", "Bearer " + ALICE);
        assertThat(bearer.status()).as(bearer.toString()).isEqualTo(200);
        assertThat(stored(bearer)).isEqualTo("from alice");
        Http.Response header = produce("from bob", "X-API-Key", BOB);
        assertThat(header.status()).as(header.toString()).isEqualTo(200);
        assertThat(stored(header)).isEqualTo("from bob");
    }

    @Test
    void theOperationsRoutes_needNoCredentials_andMetricsOnTheManagementPortDoes() {
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        assertThat(http.get("/readyz").status()).isIn(200, 503);
        assertThat(http.get("/metrics").status()).isEqualTo(200); // not protected on the API
        assertThat(management.get("/healthz").status()).isEqualTo(200);
        assertThat(management.get("/readyz").status()).isIn(200, 503);

        Http.Response closed = management.get("/metrics");
        assertThat(closed.status()).isEqualTo(401);
        assertThat(closed.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"ferry\"");
        // the API's keys are not the management port's
        Http.Response wrongDoor =
                management.send(
                        management.request("/metrics").header("X-API-Key", ALICE).GET().build());
        assertThat(wrongDoor.status()).isEqualTo(401);

        produce("counted", "X-API-Key", ALICE);
        Http.Response open =
                management.send(
                        management.request("/metrics").header("X-API-Key", OPS).GET().build());
        assertThat(open.status()).isEqualTo(200);
        assertThat(open.body())
                .containsPattern(
                        "ferry_auth_attempts_total\\{listener=\"api\",method=\"api-key\","
                                + "outcome=\"success\",?} [1-9]")
                .contains(
                        "ferry_auth_attempts_total{listener=\"management\",method=\"none\","
                                + "outcome=\"no_credentials\"");
    }

    @Test
    void aKeyRemovedFromTheFile_is401AfterTheReload_whileAnotherKeepsWorking() throws IOException {
        assertThat(produce("before", "X-API-Key", CAROL).status()).isEqualTo(200);
        Files.write(
                keys,
                List.of(
                        ApiKeyFile.line("alice", ALICE, List.of("billing")),
                        ApiKeyFile.line("bob", BOB, List.of())));
        Awaitility.await()
                .atMost(20, TimeUnit.SECONDS)
                .until(() -> produce("revoked?", "X-API-Key", CAROL).status() == 401);
        Http.Response bob = produce("still bob", "X-API-Key", BOB);
        assertThat(bob.status()).isEqualTo(200);
        assertThat(stored(bob)).isEqualTo("still bob");
    }

    @Test
    void sighup_reReadsTheKeyFileAtOnce_withoutTls() throws Exception {
        Path hupKeys = dir.resolve("hup-keys.txt");
        Files.write(
                hupKeys,
                List.of(
                        ApiKeyFile.line("alice", ALICE, List.of()),
                        ApiKeyFile.line("carol", CAROL, List.of())));
        String yaml =
                """
                gateway:
                  port: 0
                  security:
                    api:
                      authentication:
                        methods: [api-key]
                        api-keys: {file: "%s", reload-check-ms: 86400000}
                      authorization:
                        rules: [{principals: ["*"], produce: ["*"], consume: ["*"], consumer-groups: ["*"], describe: ["*"]}]
                clusters:
                  default:
                    kafka: {bootstrap.servers: "%s", linger.ms: 1}
                    broker: {type: memory, events: 64}
                """
                        .formatted(hupKeys, kafka.bootstrap());
        try (Gateway g = Gateway.start(GatewayConfig.parse(yaml))) {
            // installed by the first gateway with TLS or API keys in this JVM; without it SIGHUP
            // would end the JVM
            assumeTrue(TlsReloads.sighupAvailable(), "sun.misc.Signal is not available");
            Http h = new Http(g.port());
            String path = "/topics/authn/messages?ack=kafka";
            assertThat(h.post(path, "before", "X-API-Key", CAROL).status()).isEqualTo(200);
            Files.write(hupKeys, List.of(ApiKeyFile.line("alice", ALICE, List.of())));
            // the file is checked once a day: only the signal can make the change count
            Process kill =
                    new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                            .inheritIO()
                            .start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            Awaitility.await()
                    .atMost(20, TimeUnit.SECONDS)
                    .until(() -> h.post(path, "revoked?", "X-API-Key", CAROL).status() == 401);
            assertThat(h.post(path, "alice", "X-API-Key", ALICE).status()).isEqualTo(200);
        }
    }

    @Test
    void aBadLineInTheKeyFile_stopsTheStart_namingFileAndLine_withoutEchoingIt()
            throws IOException {
        Path bad = dir.resolve("bad-keys.txt");
        Files.write(bad, List.of("# a key pasted instead of its hash", "dave " + ALICE));
        String yaml =
                """
                gateway:
                  port: 0
                  security:
                    api:
                      authentication:
                        methods: [api-key]
                        api-keys: {file: "%s"}
                      authorization:
                        rules: [{principals: ["*"], produce: ["*"], consume: ["*"], consumer-groups: ["*"], describe: ["*"]}]
                clusters:
                  default:
                    kafka: {bootstrap.servers: "%s"}
                    broker: {type: memory, events: 16}
                """
                        .formatted(bad, kafka.bootstrap());
        assertThatThrownBy(() -> Gateway.start(GatewayConfig.parse(yaml)))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageStartingWith(
                        "gateway.security.api.authentication.api-keys.file: " + bad + ":2: ")
                .hasMessageNotContaining(ALICE);
    }

    // ---- gRPC: per call, from the metadata ------------------------------------------------------

    private static ProduceRequest grpcRecord(String v) {
        return ProduceRequest.newBuilder()
                .setTopic("authn")
                .setAck(AckLevel.ACK_LEVEL_KAFKA)
                .addRecords(ProduceRecord.newBuilder().setValue(ByteString.copyFrom(v, UTF_8)))
                .build();
    }

    @Test
    void grpc_withoutCredentials_isUnauthenticated_andWithAKeyInTheMetadataProduces() {
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        "ferry.v1.Ferry/Produce",
                                        grpcRecord("anonymous"),
                                        ProduceResponse.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription()).startsWith("no credentials");
                            assertThat(GrpcCalls.errorCode(e)).isEqualTo("unauthenticated");
                        });
        String wrong = ApiKeyFile.newKey(RANDOM);
        assertThatThrownBy(
                        () ->
                                grpc.unary(
                                        "ferry.v1.Ferry/Produce",
                                        grpcRecord("wrong"),
                                        ProduceResponse.getDefaultInstance(),
                                        GrpcCalls.header("x-api-key", wrong)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription())
                                    .contains("not known")
                                    .doesNotContain(wrong);
                        });

        for (Metadata md :
                List.of(
                        GrpcCalls.header("authorization", "Bearer " + ALICE),
                        GrpcCalls.header("x-api-key", BOB))) {
            ProduceResponse rs =
                    grpc.unary(
                            "ferry.v1.Ferry/Produce",
                            grpcRecord("grpc " + md.keys()),
                            ProduceResponse.getDefaultInstance(),
                            md);
            assertThat(rs.getAccepted()).isEqualTo(1);
            var r = rs.getResults(0);
            assertThat(
                            new String(
                                    kafka.recordAt("authn", r.getPartition(), r.getOffset())
                                            .value(),
                                    UTF_8))
                    .isEqualTo("grpc " + md.keys());
        }
    }

    // ---- the kafka-pixy listener ----------------------------------------------------------------

    @Test
    void kafkaPixyListener_refusesWithoutAKey_inKafkaPixysShape_andProducesWithOne() {
        Http.Response r = pixy.post("/topics/authn/messages?sync", "pixy anonymous");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"ferry\"");
        assertThat(r.json().getString("error")).startsWith("no credentials");
        assertThat(pixy.get("/_ping").status()).isEqualTo(200); // its health check stays open

        Http.Response ok =
                pixy.post("/topics/authn/messages?sync", "pixy alice", "X-API-Key", ALICE);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(
                        new String(
                                kafka.recordAt(
                                                "authn",
                                                ok.json().getInteger("partition"),
                                                ok.json().getLong("offset"))
                                        .value(),
                                UTF_8))
                .isEqualTo("pixy alice");
    }
}
