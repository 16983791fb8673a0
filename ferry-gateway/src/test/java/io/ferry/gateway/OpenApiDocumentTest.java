package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document stays true: valid YAML, every route of the gateway in it, every error code
 * in it.
 */
class OpenApiDocumentTest {
    @Test
    void describesEveryRouteAndErrorCode() throws Exception {
        JsonNode doc;
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.yaml")) {
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        List<String> paths = new ArrayList<>();
        doc.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths)
                .containsExactlyInAnyOrder(
                        "/topics/{topic}/messages",
                        "/topics/{topic}/records",
                        "/topics",
                        "/topics/{topic}",
                        "/healthz",
                        "/readyz",
                        "/metrics");
        assertThat(doc.path("paths").path("/topics/{topic}/messages").has("post")).isTrue();
        assertThat(doc.path("paths").path("/topics/{topic}/records").has("post")).isTrue();
        String codes =
                doc.path("components")
                        .path("schemas")
                        .path("Error")
                        .path("properties")
                        .path("error")
                        .path("properties")
                        .path("code")
                        .path("description")
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
                        "unknown_cluster",
                        "topic_not_found",
                        "body_too_large",
                        "record_too_large",
                        "broker_full",
                        "too_many_requests",
                        "shutting_down",
                        "delivery_timeout",
                        "not_delivered",
                        "kafka_error")) {
            assertThat(codes).as("error code %s documented", code).contains(code);
        }
    }
}
