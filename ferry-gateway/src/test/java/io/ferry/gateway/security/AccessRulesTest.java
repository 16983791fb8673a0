package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.security.AccessConfig.Rule;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link AccessRules}: what each rule grants, and its cache. */
class AccessRulesTest {
    private static final Principal ALICE = new Principal("alice", Set.of(), "api-key");
    private static final Principal BOB = new Principal("bob", Set.of("ops"), "jwt");
    private static final Principal CAROL = new Principal("carol", Set.of("dev"), "jwt");

    private static AccessRules rules(Rule... rules) {
        return AccessRules.of(new AccessConfig(List.of(rules)));
    }

    @Test
    void noRules_allowNothing() {
        AccessRules r = rules();
        for (Operation op : Operation.values()) {
            assertThat(r.allows(ALICE, op, "default", "orders")).as(op.name()).isFalse();
        }
        assertThat(r.allowsGroup(ALICE, "default", "g")).isFalse();
    }

    @Test
    void literalsAndPrefixes_matchTopics_perOperation() {
        AccessRules r = rules(Rule.forPrincipals("alice").produce("orders", "logs.*"));
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "orders")).isTrue();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "logs.web")).isTrue();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "logs.")).isTrue();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "logs")).isFalse();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "orders2")).isFalse();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "payments")).isFalse();
        assertThat(r.allows(ALICE, Operation.CONSUME, "default", "orders")).isFalse();
        assertThat(r.allows(BOB, Operation.PRODUCE, "default", "orders"))
                .as("another principal")
                .isFalse();
    }

    @Test
    void produceOrConsume_impliesDescribe_butNotTheOtherWay() {
        AccessRules r =
                rules(
                        Rule.forPrincipals("alice").produce("p").consume("c").describe("d"),
                        Rule.forPrincipals("alice").describe("x.*"));
        assertThat(r.allows(ALICE, Operation.DESCRIBE, "default", "p")).isTrue();
        assertThat(r.allows(ALICE, Operation.DESCRIBE, "default", "c")).isTrue();
        assertThat(r.allows(ALICE, Operation.DESCRIBE, "default", "d")).isTrue();
        assertThat(r.allows(ALICE, Operation.DESCRIBE, "default", "x.y")).isTrue();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "d")).isFalse();
        assertThat(r.allows(ALICE, Operation.CONSUME, "default", "x.y")).isFalse();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "c")).isFalse();
    }

    @Test
    void star_isAnyPrincipal_andEveryTopic() {
        AccessRules r = rules(Rule.forPrincipals("*").describe("*"));
        assertThat(r.allows(ALICE, Operation.DESCRIBE, "default", "anything")).isTrue();
        assertThat(r.allows(CAROL, Operation.DESCRIBE, "eu", "x")).isTrue();
        assertThat(r.allows(CAROL, Operation.PRODUCE, "eu", "x")).isFalse();
    }

    @Test
    void principalGroups_grantToTheirMembers() {
        AccessRules r =
                rules(
                        new Rule(
                                List.of(),
                                List.of("ops"),
                                List.of(),
                                List.of("metrics"),
                                List.of(),
                                List.of(),
                                List.of()));
        assertThat(r.allows(BOB, Operation.PRODUCE, "default", "metrics")).isTrue();
        assertThat(r.allows(CAROL, Operation.PRODUCE, "default", "metrics")).isFalse();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "metrics")).isFalse();
        Principal bobWithoutOps = new Principal("bob", Set.of(), "jwt");
        assertThat(r.allows(bobWithoutOps, Operation.PRODUCE, "default", "metrics"))
                .as("a principal of the same name in other groups is another principal")
                .isFalse();
    }

    @Test
    void clusters_limitARule() {
        AccessRules r = rules(Rule.forPrincipals("alice").produce("orders").inClusters("eu"));
        assertThat(r.allows(ALICE, Operation.PRODUCE, "eu", "orders")).isTrue();
        assertThat(r.allows(ALICE, Operation.PRODUCE, "default", "orders")).isFalse();
    }

    @Test
    void consumerGroups_areAGrantOfTheirOwn() {
        AccessRules r =
                rules(
                        Rule.forPrincipals("alice").consume("orders").consumerGroups("billing-*"),
                        Rule.forPrincipals("alice").consumerGroups("audit"));
        assertThat(r.allowsGroup(ALICE, "default", "billing-eu")).isTrue();
        assertThat(r.allowsGroup(ALICE, "default", "audit")).isTrue();
        assertThat(r.allowsGroup(ALICE, "default", "ops")).isFalse();
        assertThat(r.allowsGroup(ALICE, "default", null)).isFalse();
        assertThat(r.allowsGroup(BOB, "default", "audit")).isFalse();
        assertThat(r.allows(ALICE, Operation.CONSUME, "default", null)).isFalse();
    }

    @Test
    void decisions_areCachedPerPrincipal_boundedInNumber() {
        AccessRules r = rules(Rule.forPrincipals("*").produce("orders"));
        for (int i = 0; i < AccessRules.MAX_PRINCIPALS + 10; i++) {
            Principal p = new Principal("p" + i, Set.of(), "api-key");
            assertThat(r.allows(p, Operation.PRODUCE, "default", "orders")).isTrue();
            assertThat(r.cachedPrincipals()).isLessThanOrEqualTo(AccessRules.MAX_PRINCIPALS);
        }
        assertThat(r.cachedPrincipals()).isBetween(1, AccessRules.MAX_PRINCIPALS);
        // what the cache held before it was cleared is decided again, the same way
        assertThat(r.allows(new Principal("p0", Set.of(), "api-key"), Operation.PRODUCE, "d", "x"))
                .isFalse();
    }

    @Test
    void manyTopics_keepDecidingRightAcrossTheCachesBound() {
        AccessRules r = rules(Rule.forPrincipals("alice").produce("even.*"));
        for (int i = 0; i < AccessRules.MAX_NAMES * 2 + 3; i++) {
            String t = (i % 2 == 0 ? "even." : "odd.") + i;
            assertThat(r.allows(ALICE, Operation.PRODUCE, "default", t))
                    .as(t)
                    .isEqualTo(i % 2 == 0);
        }
    }

    @Test
    void aCachedDecision_allocatesNothing() {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AccessRules r =
                rules(
                        Rule.forPrincipals("bob").produce("logs.*"),
                        Rule.forPrincipals("alice").produce("orders").consume("orders"));
        Principal alice = new Principal("alice", Set.of("a", "b", "c"), "api-key");
        boolean all = true;
        for (int i = 0; i < 20_000; i++) { // warm up: the JIT compiles the path
            all &= r.allows(alice, Operation.PRODUCE, "default", "orders");
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            all &= r.allows(alice, Operation.PRODUCE, "default", "orders");
            all &= !r.allows(alice, Operation.PRODUCE, "default", "payments");
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(all).isTrue();
        // 200,000 decisions: even 1 byte each would be 200 KB; allow the measurement's own noise
        assertThat(allocated).as("bytes allocated by 200,000 cached decisions").isLessThan(4096);
    }
}
