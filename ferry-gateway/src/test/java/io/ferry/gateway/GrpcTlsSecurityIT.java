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
import io.ferry.testkafka.TestPki;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC over TLS (h2 by ALPN, grpc-java's own client trusting the test CA) with every credential
 * check of issue 15 at once: JWTs expired, not yet valid, for another audience, wrongly signed; an
 * API key revoked by changing its file; a principal allowed one topic producing to another
 * (PERMISSION_DENIED, and nothing reaches Kafka). Real Kafka, real gateway, real files.
 */
@KafkaTest
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcTlsSecurityIT {
    private static final String SECRET = "grpc-tls-security-it-hs256-secret";
    private static final String KEY = ApiKeyFile.newKey(new SecureRandom());
    private static final String OTHER_KEY = ApiKeyFile.newKey(new SecureRandom());

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static GrpcCalls grpc;
    private static Path keys;

    @BeforeAll
    static void start(InProcessKafka cluster) throws IOException {
        kafka = cluster;
        kafka.createTopic("granted", 1);
        kafka.createTopic("forbidden", 1);
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki.Issued server = pki.issue(TestPki.Spec.server("server"));
        keys = dir.resolve("keys.txt");
        Files.write(
                keys,
                List.of(
                        ApiKeyFile.line("batch-job", KEY, List.of()),
                        ApiKeyFile.line("other-job", OTHER_KEY, List.of())));
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  host: 127.0.0.1
                                  security:
                                    api:
                                      tls: {cert-file: "%s", key-file: "%s"}
                                      authentication:
                                        methods: [jwt, api-key]
                                        jwt: {secret: "%s", audience: ferry, issuer: idp}
                                        api-keys: {file: "%s", reload-check-ms: 100}
                                      authorization:
                                        rules:
                                          - principals: [alice, batch-job, other-job]
                                            produce: [granted]
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%s", linger.ms: 1}
                                    broker: {type: memory, events: 1024}
                                """
                                        .formatted(
                                                server.certFile(),
                                                server.keyFile(),
                                                SECRET,
                                                keys,
                                                kafka.bootstrap())));
        grpc =
                new GrpcCalls(
                        Grpc.newChannelBuilderForAddress(
                                        "localhost",
                                        gateway.grpcPort(),
                                        TlsChannelCredentials.newBuilder()
                                                .trustManager(pki.caFile().toFile())
                                                .build())
                                .build());
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

    private static JsonObject claims() {
        return new JsonObject()
                .put("sub", "alice")
                .put("iss", "idp")
                .put("aud", new JsonArray().add("ferry"))
                .put("exp", now() + 600);
    }

    private static ProduceResponse produce(String topic, String value, Metadata credentials) {
        return grpc.unary(
                "ferry.v1.Ferry/Produce",
                ProduceRequest.newBuilder()
                        .setTopic(topic)
                        .setAck(AckLevel.ACK_LEVEL_KAFKA)
                        .addRecords(
                                ProduceRecord.newBuilder()
                                        .setValue(ByteString.copyFrom(value, UTF_8)))
                        .build(),
                ProduceResponse.getDefaultInstance(),
                credentials);
    }

    private static Metadata bearer(String token) {
        return GrpcCalls.header("authorization", "Bearer " + token);
    }

    private static void refused(Metadata credentials, Status.Code code, String message) {
        assertThatThrownBy(() -> produce("granted", "refused", credentials))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(code);
                            assertThat(e.getStatus().getDescription()).contains(message);
                        });
    }

    private static String stored(String topic, ProduceResponse rs) {
        var r = rs.getResults(0);
        return new String(kafka.recordAt(topic, r.getPartition(), r.getOffset()).value(), UTF_8);
    }

    @Test
    void overTls_everyBadTokenIsUnauthenticated_andAGoodOneProduces() {
        refused(new Metadata(), Status.Code.UNAUTHENTICATED, "no credentials");
        refused(
                bearer(TestJwts.hs256(SECRET, claims().put("exp", now() - 60))),
                Status.Code.UNAUTHENTICATED,
                "expired");
        refused(
                bearer(TestJwts.hs256(SECRET, claims().put("nbf", now() + 300))),
                Status.Code.UNAUTHENTICATED,
                "not valid before");
        refused(
                bearer(TestJwts.hs256(SECRET, claims().put("aud", "elsewhere"))),
                Status.Code.UNAUTHENTICATED,
                "audience");
        refused(
                bearer(TestJwts.hs256("another-secret-of-32-bytes-or-more!", claims())),
                Status.Code.UNAUTHENTICATED,
                "signature");
        ProduceResponse ok =
                produce("granted", "tls jwt", bearer(TestJwts.hs256(SECRET, claims())));
        assertThat(stored("granted", ok)).isEqualTo("tls jwt");
    }

    @Test
    void overTls_aTopicNotGranted_isPermissionDenied_andNothingReachesKafka() {
        assertThatThrownBy(
                        () ->
                                produce(
                                        "forbidden",
                                        "must not arrive",
                                        bearer(TestJwts.hs256(SECRET, claims()))))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription())
                                    .contains("'alice' may not produce to topic 'forbidden'");
                        });
        // a produce to the granted topic acknowledged by Kafka after it: the refused one, had it
        // been let through, would have been written first
        produce("granted", "after", bearer(TestJwts.hs256(SECRET, claims())));
        assertThat(kafka.readAll("forbidden", 1)).as("nothing reached Kafka").isEmpty();
    }

    @Test
    void overTls_aRevokedApiKey_isUnauthenticatedAfterTheFileChanges() throws IOException {
        Metadata revoked = GrpcCalls.header("x-api-key", OTHER_KEY);
        assertThat(stored("granted", produce("granted", "before", revoked))).isEqualTo("before");
        Files.write(keys, List.of(ApiKeyFile.line("batch-job", KEY, List.of())));
        Awaitility.await()
                .atMost(20, TimeUnit.SECONDS)
                .until(
                        () -> {
                            try {
                                produce("granted", "revoked?", revoked);
                                return false;
                            } catch (StatusRuntimeException e) {
                                return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
                            }
                        });
        ProduceResponse still = produce("granted", "still", GrpcCalls.header("x-api-key", KEY));
        assertThat(stored("granted", still)).isEqualTo("still");
    }
}
