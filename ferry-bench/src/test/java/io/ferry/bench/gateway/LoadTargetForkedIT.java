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
 * {@code GatewayLoadReport --own-jvms}: a gateway in a JVM of its own on the harness's Kafka takes
 * records (acknowledged by Kafka), drains, reports its JVM's CPU, and ends with its input; the TLS
 * + JWT side refuses a request without the token and takes one with it.
 */
class LoadTargetForkedIT {

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void forkedSides_serveTheHarnessesKafka_andEndWithTheirInput() throws Exception {
        try (DevKafka kafka = DevKafka.start()) {
            kafka.createTopic("load", 1);
            String path = "/topics/load/messages?ack=kafka&key=k1";
            Buffer body = Buffer.buffer("one record");

            LoadTarget.Forked clear =
                    LoadTarget.Forked.start(List.of(kafka.bootstrapServers(), "clear", "auto"));
            LoadClient plain = new LoadClient(clear.port(), 1, 1, false, Map::of);
            try {
                long cpu0 = clear.gatewayCpuNanos();
                LoadClient.Result r = plain.run(path, body, 1, 0.5, 200);
                clear.drain();

                assertThat(r.requests()).isPositive();
                assertThat(r.errors()).as("first error: %s", r.firstError()).isZero();
                assertThat(clear.gatewayCpuNanos()).isGreaterThan(cpu0);
                assertThat(clear.cpuNanos()).isGreaterThan(clear.gatewayCpuNanos());
            } finally {
                plain.close();
                clear.close();
            }
            assertThat(clear.alive()).isFalse();

            LoadTarget.Forked tls =
                    LoadTarget.Forked.start(List.of(kafka.bootstrapServers(), "tls+jwt", "auto"));
            String token = "Bearer " + BenchTls.jwt();
            LoadClient anonymous = new LoadClient(tls.port(), 1, 1, true, Map::of);
            LoadClient bearer =
                    new LoadClient(tls.port(), 1, 1, true, () -> Map.of("Authorization", token));
            try {
                LoadClient.Result refused = anonymous.run(path, body, 1, 0.3, 401);
                LoadClient.Result taken = bearer.run(path, body, 1, 0.5, 200);

                assertThat(refused.requests()).isPositive();
                assertThat(refused.errors()).as("first: %s", refused.firstError()).isZero();
                assertThat(taken.requests()).isPositive();
                assertThat(taken.errors()).as("first: %s", taken.firstError()).isZero();
            } finally {
                anonymous.close();
                bearer.close();
                tls.close();
            }
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
