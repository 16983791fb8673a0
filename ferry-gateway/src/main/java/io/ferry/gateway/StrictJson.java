package io.ferry.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses request bodies as strict JSON into Vert.x's {@code JsonObject}/{@code JsonArray} values;
 * stateless, any thread. A duplicate key is refused (a second {@code "records"} would silently
 * replace the first), and so are comments; the refusal says where and what, in words, never naming
 * a Java class or a Jackson feature.
 */
final class StrictJson {
    private static final JsonFactory FACTORY =
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static final Pattern DUPLICATE =
            Pattern.compile("Duplicate (?:field|Object property) '([^']*)'");

    private StrictJson() {}

    /**
     * The JSON value of {@code body}: a JsonObject, JsonArray, String, Number, Boolean or null.
     *
     * @throws ApiException 400 {@code invalid_body} saying what is wrong and where
     */
    static Object parse(Buffer body) {
        JsonParser parser;
        try {
            parser = FACTORY.createParser(body.getBytes());
        } catch (IOException e) {
            throw refusal("it cannot be read", null);
        }
        try {
            return JacksonCodec.fromParser(parser, Object.class);
        } catch (DecodeException e) {
            if (e.getCause() instanceof JsonProcessingException jpe) {
                throw refusal(describe(jpe.getOriginalMessage()), jpe.getLocation());
            }
            throw refusal("it holds more than one JSON value", null);
        }
    }

    private static ApiException refusal(String what, JsonLocation at) {
        return ApiException.badRequest(
                "invalid_body",
                "the body is not valid JSON"
                        + (at == null
                                ? ""
                                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                        + ": "
                        + what);
    }

    /** Jackson's message in words of the API: no feature or class names. */
    static String describe(String message) {
        String m = message == null ? "" : message;
        Matcher dup = DUPLICATE.matcher(m);
        if (dup.find()) {
            return "the key '" + dup.group(1) + "' appears twice in one object";
        }
        if (m.contains("comment")) {
            return "comments are not allowed";
        }
        if (m.contains("nesting depth")) {
            return "it is nested too deeply (more than 1000 levels)";
        }
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        m = m.replaceAll("\\s*\\(code \\d+\\)", "");
        int paren = m.indexOf(" (");
        if (paren >= 0
                && (m.contains("Feature") || m.contains("Constraints") || m.contains("java"))) {
            m = m.substring(0, paren);
        }
        if (m.contains("Feature") || m.contains("Constraints") || m.contains("com.fasterxml")) {
            return "malformed JSON";
        }
        return m.isBlank() ? "malformed JSON" : m.trim();
    }
}
