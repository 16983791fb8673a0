package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.security.AccessConfig;
import io.ferry.gateway.security.AccessConfig.Rule;
import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.SecurityConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RuleAuthorizer}: the rules of the call's listener, the refusals' wording, the audit. */
class RuleAuthorizerTest {
    private final List<String> lines = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RuleAuthorizer authorizer;

    RuleAuthorizerTest() {
        SecurityConfig s =
                SecurityConfig.OFF
                        .withApi(
                                ListenerSecurity.OFF.withAuthorization(
                                        new AccessConfig(
                                                List.of(
                                                        Rule.forPrincipals("alice")
                                                                .produce("orders")
                                                                .consume("orders")
                                                                .consumerGroups("billing")))))
                        .withKafkaPixy(
                                ListenerSecurity.OFF.withAuthorization(
                                        new AccessConfig(
                                                List.of(
                                                        Rule.forPrincipals("alice")
                                                                .produce("pixy-only")))));
        authorizer = new RuleAuthorizer(s, new RefusalAudit(registry, s, () -> 0L, lines::add));
    }

    private static CallContext alice() {
        return CallContext.authenticated("alice", Runnable::run);
    }

    @Test
    void anAnonymousCaller_mayDoEverything_whereTheListenerDoesNotAuthenticate() {
        CallContext anon = CallContext.anonymous(Runnable::run);
        assertThat(authorizer.authorizeProduce(anon, "default", "payments")).isNull();
        assertThat(authorizer.authorizeConsume(anon, "default", "payments", "g")).isNull();
        assertThat(authorizer.authorizeDescribe(anon, "default", "payments")).isNull();
        assertThat(authorizer.mayDescribe(anon.on(Listener.KAFKA_PIXY), "default", "x")).isTrue();
        assertThat(lines).isEmpty();
    }

    @Test
    void produce_toATopicNoRuleAllows_isRefused_namingPrincipalOperationTopicAndCluster() {
        assertThat(authorizer.authorizeProduce(alice(), "default", "orders")).isNull();
        ProduceRefusal r = authorizer.authorizeProduce(alice(), "default", "payments");
        assertThat(r.code()).isEqualTo(ProduceRefusal.Code.NOT_AUTHORIZED);
        assertThat(r.message())
                .isEqualTo(
                        "principal 'alice' may not produce to topic 'payments' of cluster"
                                + " 'default'");
        assertThat(lines).singleElement().asString().contains("reason=not_allowed");
        assertThat(
                        registry.get("ferry.security.refusals")
                                .tag("listener", "api")
                                .tag("operation", "produce")
                                .tag("reason", "not_allowed")
                                .counter()
                                .count())
                .isEqualTo(1);
    }

    @Test
    void consume_needsTheTopicAndTheGroup() {
        assertThat(authorizer.authorizeConsume(alice(), "default", "orders", "billing")).isNull();
        ConsumeRefused group = authorizer.authorizeConsume(alice(), "default", "orders", "ops");
        assertThat(group.code).isEqualTo(ConsumeRefused.Code.NOT_AUTHORIZED);
        assertThat(group.getMessage())
                .isEqualTo(
                        "principal 'alice' may not consume in group 'ops' of cluster 'default'"
                                + " (topic 'orders')");
        ConsumeRefused topic =
                authorizer.authorizeConsume(alice(), "default", "payments", "billing");
        assertThat(topic.getMessage())
                .isEqualTo(
                        "principal 'alice' may not consume topic 'payments' of cluster 'default'");
        assertThat(authorizer.authorizeConsume(alice(), "default", "orders", null))
                .as("no group: the service says one is needed")
                .isNull();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("group=\"ops\" reason=group_not_allowed");
    }

    @Test
    void describe_followsProduceAndConsume_andListsAreNotAudited() {
        assertThat(authorizer.authorizeDescribe(alice(), "default", "orders")).isNull();
        assertThat(authorizer.mayDescribe(alice(), "default", "payments")).isFalse();
        assertThat(lines).as("a list leaves out what it may not see: no refusal").isEmpty();
        assertThat(authorizer.authorizeDescribe(alice(), "default", "payments").message())
                .isEqualTo(
                        "principal 'alice' may not describe topic 'payments' of cluster 'default'");
        assertThat(lines).hasSize(1);
    }

    @Test
    void eachListener_hasItsOwnRules() {
        CallContext pixy = alice().on(Listener.KAFKA_PIXY);
        assertThat(authorizer.authorizeProduce(pixy, "default", "pixy-only")).isNull();
        assertThat(authorizer.authorizeProduce(pixy, "default", "orders")).isNotNull();
        assertThat(authorizer.authorizeProduce(alice(), "default", "pixy-only")).isNotNull();
        assertThat(lines.get(0)).contains("listener=kafka-pixy");
        assertThat(lines.get(1)).contains("listener=api");
    }

    @Test
    void anAnonymousCaller_isRefused_whereTheListenerAuthenticates() {
        io.ferry.gateway.security.AuthConfig keys =
                new io.ferry.gateway.security.AuthConfig(
                        java.util.Set.of(io.ferry.gateway.security.AuthConfig.Method.API_KEY),
                        io.ferry.gateway.security.AuthConfig.ClientCert.DEFAULT,
                        null,
                        new io.ferry.gateway.security.AuthConfig.ApiKeys(
                                java.nio.file.Path.of("keys.txt"), 1000),
                        false);
        SecurityConfig s =
                SecurityConfig.OFF.withApi(ListenerSecurity.OFF.withAuthentication(keys));
        RuleAuthorizer a =
                new RuleAuthorizer(s, new RefusalAudit(registry, s, () -> 0L, lines::add));
        CallContext anon = CallContext.anonymous(Runnable::run);
        assertThat(a.authorizeProduce(anon, "default", "orders").message())
                .isEqualTo(
                        "an anonymous caller may not produce to topic 'orders' of cluster 'default'");
        assertThat(a.authorizeConsume(anon, "default", "orders", "g")).isNotNull();
        assertThat(a.mayDescribe(anon, "default", "orders")).isFalse();
        assertThat(a.authorizeProduce(anon.on(Listener.KAFKA_PIXY), "default", "orders"))
                .as("the kafka-pixy listener does not authenticate")
                .isNull();
        assertThat(lines).hasSize(2).allMatch(l -> l.contains("reason=anonymous"));
        assertThat(a.authorizeProduce(alice(), "default", "orders"))
                .as("no rules: default deny")
                .isNotNull();
    }
}
