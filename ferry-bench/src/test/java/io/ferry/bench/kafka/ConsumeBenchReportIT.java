package io.ferry.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The consume harness end to end with tiny N against the in-process Kafka node it starts. */
class ConsumeBenchReportIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tinyRun_everySideReadsEveryRecordOnce_andTheReportHasEveryRow() throws Exception {
        ConsumeBenchOptions options =
                ConsumeBenchOptions.parse(
                        new String[] {
                            "--records", "20000",
                            "--rounds", "1",
                            "--warmup-records", "2000",
                            "--range", "100",
                            "--max-pending", "300",
                            "--latency-rate", "500",
                            "--latency-seconds", "1"
                        });
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        ConsumeBenchTable table =
                ConsumeBenchReport.run(
                        options, new PrintStream(text, true, StandardCharsets.UTF_8));

        String report = text.toString(StandardCharsets.UTF_8);
        assertThat(table.reads()).hasSize(3);
        assertThat(table.reads())
                .allSatisfy(
                        r -> {
                            assertThat(r.records()).as(r.side() + " records").isEqualTo(20_000);
                            assertThat(r.duplicates()).as(r.side() + " twice").isZero();
                            assertThat(r.gaps()).as(r.side() + " skipped").isZero();
                            assertThat(r.fetchRequests())
                                    .as(r.side() + " fetch requests")
                                    .isPositive();
                        });
        assertThat(table.latencies()).hasSize(3);
        assertThat(table.latencies())
                .allSatisfy(
                        l -> {
                            assertThat(l.records()).isEqualTo(500);
                            assertThat(l.p99Ms()).isPositive().isGreaterThanOrEqualTo(l.p50Ms());
                            assertThat(l.duplicates()).isZero();
                        });
        assertThat(table.allCorrect()).isTrue();
        assertThat(report)
                .contains(
                        "| KafkaConsumer |",
                        "| Ferry acks |",
                        "| Ferry ranges |",
                        "Ferry acks/KafkaConsumer: records/s",
                        "Ferry ranges/KafkaConsumer: records/s",
                        "per round");
    }

    @Test
    void options_defaultsAreTheIssues_andBadOnesSayWhatIsAccepted() {
        ConsumeBenchOptions d = ConsumeBenchOptions.defaults();
        assertThat(d.records()).isEqualTo(2_000_000);
        assertThat(d.recordSizeBytes()).isEqualTo(100);
        assertThat(d.partitions()).isEqualTo(4);
        assertThat(d.rangeSize()).isEqualTo(1000);
        assertThat(d.warmupRecords()).isEqualTo(200_000);
        assertThat(d.sides()).containsExactlyElementsOf(ConsumeBenchOptions.ALL_SIDES);
        assertThat(ConsumeBenchOptions.parse(new String[] {"--fetch-max-wait-ms=100"}))
                .extracting(ConsumeBenchOptions::fetchMaxWaitMs)
                .isEqualTo(100);
        assertThatThrownBy(
                        () ->
                                ConsumeBenchOptions.parse(
                                        new String[] {"--range", "1000", "--max-pending", "300"}))
                .hasMessageContaining("--max-pending is 300; expected at least 1000");
        assertThatThrownBy(() -> ConsumeBenchOptions.parse(new String[] {"--sides", "pixy"}))
                .hasMessageContaining("expected a list of kafka-consumer, ferry-acks");
        assertThatThrownBy(() -> ConsumeBenchOptions.parse(new String[] {"--nope", "1"}))
                .hasMessageContaining("unknown option --nope");
    }
}
