package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import pixyclient.KafkaPixyGrpc;
import pixyclient.ProdRq;
import pixyclient.ProdRs;

/**
 * Where gRPC and HTTP/2 are served: a port of its own by default (the HTTP port stays HTTP/1.1; the
 * gRPC port serves gRPC and the HTTP API over HTTP/2; with the HTTP port 0, a free one) and {@code
 * gateway.grpc.port: same} (gRPC and HTTP/2 cleartext on the HTTP port, beside HTTP/1.1). The
 * HTTP/2 requests are made the way {@code curl --http2-prior-knowledge} makes them (no upgrade),
 * with Vert.x's client.
 */
@KafkaTest(combined = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcPortsIT {
    private static InProcessKafka kafka;
    private static Gateway shared;
    private static Gateway separate;
    private static Vertx vertx;
    private static HttpClient h2;
    private static HttpClient h1;

    @BeforeAll
    static void start(InProcessKafka cluster) {
        kafka = cluster;
        kafka.createTopic("ports", 1);
        GatewayConfig base =
                GatewayConfig.of(
                                KafkaSettings.from(
                                        Map.of(
                                                "bootstrap.servers",
                                                kafka.bootstrap(),
                                                "linger.ms",
                                                1)),
                                BrokerConfig.of("memory", Map.of("events", 4096)))
                        .withPort(0);
        shared =
                Gateway.start(base.withGrpc(GrpcSettings.DEFAULT.withPort(GrpcSettings.SAME_PORT)));
        separate = Gateway.start(base.withGrpc(GrpcSettings.DEFAULT)); // the default: its own port
        vertx = Vertx.vertx();
        h2 =
                vertx.createHttpClient(
                        new HttpClientOptions()
                                .setProtocolVersion(HttpVersion.HTTP_2)
                                .setHttp2ClearTextUpgrade(false));
        h1 = vertx.createHttpClient(new HttpClientOptions());
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        for (Gateway g : new Gateway[] {shared, separate}) {
            if (g != null) {
                assertThat(g.shutdown()).isTrue();
            }
        }
    }

    /** The status, protocol and body of one request. */
    private record Answer(int status, HttpVersion version, String body) {}

    private static Answer call(HttpClient client, HttpMethod m, int port, String path, String body)
            throws Exception {
        return client.request(
                        new RequestOptions()
                                .setMethod(m)
                                .setHost("127.0.0.1")
                                .setPort(port)
                                .setURI(path))
                .compose(
                        req ->
                                (body == null ? req.send() : req.send(Buffer.buffer(body)))
                                        .compose(
                                                (HttpClientResponse resp) ->
                                                        resp.body()
                                                                .map(
                                                                        b ->
                                                                                new Answer(
                                                                                        resp
                                                                                                .statusCode(),
                                                                                        resp
                                                                                                .version(),
                                                                                        b
                                                                                                .toString()))))
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    private static ProdRs produce(int port, String value) throws InterruptedException {
        ManagedChannel ch =
                ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            return KafkaPixyGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .produce(
                            ProdRq.newBuilder()
                                    .setTopic("ports")
                                    .setMessage(ByteString.copyFrom(value, UTF_8))
                                    .build());
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void samePort_servesHttp11_http2PriorKnowledge_andGrpc_together() throws Exception {
        int port = shared.port();
        assertThat(shared.grpcPort()).isEqualTo(port);
        Answer health = call(h2, HttpMethod.GET, port, "/healthz", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.version()).isEqualTo(HttpVersion.HTTP_2);
        Answer post =
                call(h2, HttpMethod.POST, port, "/topics/ports/messages?ack=kafka", "over-h2");
        assertThat(post.status()).as(post.body()).isEqualTo(200);
        assertThat(post.version()).isEqualTo(HttpVersion.HTTP_2);
        io.vertx.core.json.JsonObject at = new io.vertx.core.json.JsonObject(post.body());
        assertThat(
                        new String(
                                kafka.recordAt(
                                                "ports",
                                                at.getInteger("partition"),
                                                at.getLong("offset"))
                                        .value(),
                                UTF_8))
                .isEqualTo("over-h2");
        Answer old = call(h1, HttpMethod.POST, port, "/topics/ports/messages?ack=kafka", "over-h1");
        assertThat(old.status()).isEqualTo(200);
        assertThat(old.version()).isEqualTo(HttpVersion.HTTP_1_1);
        ProdRs rs = produce(port, "over-grpc");
        assertThat(new String(kafka.recordAt("ports", 0, rs.getOffset()).value(), UTF_8))
                .isEqualTo("over-grpc");
    }

    @Test
    void ownPort_keepsTheHttpPortHttp11_andServesGrpcAndHttp2OnItsPort() throws Exception {
        int http = separate.port();
        int grpc = separate.grpcPort();
        assertThat(grpc).isNotEqualTo(http).isPositive();
        assertThat(call(h1, HttpMethod.GET, http, "/healthz", null).status()).isEqualTo(200);
        // no h2c on the HTTP port: a prior-knowledge client gets no HTTP/2 answer
        assertThatThrownBy(() -> call(h2, HttpMethod.GET, http, "/healthz", null))
                .isInstanceOf(java.util.concurrent.ExecutionException.class);
        Answer health = call(h2, HttpMethod.GET, grpc, "/healthz", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.version()).isEqualTo(HttpVersion.HTTP_2);
        ProdRs rs = produce(grpc, "own-port");
        assertThat(new String(kafka.recordAt("ports", 0, rs.getOffset()).value(), UTF_8))
                .isEqualTo("own-port");
    }
}
