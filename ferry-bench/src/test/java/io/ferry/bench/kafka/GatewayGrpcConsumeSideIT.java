package io.ferry.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway-grpc side of the consume harness, tiny, against the Kafka node the harness starts.
 */
class GatewayGrpcConsumeSideIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tinyRun_theStreamReadsEveryRecordOnce_andMeasuresLatency() throws Exception {
        ConsumeBenchOptions options =
                ConsumeBenchOptions.parse(
                        new String[] {
                            "--records", "10000",
                            "--rounds", "1",
                            "--warmup-records", "1000",
                            "--sides", "kafka-consumer,gateway-grpc",
                            "--latency-rate", "200",
                            "--latency-seconds", "1"
                        });
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        ConsumeBenchTable table =
                ConsumeBenchReport.run(
                        options, new PrintStream(text, true, StandardCharsets.UTF_8));

        String report = text.toString(StandardCharsets.UTF_8);
        assertThat(table.reads()).extracting(ReadResult::side).contains("Gateway gRPC");
        assertThat(table.reads())
                .allSatisfy(
                        r -> {
                            assertThat(r.records()).as(r.side()).isEqualTo(10_000);
                            assertThat(r.duplicates()).as(r.side() + " twice").isZero();
                            assertThat(r.gaps()).as(r.side() + " skipped").isZero();
                        });
        assertThat(table.latencies()).hasSize(2);
        assertThat(table.latencies())
                .allSatisfy(l -> assertThat(l.records()).as(l.side()).isEqualTo(200));
        assertThat(table.allCorrect()).isTrue();
        assertThat(report).contains("| Gateway gRPC |", "one gRPC stream:");
    }
}
