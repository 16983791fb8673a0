package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsTest {
    private static final String APP = "https://app.example.com";

    private static Cors cors(List<String> origins, boolean credentials) {
        return new Cors(
                new CorsConfig(
                        origins,
                        CorsConfig.DEFAULT_METHODS,
                        CorsConfig.DEFAULT_HEADERS,
                        List.of("retry-after", "x-ferry-trace"),
                        600,
                        credentials),
                "gateway.security.api.cors");
    }

    @Test
    void off_noPreflight_noHeaders() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(Cors.OFF.on()).isFalse();
        assertThat(Cors.OFF.isPreflight("OPTIONS", APP, "POST")).isFalse();
        assertThat(Cors.OFF.actual(APP, out)).isNull();
        assertThat(out.isEmpty()).isTrue();
    }

    @Test
    void isPreflight_needsOptionsOriginAndRequestMethod() {
        Cors c = cors(List.of(APP), false);
        assertThat(c.isPreflight("OPTIONS", APP, "POST")).isTrue();
        assertThat(c.isPreflight("OPTIONS", null, "POST")).isFalse();
        assertThat(c.isPreflight("OPTIONS", APP, null)).isFalse();
        assertThat(c.isPreflight("POST", APP, "POST")).isFalse();
    }

    @Test
    void preflight_allowedOrigin_getsTheAllowHeaders() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of(APP), false).preflight(APP, "POST", "Content-Type, X-API-Key", out))
                .isNull();
        assertThat(out.get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(out.get("Access-Control-Allow-Methods")).isEqualTo("GET, POST, OPTIONS");
        assertThat(out.get("Access-Control-Allow-Headers"))
                .isEqualTo("authorization, content-type, x-api-key");
        assertThat(out.get("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(out.get("Vary")).contains("Origin");
        assertThat(out.contains("Access-Control-Allow-Credentials")).isFalse();
    }

    @Test
    void preflight_originComparesInLowerCase() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of(APP), false).preflight("HTTPS://App.Example.com", "GET", null, out))
                .isNull();
    }

    @Test
    void preflight_otherOrigin_isRefusedNamingIt_withoutAllowHeaders() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        Cors.Refusal r =
                cors(List.of(APP), false).preflight("https://evil.example", "POST", null, out);
        assertThat(r.code()).isEqualTo(Cors.Code.ORIGIN_NOT_ALLOWED);
        assertThat(r.code().wireName()).isEqualTo("cors_origin_not_allowed");
        assertThat(r.message())
                .isEqualTo(
                        "origin https://evil.example is not in"
                                + " gateway.security.api.cors.allowed-origins; pages of the"
                                + " allowed origins only may call this listener");
        assertThat(out.contains("Access-Control-Allow-Origin")).isFalse();
        assertThat(out.get("Vary")).contains("Origin");
    }

    @Test
    void preflight_subdomainOrOtherPortOrScheme_isAnotherOrigin() {
        Cors c = cors(List.of(APP), false);
        for (String o :
                List.of(
                        "https://x.app.example.com",
                        "https://app.example.com:8443",
                        "http://app.example.com",
                        "https://app.example.com.evil.example",
                        "null")) {
            assertThat(c.preflight(o, "GET", null, MultiMap.caseInsensitiveMultiMap()))
                    .as(o)
                    .isNotNull();
        }
    }

    @Test
    void preflight_methodNotAllowed_isRefusedNamingIt() {
        Cors.Refusal r =
                cors(List.of(APP), false)
                        .preflight(APP, "DELETE", null, MultiMap.caseInsensitiveMultiMap());
        assertThat(r.code()).isEqualTo(Cors.Code.METHOD_NOT_ALLOWED);
        assertThat(r.message()).contains("DELETE").contains("allowed-methods [GET, POST, OPTIONS]");
    }

    @Test
    void preflight_headerNotAllowed_isRefusedNamingIt_safelistedOnesPass() {
        Cors c = cors(List.of(APP), false);
        assertThat(
                        c.preflight(
                                APP,
                                "GET",
                                "accept, accept-language",
                                MultiMap.caseInsensitiveMultiMap()))
                .isNull();
        Cors.Refusal r =
                c.preflight(
                        APP, "POST", "authorization, X-Custom", MultiMap.caseInsensitiveMultiMap());
        assertThat(r.code()).isEqualTo(Cors.Code.HEADER_NOT_ALLOWED);
        assertThat(r.message()).contains("x-custom").contains("allowed-headers");
    }

    @Test
    void preflight_credentials_areAllowedWhenConfigured() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of(APP), true).preflight(APP, "GET", null, out)).isNull();
        assertThat(out.get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(out.get("Access-Control-Allow-Origin")).isEqualTo(APP);
    }

    @Test
    void preflight_anyOrigin_answersStar() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of("*"), false).preflight("https://whoever.example", "GET", null, out))
                .isNull();
        assertThat(out.get("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void actual_allowedOrigin_getsOriginVaryAndExposedHeaders() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of(APP), false).actual(APP, out)).isNull();
        assertThat(out.get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(out.get("Vary")).isEqualTo("Origin");
        assertThat(out.get("Access-Control-Expose-Headers"))
                .isEqualTo("retry-after, x-ferry-trace");
    }

    @Test
    void actual_withoutOrigin_getsOnlyVary() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        assertThat(cors(List.of(APP), false).actual(null, out)).isNull();
        assertThat(out.names()).containsExactly("Vary");
        assertThat(out.get("Vary")).isEqualTo("Origin");
    }

    @Test
    void actual_otherOrigin_isRefused_onlyVary() {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        Cors.Refusal r = cors(List.of(APP), false).actual("https://evil.example", out);
        assertThat(r.code()).isEqualTo(Cors.Code.ORIGIN_NOT_ALLOWED);
        assertThat(out.names()).containsExactly("Vary");
    }

    @Test
    void refusal_longOriginIsCut() {
        String o = "https://" + "a".repeat(1000) + ".example";
        Cors.Refusal r = cors(List.of(APP), false).actual(o, MultiMap.caseInsensitiveMultiMap());
        assertThat(r.message().length()).isLessThan(400);
    }
}
