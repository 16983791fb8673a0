package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.ferry.testkafka.TestPki;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pixyclient.KafkaPixyGrpc;
import pixyclient.ProdRq;
import pixyclient.ProdRs;

/**
 * Client certificates as credentials over mutual TLS (optional: a client without one may send a
 * token instead), on Ferry's HTTP API, its gRPC port and the kafka-pixy listener of a real gateway
 * on real Kafka; certificates from {@link TestPki}.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AuthClientCertIT {
    private static final String KEY = ApiKeyFile.newKey(new SecureRandom());

    @TempDir static Path dir;
    private static InProcessKafka kafka;
    private static TestPki pki;
    private static TestPki.Issued alice;
    private static TestPki.Issued noEmail;
    private static Gateway gateway;

    @BeforeAll
    static void start(InProcessKafka cluster) throws IOException {
        kafka = cluster;
        kafka.createTopic("mtls", 1);
        pki = TestPki.create(dir.resolve("pki"));
        TestPki.Issued server = pki.issue(TestPki.Spec.server("server"));
        alice =
                pki.issue(
                        TestPki.Spec.client("alice", "alice")
                                .withSans(List.of(), List.of("alice@example.com"), List.of()));
        noEmail = pki.issue(TestPki.Spec.client("bob", "bob"));
        Path keys = dir.resolve("keys.txt");
        Files.write(keys, List.of(ApiKeyFile.line("tokenholder", KEY, List.of())));
        String tls =
                "{cert-file: \"%s\", key-file: \"%s\", client-auth: optional, client-ca-file: \"%s\"}"
                        .formatted(server.certFile(), server.keyFile(), pki.caFile());
        gateway =
                Gateway.start(
                        GatewayConfig.parse(
                                """
                                gateway:
                                  port: 0
                                  kafka-pixy: {enabled: true, port: 0}
                                  security:
                                    api:
                                      tls: %1$s
                                      authentication:
                                        methods: [client-cert, api-key]
                                        api-keys: {file: "%2$s"}
                                    kafka-pixy:
                                      tls: %1$s
                                      authentication:
                                        methods: [client-cert]
                                        client-cert: {principal: san-email}
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%3$s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(tls, keys, kafka.bootstrap())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static HttpResponse<String> send(
            javax.net.ssl.SSLContext ctx, int port, String method, String path, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .method(
                                method,
                                method.equals("POST")
                                        ? HttpRequest.BodyPublishers.ofString(path)
                                        : HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TlsClients.https(ctx).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String stored(HttpResponse<String> r) {
        JsonObject b = new JsonObject(r.body());
        return new String(
                kafka.recordAt("mtls", b.getInteger("partition"), b.getLong("offset")).value(),
                UTF_8);
    }

    @Test
    void aClientCertificate_authenticates_andTheRecordReachesKafka() throws Exception {
        String path = "/topics/mtls/messages?ack=kafka&key=cert";
        HttpResponse<String> r = send(pki.clientContext(alice), gateway.port(), "POST", path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(stored(r)).isEqualTo(path);
        HttpResponse<String> m = send(pki.clientContext(alice), gateway.port(), "GET", "/metrics");
        assertThat(m.body())
                .contains(
                        "ferry_auth_attempts_total{listener=\"api\",method=\"client-cert\","
                                + "outcome=\"success\"");
    }

    @Test
    void withoutACertificate_is401_unlessATokenIsSent() throws Exception {
        String path = "/topics/mtls/messages?ack=kafka&key=nocert";
        HttpResponse<String> r = send(pki.clientContext(), gateway.port(), "POST", path);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"ferry\"");
        assertThat(r.body()).contains("no credentials").contains("a TLS client certificate");

        HttpResponse<String> t =
                send(pki.clientContext(), gateway.port(), "POST", path, "X-API-Key", KEY);
        assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
        assertThat(stored(t)).isEqualTo(path);
    }

    @Test
    void kafkaPixyListener_principalFromTheEmailSan_andACertificateWithoutOneIsRefused()
            throws Exception {
        int port = gateway.kafkaPixyPort();
        HttpResponse<String> ok =
                send(pki.clientContext(alice), port, "POST", "/topics/mtls/messages?sync");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> none =
                send(pki.clientContext(noEmail), port, "POST", "/topics/mtls/messages?sync");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(none.body()).getString("error"))
                .contains("no e-mail address")
                .contains("san-email");
        assertThat(send(pki.clientContext(), port, "GET", "/_ping").statusCode()).isEqualTo(200);
    }

    @Test
    void grpc_theConnectionsCertificateAuthenticatesEachCall() throws Exception {
        ChannelCredentials withCert =
                TlsChannelCredentials.newBuilder()
                        .trustManager(pki.caFile().toFile())
                        .keyManager(alice.certFile().toFile(), alice.keyFile().toFile())
                        .build();
        ChannelCredentials withoutCert =
                TlsChannelCredentials.newBuilder().trustManager(pki.caFile().toFile()).build();
        ProdRq rq =
                ProdRq.newBuilder()
                        .setTopic("mtls")
                        .setKeyValue(ByteString.copyFrom("k", UTF_8))
                        .setMessage(ByteString.copyFrom("grpc cert", UTF_8))
                        .build();
        ManagedChannel ok =
                Grpc.newChannelBuilderForAddress("localhost", gateway.grpcPort(), withCert).build();
        ManagedChannel anonymous =
                Grpc.newChannelBuilderForAddress("localhost", gateway.grpcPort(), withoutCert)
                        .build();
        try {
            ProdRs rs =
                    KafkaPixyGrpc.newBlockingStub(ok)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .produce(rq);
            assertThat(
                            new String(
                                    kafka.recordAt("mtls", rs.getPartition(), rs.getOffset())
                                            .value(),
                                    UTF_8))
                    .isEqualTo("grpc cert");
            assertThatThrownBy(
                            () ->
                                    KafkaPixyGrpc.newBlockingStub(anonymous)
                                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                                            .produce(rq))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                    assertThat(e.getStatus().getCode())
                                            .isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            ok.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            anonymous.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
