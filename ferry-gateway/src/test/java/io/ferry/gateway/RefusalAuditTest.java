package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.gateway.security.AuditConfig;
import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.Operation;
import io.ferry.gateway.security.Principal;
import io.ferry.gateway.security.SecurityConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link RefusalAudit}: its lines per second with a fake clock, its counters, its quoting. */
class RefusalAuditTest {
    private static final Principal ALICE = new Principal("alice", Set.of(), "api-key");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<String> lines = new ArrayList<>();

    private RefusalAudit audit(int linesPerSecond) {
        SecurityConfig s =
                SecurityConfig.OFF.withApi(
                        ListenerSecurity.OFF.withAudit(new AuditConfig(linesPerSecond)));
        return new RefusalAudit(registry, s, nanos::get, lines::add);
    }

    private void refuse(RefusalAudit a, String topic) {
        a.refused(
                Listener.API,
                ALICE,
                Operation.PRODUCE,
                "default",
                topic,
                null,
                RefusalAudit.Reason.NOT_ALLOWED);
    }

    private double count(String listener, String op, String reason) {
        return registry.get("ferry.security.refusals")
                .tag("listener", listener)
                .tag("operation", op)
                .tag("reason", reason)
                .counter()
                .count();
    }

    @Test
    void aRefusal_isOneLine_withWhoWhatWhere_andCounted() {
        RefusalAudit a = audit(10);
        a.refused(
                Listener.KAFKA_PIXY,
                ALICE,
                Operation.CONSUME,
                "eu",
                "orders",
                "billing",
                RefusalAudit.Reason.GROUP_NOT_ALLOWED);
        assertThat(lines)
                .containsExactly(
                        "refused: listener=kafka-pixy principal=\"alice\" method=api-key"
                                + " operation=consume cluster=\"eu\" topic=\"orders\""
                                + " group=\"billing\" reason=group_not_allowed; answered 403 /"
                                + " PERMISSION_DENIED");
        assertThat(count("kafka-pixy", "consume", "group_not_allowed")).isEqualTo(1);
        assertThat(count("api", "consume", "group_not_allowed")).isZero();
        assertThat(count("api", "produce", "not_allowed")).as("registered at 0").isZero();
    }

    @Test
    void linesPerSecond_limitsTheLines_andTheNextLineSaysHowManyWereNot() {
        RefusalAudit a = audit(3);
        for (int i = 0; i < 10; i++) {
            refuse(a, "t" + i);
        }
        assertThat(lines).hasSize(3).allMatch(l -> !l.contains("not logged"));
        assertThat(count("api", "produce", "not_allowed")).as("every one counted").isEqualTo(10);
        nanos.addAndGet(100_000_000); // 0.1 s: a third of a token
        refuse(a, "t10");
        assertThat(lines).hasSize(3);
        nanos.addAndGet(250_000_000); // 0.35 s in all: one token
        refuse(a, "t11");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(3))
                .contains("topic=\"t11\"")
                .contains("; 8 earlier refusals on this listener were not logged")
                .contains("lines-per-second 3");
        refuse(a, "t12");
        nanos.addAndGet(60_000_000_000L); // a minute: the burst is one second's worth, no more
        for (int i = 0; i < 5; i++) {
            refuse(a, "u" + i);
        }
        assertThat(lines).hasSize(7);
        assertThat(lines.get(4)).contains("; 1 earlier refusals");
        assertThat(lines.get(5)).doesNotContain("not logged");
    }

    @Test
    void zeroLinesPerSecond_logsNothing_butCounts() {
        RefusalAudit a = audit(0);
        refuse(a, "x");
        nanos.addAndGet(5_000_000_000L);
        refuse(a, "y");
        assertThat(lines).isEmpty();
        assertThat(count("api", "produce", "not_allowed")).isEqualTo(2);
    }

    @Test
    void namesFromTheRequest_stayOnOneLine_quotedAndCut() {
        RefusalAudit a = audit(10);
        refuse(a, "evil\n\"topic\\\u0007");
        refuse(a, "x".repeat(1000));
        a.refused(
                Listener.API,
                null,
                Operation.DESCRIBE,
                "default",
                "t",
                null,
                RefusalAudit.Reason.ANONYMOUS);
        assertThat(lines.get(0))
                .contains("topic=\"evil\\x0a\\\"topic\\\\\\x07\"")
                .doesNotContain("\n");
        assertThat(lines.get(1))
                .contains("topic=\"" + "x".repeat(RefusalAudit.MAX_NAME_CHARS) + "...\"");
        assertThat(lines.get(2)).contains("principal=(anonymous) operation=describe");
    }
}
