package io.ferry.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway-http side of the consume harness, tiny, against the Kafka node the harness starts:
 * its lanes read every record once, acknowledging by ranges; {@code --threads} names the busiest.
 */
class GatewayHttpConsumeSideIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tinyRun_byRanges_readsEveryRecordOnce() throws Exception {
        ConsumeBenchOptions options =
                ConsumeBenchOptions.parse(
                        new String[] {
                            "--records", "6000",
                            "--rounds", "1",
                            "--warmup-records", "0",
                            "--sides", "gateway-http",
                            "--http-acks", "ranges",
                            "--http-in-flight", "3",
                            "--latency-rate", "0",
                            "--threads", "3"
                        });
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        ConsumeBenchTable table =
                ConsumeBenchReport.run(
                        options, new PrintStream(text, true, StandardCharsets.UTF_8));

        assertThat(table.reads())
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.records()).isEqualTo(6_000);
                            assertThat(r.duplicates()).isZero();
                            assertThat(r.gaps()).isZero();
                        });
        assertThat(table.allCorrect()).isTrue();
        assertThat(text.toString(StandardCharsets.UTF_8))
                .contains("acks by ranges")
                .contains(", 3 in flight")
                .containsPattern("busiest threads \\(percent of one core\\):( [^;]+ \\d+%;){3}");
    }

    @Test
    void httpAcks_isListByDefault_andOtherWordsAreRefused() {
        assertThat(ConsumeBenchOptions.defaults().httpAcks()).isEqualTo("list");
        assertThatThrownBy(() -> ConsumeBenchOptions.parse(new String[] {"--http-acks", "range"}))
                .hasMessageContaining("--http-acks is 'range'; expected list or ranges");
    }
}
