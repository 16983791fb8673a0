package io.ferry.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.gateway.cli.DevKafka;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GatewayLoadReport --own-jvms}: the TLS + JWT side in a JVM of its own on the harness's
 * Kafka refuses a request without the token, takes records with it (acknowledged by Kafka), drains,
 * reports its JVM's CPU, and ends with its input.
 */
class LoadTargetForkedIT {

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aForkedSide_servesTheHarnessesKafka_andEndsWithItsInput() throws Exception {
        // the TLS + JWT side: what it checks covers the clear side's path as well
        try (DevKafka kafka = DevKafka.start()) {
            kafka.createTopic("load", 1);
            String path = "/topics/load/messages?ack=kafka&key=k1";
            Buffer body = Buffer.buffer("one record");
            LoadTarget.Forked tls =
                    LoadTarget.Forked.start(List.of(kafka.bootstrapServers(), "tls+jwt", "auto"));
            String token = "Bearer " + BenchTls.jwt();
            LoadClient anonymous = new LoadClient(tls.port(), 1, 1, true, Map::of);
            LoadClient bearer =
                    new LoadClient(tls.port(), 1, 1, true, () -> Map.of("Authorization", token));
            try {
                long cpu0 = tls.gatewayCpuNanos();
                LoadClient.Result refused = anonymous.run(path, body, 1, 0.3, 401);
                LoadClient.Result taken = bearer.run(path, body, 1, 0.5, 200);
                tls.drain();

                assertThat(refused.requests()).isPositive();
                assertThat(refused.errors()).as("first: %s", refused.firstError()).isZero();
                assertThat(taken.requests()).isPositive();
                assertThat(taken.errors()).as("first: %s", taken.firstError()).isZero();
                assertThat(tls.gatewayCpuNanos()).isGreaterThan(cpu0);
                assertThat(tls.cpuNanos()).isGreaterThan(tls.gatewayCpuNanos());
            } finally {
                anonymous.close();
                bearer.close();
                tls.close();
            }
            assertThat(tls.alive()).isFalse();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anUnknownSide_endsTheChild_withItsReason() {
        assertThatThrownBy(() -> LoadTarget.Forked.start(List.of("127.0.0.1:1", "plain", "auto")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ended before saying port");
    }
}
