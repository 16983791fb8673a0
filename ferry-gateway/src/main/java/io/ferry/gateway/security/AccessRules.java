package io.ferry.gateway.security;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides what a principal may do under one listener's {@link AccessConfig}; safe from any thread,
 * never blocks. A decision once made for a principal is cached: a cached one allocates nothing (the
 * produce hot path asks once per request).
 *
 * <p>A principal may produce to (consume, describe) a topic of a cluster when some rule that
 * applies to it (its name, one of its groups, or {@code *}) and to the cluster names the topic
 * under {@code produce} ({@code consume}, {@code describe}); produce or consume of a topic lets it
 * describe the topic too, as in Kafka's ACLs. Consuming in a group needs, besides consume of the
 * topic, a rule that names the group under {@code consumer-groups} (the topic and the group are
 * separate grants, as Kafka's READ on a topic and on a group).
 */
public final class AccessRules {
    /* Design notes
     * Evaluation: the rules are compiled once (literal names in hash sets, prefixes in arrays), so
     * deciding is a few set lookups and startsWith calls per rule, without allocation. The cache
     * spares even that: principal -> cluster -> topic -> bits (PRODUCE, CONSUME, DESCRIBE), and
     * principal -> cluster -> group -> allowed. Boxed values are Integer.valueOf(0..7) and
     * Boolean.TRUE/FALSE, the JDK's shared instances: a hit allocates nothing (Principal's hashCode
     * is its name's cached hash plus its groups' sum; the Strings' hashes are cached).
     * Bounds: at most MAX_PRINCIPALS principals and MAX_NAMES topics (and as many groups) per
     * principal and cluster; a map that reaches its bound is cleared and fills again (decisions
     * are cheap to redo, and nothing in the cache can grant what the rules do not).
     * Races: two threads may compute the same decision at once; both compute the same answer from
     * immutable rules, and either put wins (benign).
     */

    /** The most principals whose decisions are cached. */
    static final int MAX_PRINCIPALS = 4096;

    /** The most topics (and, separately, groups) cached per principal and cluster. */
    static final int MAX_NAMES = 4096;

    private static final int PRODUCE = 1;
    private static final int CONSUME = 2;
    private static final int DESCRIBE = 4;

    private final List<Compiled> rules;
    private final ConcurrentHashMap<Principal, Grants> cache = new ConcurrentHashMap<>();

    private AccessRules(List<Compiled> rules) {
        this.rules = rules;
    }

    /** The rules of {@code config}, compiled. */
    public static AccessRules of(AccessConfig config) {
        List<Compiled> out = new ArrayList<>();
        for (AccessConfig.Rule r : config.rules()) {
            out.add(new Compiled(r));
        }
        return new AccessRules(List.copyOf(out));
    }

    /** True when {@code principal} may do {@code op} on {@code topic} of {@code cluster}. */
    public boolean allows(Principal principal, Operation op, String cluster, String topic) {
        if (topic == null || cluster == null) {
            return false;
        }
        int bit =
                switch (op) {
                    case PRODUCE -> PRODUCE;
                    case CONSUME -> CONSUME;
                    case DESCRIBE -> DESCRIBE;
                };
        return (grants(principal).in(cluster).topicBits(topic) & bit) != 0;
    }

    /**
     * True when {@code principal} may consume in consumer group {@code group} of {@code cluster}.
     */
    public boolean allowsGroup(Principal principal, String cluster, String group) {
        if (group == null || cluster == null) {
            return false;
        }
        return grants(principal).in(cluster).group(group);
    }

    /** The number of principals whose decisions are cached now (tests). */
    int cachedPrincipals() {
        return cache.size();
    }

    private Grants grants(Principal p) {
        Grants g = cache.get(p);
        if (g != null) {
            return g;
        }
        List<Compiled> applying = new ArrayList<>();
        for (Compiled r : rules) {
            if (r.appliesTo(p)) {
                applying.add(r);
            }
        }
        g = new Grants(List.copyOf(applying));
        if (cache.size() >= MAX_PRINCIPALS) {
            cache.clear();
        }
        Grants raced = cache.putIfAbsent(p, g);
        return raced != null ? raced : g;
    }

    /** The rules that apply to one principal, and its decisions per cluster. */
    private static final class Grants {
        private final List<Compiled> rules;
        private final ConcurrentHashMap<String, ClusterGrants> clusters = new ConcurrentHashMap<>();

        Grants(List<Compiled> rules) {
            this.rules = rules;
        }

        ClusterGrants in(String cluster) {
            ClusterGrants c = clusters.get(cluster);
            if (c != null) {
                return c;
            }
            List<Compiled> applying = new ArrayList<>();
            for (Compiled r : rules) {
                if (r.clusters.isEmpty() || r.clusters.contains(cluster)) {
                    applying.add(r);
                }
            }
            c = new ClusterGrants(applying.toArray(new Compiled[0]));
            if (clusters.size() >= MAX_NAMES) {
                clusters.clear(); // only callers naming unconfigured clusters get here
            }
            ClusterGrants raced = clusters.putIfAbsent(cluster, c);
            return raced != null ? raced : c;
        }
    }

    /** The rules that apply to one principal in one cluster, and their decisions. */
    private static final class ClusterGrants {
        private final Compiled[] rules;
        private final ConcurrentHashMap<String, Integer> topics = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Boolean> groups = new ConcurrentHashMap<>();

        ClusterGrants(Compiled[] rules) {
            this.rules = rules;
        }

        int topicBits(String topic) {
            Integer cached = topics.get(topic);
            if (cached != null) {
                return cached;
            }
            int bits = 0;
            for (Compiled r : rules) {
                if (r.produce.matches(topic)) {
                    bits |= PRODUCE | DESCRIBE;
                }
                if (r.consume.matches(topic)) {
                    bits |= CONSUME | DESCRIBE;
                }
                if (r.describe.matches(topic)) {
                    bits |= DESCRIBE;
                }
            }
            if (topics.size() >= MAX_NAMES) {
                topics.clear();
            }
            topics.put(topic, bits); // Integer.valueOf(0..7): the JDK's cached instances
            return bits;
        }

        boolean group(String group) {
            Boolean cached = groups.get(group);
            if (cached != null) {
                return cached;
            }
            boolean allowed = false;
            for (Compiled r : rules) {
                allowed |= r.consumerGroups.matches(group);
            }
            if (groups.size() >= MAX_NAMES) {
                groups.clear();
            }
            groups.put(group, allowed);
            return allowed;
        }
    }

    /** One rule, compiled for lookups. */
    private static final class Compiled {
        final boolean anyPrincipal;
        final Set<String> principals;
        final Set<String> principalGroups;
        final Set<String> clusters;
        final Names produce;
        final Names consume;
        final Names consumerGroups;
        final Names describe;

        Compiled(AccessConfig.Rule r) {
            anyPrincipal = r.principals().contains("*");
            principals = Set.copyOf(r.principals());
            principalGroups = Set.copyOf(r.principalGroups());
            clusters = Set.copyOf(r.clusters());
            produce = new Names(r.produce());
            consume = new Names(r.consume());
            consumerGroups = new Names(r.consumerGroups());
            describe = new Names(r.describe());
        }

        boolean appliesTo(Principal p) {
            if (anyPrincipal || principals.contains(p.name())) {
                return true;
            }
            for (String g : p.groups()) {
                if (principalGroups.contains(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Literal names, prefixes (a trailing {@code *}), or all ({@code *}). */
    private static final class Names {
        private final boolean all;
        private final Set<String> literals;
        private final String[] prefixes;

        Names(List<String> patterns) {
            boolean a = false;
            Set<String> lit = new HashSet<>();
            List<String> pre = new ArrayList<>();
            for (String s : patterns) {
                if (s.equals("*")) {
                    a = true;
                } else if (s.endsWith("*")) {
                    pre.add(s.substring(0, s.length() - 1));
                } else {
                    lit.add(s);
                }
            }
            all = a;
            literals = Set.copyOf(lit);
            prefixes = pre.toArray(new String[0]);
        }

        boolean matches(String name) {
            if (name == null) {
                return false;
            }
            if (all || literals.contains(name)) {
                return true;
            }
            for (String p : prefixes) {
                if (name.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public String toString() {
        return "AccessRules{" + rules.size() + " rules, " + cache.size() + " principals cached}";
    }
}
