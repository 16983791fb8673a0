package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.http.HttpMethod;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document stays true: valid for a real OpenAPI parser (swagger-parser, no messages),
 * every route the server answers ({@link HttpApi.Route}) in it and nothing else, every status and
 * error code the server sends described.
 */
class OpenApiDocumentTest {
    private static final String PREFIX = "/clusters/{cluster}";
    private static String text;
    private static SwaggerParseResult parsed;

    @BeforeAll
    static void parse() throws Exception {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        parsed = new OpenAPIV3Parser().readContents(text, null, options);
    }

    private static OpenAPI api() {
        return parsed.getOpenAPI();
    }

    /**
     * The document's form of a route's pattern: {@code /topics/:topic} is {@code /topics/{topic}}.
     */
    private static String path(HttpApi.Route r) {
        return r.pattern.replace(":topic", "{topic}");
    }

    private static Operation operation(PathItem item, HttpMethod m) {
        return switch (m.name()) {
            case "GET" -> item.getGet();
            case "HEAD" -> item.getHead();
            case "POST" -> item.getPost();
            default -> throw new AssertionError(m);
        };
    }

    @Test
    void isValidOpenApi_withNoParserMessages() {
        assertThat(parsed.getMessages()).isEmpty();
        assertThat(api()).isNotNull();
        assertThat(api().getOpenapi()).startsWith("3.0");
    }

    @Test
    void everyRouteIsDescribed_withItsMethod_headWhereAnswered_andItsClusterPrefixedForm() {
        for (HttpApi.Route r : HttpApi.Route.values()) {
            List<String> forms = new ArrayList<>(List.of(path(r)));
            if (r != HttpApi.Route.OPENAPI) {
                forms.add(PREFIX + path(r));
            }
            for (String p : forms) {
                PathItem item = api().getPaths().get(p);
                assertThat(item).as("%s %s documented", r, p).isNotNull();
                assertThat(operation(item, r.method)).as("%s %s", r.method, p).isNotNull();
                if (r.answersHead()) {
                    assertThat(item.getHead()).as("HEAD %s", p).isNotNull();
                } else if (r.method.equals(HttpMethod.GET)) {
                    assertThat(item.getHead()).as("HEAD %s is not answered", p).isNull();
                }
                Operation op = operation(item, r.method);
                assertThat(op.getResponses()).as("%s documents 405", p).containsKey("405");
                // the query parameters the route takes are the ones QueryCheck allows
                List<String> query = new ArrayList<>();
                if (op.getParameters() != null) {
                    op.getParameters().stream()
                            .filter(x -> "query".equals(x.getIn()))
                            .forEach(x -> query.add(x.getName()));
                }
                assertThat(query)
                        .as("%s query parameters", p)
                        .containsExactlyInAnyOrderElementsOf(r.params);
            }
        }
    }

    @Test
    void describesNothingTheServerDoesNotAnswer() {
        for (Map.Entry<String, PathItem> e : api().getPaths().entrySet()) {
            String p =
                    e.getKey().startsWith(PREFIX)
                            ? e.getKey().substring(PREFIX.length())
                            : e.getKey();
            List<HttpApi.Route> routes = new ArrayList<>();
            for (HttpApi.Route r : HttpApi.Route.values()) {
                if (path(r).equals(p)) {
                    routes.add(r);
                }
            }
            assertThat(routes).as("a route for %s", e.getKey()).isNotEmpty();
            for (PathItem.HttpMethod m : e.getValue().readOperationsMap().keySet()) {
                boolean ok =
                        routes.stream()
                                .anyMatch(
                                        r ->
                                                m.name().equals(r.method.name())
                                                        || (m == PathItem.HttpMethod.HEAD
                                                                && r.answersHead()));
                assertThat(ok).as("%s %s is answered", m, e.getKey()).isTrue();
            }
        }
    }

    @Test
    void describesEveryStatusAProduceRequestGets() {
        assertThat(
                        new TreeSet<>(
                                api().getPaths()
                                        .get("/topics/{topic}/messages")
                                        .getPost()
                                        .getResponses()
                                        .keySet()))
                .containsExactly(
                        "200", "202", "400", "401", "403", "404", "405", "408", "413", "414", "415",
                        "429", "431", "500", "502", "503", "504");
        assertThat(api().getPaths().get("/topics/{topic}/records").getPost().getResponses())
                .containsKeys(
                        "200", "202", "207", "400", "404", "405", "408", "413", "415", "429", "431",
                        "503");
        assertThat(api().getPaths().get("/healthz").getGet().getResponses())
                .containsKeys("200", "503");
    }

    @Test
    void describesEveryStatusAConsumeRequestGets() {
        assertThat(api().getPaths().get("/topics/{topic}/records").getGet().getResponses())
                .containsKeys("200", "400", "403", "404", "405", "409", "429", "500", "503");
        for (String p : List.of("/topics/{topic}/acks", "/topics/{topic}/releases")) {
            assertThat(api().getPaths().get(p).getPost().getResponses())
                    .as(p)
                    .containsKeys(
                            "200", "207", "400", "403", "404", "405", "409", "413", "415", "500",
                            "503");
        }
        PathItem offsets = api().getPaths().get("/topics/{topic}/offsets");
        assertThat(offsets.getGet().getResponses())
                .containsKeys("200", "400", "403", "404", "405", "503");
        assertThat(offsets.getPost().getResponses())
                .containsKeys("200", "400", "403", "404", "405", "409", "413", "503");
    }

    @Test
    void listsEveryConsumeErrorCode() throws Exception {
        String codes =
                new com.fasterxml.jackson.databind.ObjectMapper(
                                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree(text)
                        .at(
                                "/components/schemas/Error/properties/error/properties/code/description")
                        .asText();
        // whole names: "refused" must be listed, not found inside "kafka_refused"
        List<String> listed = List.of(codes.trim().split("[,\\s]+"));
        for (ConsumeRefused.Code c : ConsumeRefused.Code.values()) {
            assertThat(listed)
                    .as("consume error code %s documented", c)
                    .contains(ConsumeRefused.wireName(c));
        }
    }

    @Test
    void listsEveryErrorCode() throws Exception {
        String codes =
                new com.fasterxml.jackson.databind.ObjectMapper(
                                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree(text)
                        .at(
                                "/components/schemas/Error/properties/error/properties/code/description")
                        .asText();
        for (String code :
                List.of(
                        "invalid_topic",
                        "invalid_partition",
                        "invalid_key",
                        "invalid_value",
                        "invalid_body",
                        "invalid_record",
                        "invalid_encoding",
                        "invalid_ack",
                        "invalid_timestamp",
                        "invalid_headers",
                        "invalid_request",
                        "unknown_parameter",
                        "repeated_parameter",
                        "unknown_cluster",
                        "topic_not_found",
                        "not_found",
                        "method_not_allowed",
                        "request_timeout",
                        "body_too_large",
                        "record_too_large",
                        "uri_too_long",
                        "unsupported_encoding",
                        "headers_too_large",
                        "broker_full",
                        "too_many_requests",
                        "too_many_bytes",
                        "shutting_down",
                        "failed",
                        "delivery_timeout",
                        "not_delivered",
                        "not_authorized",
                        "unauthenticated",
                        "kafka_error",
                        "kafka_unavailable",
                        "internal_error",
                        "rate_limited",
                        "cors_origin_not_allowed",
                        "cors_method_not_allowed",
                        "cors_header_not_allowed")) {
            assertThat(codes).as("error code %s documented", code).contains(code);
        }
    }
}
