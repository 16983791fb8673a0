package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Honest answers (issue 16): every error in the JSON error shape, including those of the HTTP
 * decoder, 405 with {@code Allow}, {@code HEAD} wherever {@code GET} works.
 */
@KafkaTest
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ResponsesIT {
    private static InProcessKafka kafka;
    private static Gateway gateway;
    private static Http http;

    @BeforeAll
    static void start(InProcessKafka cluster) throws Exception {
        kafka = cluster;
        kafka.createTopic("answers", 1);
        gateway =
                Gateway.start(
                        GatewayConfig.of(
                                        KafkaSettings.from(
                                                Map.of("bootstrap.servers", kafka.bootstrap())),
                                        BrokerConfig.of("memory", Map.of("events", 1024)))
                                .withPort(0));
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.shutdown();
        }
        if (kafka != null) {}
    }

    private static void jsonError(RawHttp.Answer a, int status, String code) {
        assertThat(a.status()).as(a.text()).isEqualTo(status);
        assertThat(a.header("Content-Type")).isEqualTo("application/json");
        JsonObject e = new JsonObject(a.body()).getJsonObject("error");
        assertThat(e.getInteger("status")).isEqualTo(status);
        assertThat(e.getString("code")).isEqualTo(code);
        assertThat(e.getString("message")).isNotBlank().doesNotContain("Exception", "io.netty");
    }

    @Test
    void anOverLongRequestLine_414_json() {
        String path = "/topics/answers/messages?key=" + "k".repeat(9000);
        jsonError(
                RawHttp.send(
                        gateway.port(),
                        ("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                                .getBytes(US_ASCII)),
                414,
                "uri_too_long");
    }

    @Test
    void overLongHeaders_431_json() {
        jsonError(
                RawHttp.send(
                        gateway.port(),
                        ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
                                        + "b".repeat(20_000)
                                        + "\r\nConnection: close\r\n\r\n")
                                .getBytes(US_ASCII)),
                431,
                "headers_too_large");
    }

    @Test
    void aMalformedRequest_400_json() {
        jsonError(
                RawHttp.send(
                        gateway.port(),
                        "GET /healthz HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n"
                                .getBytes(US_ASCII)),
                400,
                "invalid_request");
    }

    @Test
    void wrongMethod_405_carriesAllow() {
        Http.Response onPost = http.get("/topics/answers/messages");
        assertThat(onPost.status()).isEqualTo(405);
        assertThat(onPost.header("Allow")).isEqualTo("POST");
        Http.Response onGet = http.post("/healthz", "x");
        assertThat(onGet.status()).isEqualTo(405);
        assertThat(onGet.header("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void head_worksWhereGetDoes_withoutABody() {
        for (String path :
                new String[] {
                    "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/topics", "/topics/answers"
                }) {
            Http.Response r =
                    http.send(
                            http.request(path)
                                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                    .build());
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).isEmpty();
        }
        assertThat(
                        http.send(
                                        http.request("/topics/answers/messages")
                                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                                .build())
                                .header("Allow"))
                .isEqualTo("POST");
    }

    @Test
    void describe_neverNamesAClass() {
        assertThat(
                        ApiException.describe(
                                new java.util.concurrent.CompletionException(
                                        new org.apache.kafka.common.errors.TimeoutException(
                                                "Timed out waiting for a node assignment."))))
                .isEqualTo("Timed out waiting for a node assignment.");
        assertThat(ApiException.describe(new IllegalStateException())).isEqualTo("no detail");
        assertThat(
                        ApiException.describe(
                                new RuntimeException(
                                        "org.apache.kafka.common.errors.TimeoutException: late")))
                .isEqualTo("late");
    }
}
