package io.ferry.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Substitutes {@code ${NAME}} and {@code ${NAME:-default}} in the string values of a parsed YAML
 * tree with environment variables; stateless, any thread. As in a shell, the default is used when
 * the variable is unset or empty; <code>$${</code> is a literal <code>${</code>. A variable that is
 * unset and has no default is an error naming the setting and the variable. Keys are never
 * substituted, and only values: a comment or a key cannot reach the environment.
 */
final class EnvSubstitution {
    private static final Pattern REF =
            Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private EnvSubstitution() {}

    /** Substitutes in place every string value of {@code root}; {@code env} gives variables. */
    static void apply(JsonNode root, UnaryOperator<String> env) {
        walk(root, "", env);
    }

    private static void walk(JsonNode node, String at, UnaryOperator<String> env) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String key = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
                if (e.getValue().isTextual()) {
                    e.setValue(TextNode.valueOf(substitute(e.getValue().asText(), key, env)));
                } else {
                    walk(e.getValue(), key, env);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    a.set(
                            i,
                            TextNode.valueOf(
                                    substitute(a.get(i).asText(), at + "[" + i + "]", env)));
                } else {
                    walk(a.get(i), at + "[" + i + "]", env);
                }
            }
        }
    }

    /** {@code value} with its references replaced; {@code at} names the setting in errors. */
    static String substitute(String value, String at, UnaryOperator<String> env) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Matcher m = REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) {
                replacement = "${";
            } else {
                String name = m.group(1);
                String v = env.apply(name);
                if (v == null || v.isEmpty()) {
                    if (m.group(2) == null) {
                        throw new GatewayConfig.ConfigException(
                                at
                                        + " refers to the environment variable "
                                        + name
                                        + ", which is not set; set it, or give a default: ${"
                                        + name
                                        + ":-value}");
                    }
                    v = m.group(2);
                }
                replacement = v;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
