package io.ferry.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.GatewayConfig.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link AccessConfig} and {@link AuditConfig} from YAML: the rules, and each error's key. */
class AccessConfigTest {
    private static final String API = "gateway.security.api.authorization";

    private static GatewayConfig config(String security) {
        return GatewayConfig.parse(
                """
                gateway:
                  security:
                %s
                clusters:
                  default:
                    kafka: { bootstrap.servers: "localhost:9092" }
                  eu:
                    kafka: { bootstrap.servers: "localhost:9093" }
                """
                        .formatted(security.indent(4)));
    }

    private static AccessConfig api(String authorization) {
        return config("api:\n  authorization:\n" + authorization.indent(4))
                .security()
                .api()
                .authorization();
    }

    private static void fails(String authorization, String... contains) {
        assertThatThrownBy(() -> api(authorization))
                .isInstanceOf(ConfigException.class)
                .message()
                .contains(contains);
    }

    @Test
    void absent_isNoRules_andTheDefaultAudit() {
        ListenerSecurity s = config("api: {}").security().api();
        assertThat(s.authorization().rules()).isEmpty();
        assertThat(s.audit().linesPerSecond()).isEqualTo(10);
        assertThat(AccessConfig.OFF.rules()).isEmpty();
    }

    @Test
    void rules_areReadWithEveryKey() {
        AccessConfig a =
                api(
                        """
                        rules:
                          - principals: [alice]
                            principal-groups: [ops]
                            clusters: [eu]
                            produce: [orders, "logs.*"]
                            consume: [orders]
                            consumer-groups: ["billing-*"]
                            describe: ["*"]
                          - principals: ["*"]
                            clusters: ["*"]
                            describe: public
                        """);
        assertThat(a.rules()).hasSize(2);
        AccessConfig.Rule r = a.rules().get(0);
        assertThat(r.principals()).containsExactly("alice");
        assertThat(r.principalGroups()).containsExactly("ops");
        assertThat(r.clusters()).containsExactly("eu");
        assertThat(r.produce()).containsExactly("orders", "logs.*");
        assertThat(r.consume()).containsExactly("orders");
        assertThat(r.consumerGroups()).containsExactly("billing-*");
        assertThat(r.describe()).containsExactly("*");
        AccessConfig.Rule all = a.rules().get(1);
        assertThat(all.clusters()).as("* is every cluster").isEmpty();
        assertThat(all.describe()).isEqualTo(List.of("public"));
    }

    @Test
    void aRuleForNobody_fails_namingTheRule() {
        fails(
                """
                rules:
                  - principals: [alice]
                    produce: [a]
                  - produce: [a]
                """,
                API + ".rules[1] applies to nobody",
                "principal-groups");
    }

    @Test
    void aRuleThatAllowsNothing_fails() {
        fails("rules: [ { principals: [alice] } ]", API + ".rules[0] allows nothing");
    }

    @Test
    void badPatterns_failNamingTheKey() {
        fails(
                """
                rules:
                  - { principals: [a], produce: [x] }
                  - { principals: [a], produce: [x] }
                  - { principals: [a], produce: ["lo*gs"] }
                """,
                API + ".rules[2].produce has 'lo*gs'",
                "ending in *");
        fails(
                "rules: [ { principals: [a], consume: [\"*orders\"] } ]",
                API + ".rules[0].consume has '*orders'");
        fails(
                "rules: [ { principals: [a], describe: [\"no/pe\"] } ]",
                API + ".rules[0].describe has 'no/pe'");
        fails(
                "rules: [ { principals: [a], produce: [\"\"] } ]",
                API + ".rules[0].produce must be a list of non-empty names");
        fails(
                "rules: [ { principals: [a], consumer-groups: [\"*x*\"] } ]",
                API + ".rules[0].consumer-groups has '*x*'");
    }

    @Test
    void aStarMixedWithNames_fails() {
        fails(
                "rules: [ { principals: [a], produce: [\"*\", orders] } ]",
                API + ".rules[0].produce is [*, orders]",
                "\"*\" alone");
        fails(
                "rules: [ { principals: [\"*\", alice], produce: [x] } ]",
                API + ".rules[0].principals is [*, alice]");
        fails(
                "rules: [ { principals: [\"al*\"], produce: [x] } ]",
                API + ".rules[0].principals has 'al*'",
                "literal");
        fails(
                "rules: [ { principal-groups: [\"*\"], produce: [x] } ]",
                API + ".rules[0].principal-groups is [\"*\"]");
    }

    @Test
    void groups_isAmbiguous_andSaysWhichToUse() {
        fails(
                "rules: [ { principals: [a], consume: [x], groups: [billing] } ]",
                API + ".rules[0].groups is ambiguous",
                "principal-groups",
                "consumer-groups");
    }

    @Test
    void unknownKeysAndShapes_fail() {
        fails(
                "rules: [ { principals: [a], write: [x] } ]",
                "unknown setting '" + API + ".rules[0].write'");
        fails("rules: { principals: [a] }", API + ".rules must be a list of rules");
        fails("rule: []", "unknown setting '" + API + ".rule'");
    }

    @Test
    void anUnconfiguredCluster_fails_namingTheConfiguredOnes() {
        fails(
                "rules: [ { principals: [a], clusters: [us], produce: [x] } ]",
                API + ".rules[0].clusters names 'us'",
                "[default, eu]");
        assertThatThrownBy(
                        () ->
                                config(
                                        """
                                        kafka-pixy:
                                          authorization:
                                            rules: [ { principals: [a], clusters: [us], produce: [x] } ]
                                        """))
                .hasMessageContaining(
                        "gateway.security.kafka-pixy.authorization.rules[0].clusters names 'us'");
    }

    @Test
    void audit_linesPerSecond_isRead_andChecked() {
        assertThat(
                        config("api: { audit: { lines-per-second: 0 } }")
                                .security()
                                .api()
                                .audit()
                                .linesPerSecond())
                .isZero();
        assertThatThrownBy(() -> config("api: { audit: { lines-per-second: -1 } }"))
                .hasMessageContaining("gateway.security.api.audit.lines-per-second is -1");
        assertThatThrownBy(() -> config("api: { audit: { lines: 5 } }"))
                .hasMessageContaining("unknown setting 'gateway.security.api.audit.lines'");
    }
}
