package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.security.ApiKeyFile;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CORS on a real gateway and real Kafka: preflights from an allowed and a refused origin answered
 * before authentication, an allowed origin's answers (success and refusal) carrying its headers,
 * and a listener without CORS answering OPTIONS as it always did.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CorsIT {
    private static final String APP = "https://app.example.com";
    private static final String EVIL = "https://evil.example";
    private static final String ALICE = ApiKeyFile.newKey(new SecureRandom());

    @TempDir static Path dir;
    private static Gateway gateway;
    private static Http http;
    private static Http management;
    private static Http pixy;

    @BeforeAll
    static void start(InProcessKafka kafka) throws IOException {
        kafka.createTopic("cors", 1);
        Path keys = dir.resolve("api-keys.txt");
        Files.write(keys, List.of(ApiKeyFile.line("alice", ALICE, List.of())));
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
                                        api-keys: {file: "%1$s"}
                                      authorization:
                                        rules: [{principals: ["*"], produce: ["*"], consume: ["*"], consumer-groups: ["*"], describe: ["*"]}]
                                      cors:
                                        allowed-origins: [%2$s]
                                        exposed-headers: [retry-after, www-authenticate]
                                        max-age-seconds: 120
                                    kafka-pixy:
                                      cors: {allowed-origins: [%2$s]}
                                clusters:
                                  default:
                                    kafka: {bootstrap.servers: "%3$s", linger.ms: 1}
                                    broker: {type: memory, events: 4096}
                                """
                                        .formatted(keys, APP, kafka.bootstrap())));
        http = new Http(gateway.port());
        management = new Http(gateway.managementPort());
        pixy = new Http(gateway.kafkaPixyPort());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            assertThat(gateway.shutdown()).isTrue();
        }
    }

    private static Http.Response options(Http h, String path, String... headers) {
        HttpRequest.Builder b =
                h.request(path).method("OPTIONS", HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return h.send(b.build());
    }

    @Test
    void preflight_fromAnAllowedOrigin_is204WithTheAllowHeaders_withoutCredentials() {
        Http.Response r =
                options(
                        http,
                        "/topics/cors/messages",
                        "Origin",
                        APP,
                        "Access-Control-Request-Method",
                        "POST",
                        "Access-Control-Request-Headers",
                        "x-api-key, content-type");
        assertThat(r.status()).as(r.toString()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(r.header("Access-Control-Allow-Methods")).isEqualTo("GET, POST, OPTIONS");
        assertThat(r.header("Access-Control-Allow-Headers"))
                .isEqualTo("authorization, content-type, x-api-key");
        assertThat(r.header("Access-Control-Max-Age")).isEqualTo("120");
        assertThat(r.header("Vary")).contains("Origin");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.body()).isEmpty();
    }

    @Test
    void preflight_fromAnotherOrigin_is403NamingIt_withoutAllowHeaders() {
        Http.Response r =
                options(
                        http,
                        "/topics/cors/messages",
                        "Origin",
                        EVIL,
                        "Access-Control-Request-Method",
                        "POST");
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
        JsonObject e = r.json().getJsonObject("error");
        assertThat(e.getString("code")).isEqualTo("cors_origin_not_allowed");
        assertThat(e.getString("message"))
                .isEqualTo(
                        "origin https://evil.example is not in"
                                + " gateway.security.api.cors.allowed-origins; pages of the allowed"
                                + " origins only may call this listener");
    }

    @Test
    void actualRequest_fromAnAllowedOrigin_getsItsHeaders_onSuccessAndOnRefusal() {
        Http.Response ok =
                http.send(
                        http.request("/topics/cors")
                                .header("Origin", APP)
                                .header("X-API-Key", ALICE)
                                .GET()
                                .build());
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(ok.header("Vary")).isEqualTo("Origin");
        assertThat(ok.header("Access-Control-Expose-Headers"))
                .isEqualTo("retry-after, www-authenticate");

        Http.Response refused =
                http.send(http.request("/topics/cors").header("Origin", APP).GET().build());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("Access-Control-Allow-Origin"))
                .as("the page can read why")
                .isEqualTo(APP);
    }

    @Test
    void actualRequest_fromAnotherOrigin_is403BeforeItDoesAnything() {
        Http.Response r =
                http.post(
                        "/topics/cors/messages?ack=kafka",
                        "from a page",
                        "Origin",
                        EVIL,
                        "X-API-Key",
                        ALICE);
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.json().getJsonObject("error").getString("code"))
                .isEqualTo("cors_origin_not_allowed");
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void withoutOrigin_nothingChanges_andOptionsIs405WithAllow() {
        Http.Response r = options(http, "/topics/cors/messages", "X-API-Key", ALICE);
        assertThat(r.status()).as(r.toString()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("POST");
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
        assertThat(r.header("Vary")).as("CORS is on: answers vary by origin").isEqualTo("Origin");
    }

    @Test
    void corsOff_optionsWithAPreflightsHeaders_isAnsweredAsBefore() {
        Http.Response r =
                options(
                        management,
                        "/healthz",
                        "Origin",
                        APP,
                        "Access-Control-Request-Method",
                        "GET");
        assertThat(r.status()).as(r.toString()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
        assertThat(r.header("Vary")).isNull();
    }

    @Test
    void kafkaPixy_withoutAuthentication_answersPreflights_andRefusesInItsOwnShape() {
        Http.Response ok =
                options(
                        pixy,
                        "/topics/cors/messages",
                        "Origin",
                        APP,
                        "Access-Control-Request-Method",
                        "POST");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(204);
        assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        Http.Response refused = pixy.post("/topics/cors/messages", "from a page", "Origin", EVIL);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.json().getString("error"))
                .startsWith(
                        "origin https://evil.example is not in"
                                + " gateway.security.kafka-pixy.cors.allowed-origins");
        Http.Response served = pixy.post("/topics/cors/messages", "from the app", "Origin", APP);
        assertThat(served.status()).as(served.toString()).isEqualTo(200);
        assertThat(served.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    }
}
