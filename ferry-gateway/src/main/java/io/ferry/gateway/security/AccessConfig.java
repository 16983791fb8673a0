package io.ferry.gateway.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code <listener>.authorization}: what each authenticated principal may do on the listener
 * (docs/security.md, "Authorization"); immutable, any thread. Default deny: once the listener
 * authenticates, a principal may do only what a rule allows; with no rules, nothing. The rules are
 * evaluated by {@link AccessRules}.
 *
 * <pre>
 * authorization:
 *   rules:
 *     - principals: [alice]           # and/or principal-groups: [ops]; "*": any authenticated one
 *       clusters: [default]           # absent: every cluster
 *       produce: [orders, "logs.*"]   # topics: literal names, or a prefix ending in *; "*": all
 *       consume: [orders]
 *       consumer-groups: ["billing-*"] # the consumer groups it may consume in
 *       describe: [orders]            # produce or consume of a topic lets describe it too
 * </pre>
 *
 * @param rules the rules in configuration order (their order does not matter: any rule that allows
 *     is enough)
 */
public record AccessConfig(List<Rule> rules) {
    /** No rules: once the listener authenticates, nobody may do anything. */
    public static final AccessConfig OFF = new AccessConfig(List.of());

    static final Set<String> KEYS = Set.of("rules");

    static final Set<String> RULE_KEYS =
            Set.of(
                    "principals",
                    "principal-groups",
                    "clusters",
                    "produce",
                    "consume",
                    "consumer-groups",
                    "describe");

    /** A topic's or a group's name (Kafka's characters) as a literal or before the prefix's *. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** Copies the rules. */
    public AccessConfig {
        rules = List.copyOf(rules);
    }

    /**
     * One rule: who ({@code principals} or {@code principalGroups}, either may be {@code ["*"]}),
     * where ({@code clusters}, empty: every cluster) and what. Each list of names holds literal
     * names and prefixes ending in {@code *}, or is {@code ["*"]} alone.
     *
     * @param principals principal names it applies to ({@code *}: any authenticated principal)
     * @param principalGroups groups of principals it applies to (a JWT's groups claim, an API key's
     *     groups)
     * @param clusters the clusters it applies to; empty: every one
     * @param produce topics it lets write
     * @param consume topics it lets read in a consumer group
     * @param consumerGroups consumer groups it lets read in
     * @param describe topics it lets see (metadata, groups, offsets, in lists)
     */
    public record Rule(
            List<String> principals,
            List<String> principalGroups,
            List<String> clusters,
            List<String> produce,
            List<String> consume,
            List<String> consumerGroups,
            List<String> describe) {
        /** Copies the lists. */
        public Rule {
            principals = List.copyOf(principals);
            principalGroups = List.copyOf(principalGroups);
            clusters = List.copyOf(clusters);
            produce = List.copyOf(produce);
            consume = List.copyOf(consume);
            consumerGroups = List.copyOf(consumerGroups);
            describe = List.copyOf(describe);
        }

        /** A rule for {@code principals} in every cluster (tests, embedding). */
        public static Rule forPrincipals(String... principals) {
            return new Rule(
                    List.of(principals),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of());
        }

        /** This rule also letting produce to {@code topics}. */
        public Rule produce(String... topics) {
            return new Rule(
                    principals,
                    principalGroups,
                    clusters,
                    plus(produce, topics),
                    consume,
                    consumerGroups,
                    describe);
        }

        /** This rule also letting consume {@code topics}. */
        public Rule consume(String... topics) {
            return new Rule(
                    principals,
                    principalGroups,
                    clusters,
                    produce,
                    plus(consume, topics),
                    consumerGroups,
                    describe);
        }

        /** This rule also letting consume in {@code groups}. */
        public Rule consumerGroups(String... groups) {
            return new Rule(
                    principals,
                    principalGroups,
                    clusters,
                    produce,
                    consume,
                    plus(consumerGroups, groups),
                    describe);
        }

        /** This rule also letting describe {@code topics}. */
        public Rule describe(String... topics) {
            return new Rule(
                    principals,
                    principalGroups,
                    clusters,
                    produce,
                    consume,
                    consumerGroups,
                    plus(describe, topics));
        }

        /** This rule only in {@code names} clusters. */
        public Rule inClusters(String... names) {
            return new Rule(
                    principals,
                    principalGroups,
                    plus(clusters, names),
                    produce,
                    consume,
                    consumerGroups,
                    describe);
        }

        /** This rule also for principals in {@code groups}. */
        public Rule forGroups(String... groups) {
            return new Rule(
                    principals,
                    plus(principalGroups, groups),
                    clusters,
                    produce,
                    consume,
                    consumerGroups,
                    describe);
        }

        private static List<String> plus(List<String> a, String... more) {
            List<String> out = new ArrayList<>(a);
            out.addAll(List.of(more));
            return out;
        }
    }

    /** Parses {@code n} (at {@code at}); absent means {@link #OFF}. */
    public static AccessConfig parse(JsonNode n, String at) {
        if (ConfigNodes.absent(n)) {
            return OFF;
        }
        ConfigNodes.map(n, at, KEYS);
        JsonNode rs = n.path("rules");
        if (ConfigNodes.absent(rs)) {
            return OFF;
        }
        if (!rs.isArray()) {
            throw new ConfigException(
                    at
                            + ".rules must be a list of rules, each a map of "
                            + new TreeSet<>(RULE_KEYS));
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            rules.add(rule(rs.get(i), at + ".rules[" + i + "]"));
        }
        return new AccessConfig(rules);
    }

    private static Rule rule(JsonNode r, String at) {
        if (r.isObject() && r.has("groups")) {
            throw new ConfigException(
                    at
                            + ".groups is ambiguous; use principal-groups (the caller's groups the"
                            + " rule applies to) or consumer-groups (the consumer groups it lets"
                            + " consume in)");
        }
        ConfigNodes.map(r, at, RULE_KEYS);
        List<String> principals = names(r, at, "principals", false);
        List<String> principalGroups = names(r, at, "principal-groups", false);
        if (principalGroups.contains("*")) {
            throw new ConfigException(
                    at
                            + ".principal-groups is [\"*\"]; name the groups, or use principals:"
                            + " [\"*\"] for any authenticated principal");
        }
        if (principals.isEmpty() && principalGroups.isEmpty()) {
            throw new ConfigException(
                    at
                            + " applies to nobody: name principals and/or principal-groups (\"*\""
                            + " for any authenticated principal)");
        }
        List<String> clusters = names(r, at, "clusters", false);
        Rule rule =
                new Rule(
                        principals,
                        principalGroups,
                        clusters.equals(List.of("*")) ? List.of() : clusters,
                        names(r, at, "produce", true),
                        names(r, at, "consume", true),
                        names(r, at, "consumer-groups", true),
                        names(r, at, "describe", true));
        if (rule.produce().isEmpty()
                && rule.consume().isEmpty()
                && rule.consumerGroups().isEmpty()
                && rule.describe().isEmpty()) {
            throw new ConfigException(
                    at
                            + " allows nothing: give it produce, consume (with consumer-groups)"
                            + " or describe, each a list of topics");
        }
        return rule;
    }

    /**
     * {@code r.key} as a list of names: with {@code patterns}, each a Kafka name or a prefix of one
     * ending in {@code *}; {@code ["*"]} alone means all.
     */
    private static List<String> names(JsonNode r, String at, String key, boolean patterns) {
        List<String> names = ConfigNodes.strings(r, at, key);
        String where = at + "." + key;
        if (names.contains("*") && names.size() > 1) {
            throw new ConfigException(
                    where
                            + " is "
                            + names
                            + ": \"*\" means all, so the other names add nothing; give \"*\""
                            + " alone or only the names");
        }
        for (String s : names) {
            if (s.equals("*")) {
                continue;
            }
            if (!patterns) {
                if (s.indexOf('*') >= 0) {
                    throw new ConfigException(
                            where
                                    + " has '"
                                    + s
                                    + "': names here are literal (\"*\" alone means all)");
                }
                continue;
            }
            int star = s.indexOf('*');
            String stem = star < 0 ? s : s.substring(0, star);
            if ((star >= 0 && star != s.length() - 1) || !NAME.matcher(stem).matches()) {
                throw new ConfigException(
                        where
                                + " has '"
                                + s
                                + "'; expected a name of a-z A-Z 0-9 . _ - (at most 249), a"
                                + " prefix of one ending in * (such as logs.*), or \"*\" alone"
                                + " for all");
            }
        }
        return names;
    }

    /**
     * Fails unless every cluster a rule names is configured ({@code at}: this section's key, such
     * as {@code gateway.security.api.authorization}): a misspelt cluster would silently allow
     * nothing.
     */
    public void checkClusters(Set<String> configured, String at) {
        Objects.requireNonNull(configured, "configured");
        for (int i = 0; i < rules.size(); i++) {
            for (String c : rules.get(i).clusters()) {
                if (!configured.contains(c)) {
                    throw new ConfigException(
                            at
                                    + ".rules["
                                    + i
                                    + "].clusters names '"
                                    + c
                                    + "', which is not configured; configured: "
                                    + new TreeSet<>(configured)
                                    + " (or \"*\" for all)");
                }
            }
        }
    }
}
