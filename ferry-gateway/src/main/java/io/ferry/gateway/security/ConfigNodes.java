package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reading the security sections of the YAML: each helper names the full key ({@code at}) in its
 * {@link ConfigException}. Stateless.
 */
public final class ConfigNodes {
    private ConfigNodes() {}

    /** True when {@code n} is absent or null. */
    public static boolean absent(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull();
    }

    /** Fails unless {@code n} is a map whose keys are all in {@code allowed}. */
    public static void map(JsonNode n, String at, Set<String> allowed) {
        if (!n.isObject()) {
            throw new ConfigException(at + " must be a map of settings " + new TreeSet<>(allowed));
        }
        for (String key : keys(n)) {
            if (!allowed.contains(key)) {
                throw new ConfigException(
                        "unknown setting '"
                                + at
                                + "."
                                + key
                                + "'; known: "
                                + new TreeSet<>(allowed));
            }
        }
    }

    private static List<String> keys(JsonNode n) {
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** {@code n.key} as text, or {@code def} when absent. */
    public static String text(JsonNode n, String at, String key, String def) {
        JsonNode v = n.path(key);
        if (absent(v)) {
            return def;
        }
        if (v.isContainerNode()) {
            throw new ConfigException(at + "." + key + " must be a single value");
        }
        return v.asText();
    }

    /** {@code n.key} as true or false, or {@code def} when absent. */
    public static boolean bool(JsonNode n, String at, String key, boolean def) {
        JsonNode v = n.path(key);
        if (absent(v)) {
            return def;
        }
        String t = v.asText().trim();
        if (v.isBoolean() || t.equals("true") || t.equals("false")) {
            return v.isBoolean() ? v.asBoolean() : Boolean.parseBoolean(t);
        }
        throw new ConfigException(
                at + "." + key + " is '" + v.asText() + "'; expected true or false");
    }

    /** {@code n.key} as an integer in {@code min..max}, or {@code def} when absent. */
    public static long number(JsonNode n, String at, String key, long def, long min, long max) {
        JsonNode v = n.path(key);
        if (absent(v)) {
            return def;
        }
        long x;
        try {
            if (!v.isIntegralNumber() && !v.isTextual()) {
                throw new NumberFormatException();
            }
            x = v.isIntegralNumber() ? v.asLong() : Long.parseLong(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    at
                            + "."
                            + key
                            + " is '"
                            + v.asText()
                            + "'; expected an integer "
                            + min
                            + ".."
                            + max);
        }
        if (x < min || x > max) {
            throw new ConfigException(
                    at + "." + key + " is " + x + "; expected " + min + ".." + max);
        }
        return x;
    }

    /**
     * {@code n.key} as a list of non-empty strings (a single value counts as a list of one), or the
     * empty list when absent.
     */
    public static List<String> strings(JsonNode n, String at, String key) {
        JsonNode v = n.path(key);
        if (absent(v)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (e.isContainerNode() || e.isNull() || e.asText().isBlank()) {
                    throw new ConfigException(
                            at
                                    + "."
                                    + key
                                    + " must be a list of non-empty names; found '"
                                    + e
                                    + "'");
                }
                out.add(e.asText().trim());
            }
        } else if (v.isContainerNode() || v.asText().isBlank()) {
            throw new ConfigException(at + "." + key + " must be a list of names");
        } else {
            out.add(v.asText().trim());
        }
        return List.copyOf(out);
    }
}
